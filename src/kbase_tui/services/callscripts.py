"""Call scripts: the template phrase and the ONE key question for a segment.

A script belongs to a purpose (`cold` for the callers' queue, `follow_up` for the
account managers' calls), a language, and optionally a channel and/or an industry.
For a company the narrowest script wins:

    industry and channel both match  >  industry matches  >  channel matches  >  default

in the user's language, falling back to any language when none is written in it.
`{operator}` in the text is replaced by the speaker's name.

Shipped defaults come from data/call_scripts.json (reference.ensure_defaults); the
supervisor edits them with `save_script` / `delete_script` (capability EDIT_SCRIPTS).
"""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from kbase_tui.i18n import _, current_language
from kbase_tui.models import CallScript, User, utcnow
from kbase_tui.protocol.callscripts import Script, ScriptForm, ScriptRow

from . import audit
from .db import Database
from .dto import Actor
from .errors import NotFound, ValidationFailed
from .policy import Capability, require, require_active_user
from .text import clean_input

PURPOSES = ("cold", "follow_up")
LANGUAGES = ("ru", "en")
TEXT_MAX = 2000


def _specificity(row: CallScript, channel: str, industry: str) -> int | None:
    """How well *row* fits the segment (higher is narrower), or None when it does not apply."""
    if row.industry and row.industry != industry:
        return None
    if row.channel and row.channel != channel:
        return None
    return (2 if row.industry else 0) + (1 if row.channel else 0)


def find_script(
    session: Session,
    *,
    channel: str,
    industry: str,
    language: str | None = None,
    purpose: str = "cold",
    operator: str = "",
) -> Script | None:
    """The narrowest script for the segment in *language* (else any language), or None."""
    language = language or current_language()
    rows = (
        session.execute(
            select(CallScript).where(
                CallScript.purpose == purpose,
                or_(CallScript.channel == "", CallScript.channel == channel),
                or_(CallScript.industry == "", CallScript.industry == industry),
            )
        )
        .scalars()
        .all()
    )
    best: tuple[int, int, int] | None = None
    chosen: CallScript | None = None
    for row in rows:
        fit = _specificity(row, channel, industry)
        if fit is None:
            continue
        rank = (1 if row.language == language else 0, fit, -(row.id or 0))
        if best is None or rank > best:
            best, chosen = rank, row
    if chosen is None:
        return None
    name = operator or ""
    return Script(
        template_phrase=chosen.template_phrase.replace("{operator}", name),
        key_question=chosen.key_question.replace("{operator}", name),
        channel=chosen.channel,
        industry=chosen.industry,
        language=chosen.language,
    )


# --- the supervisor's editor ---------------------------------------------------------


def _editor(session: Session, actor: Actor) -> None:
    require_active_user(session, actor)
    require(actor, Capability.EDIT_SCRIPTS)


def _row(row: CallScript, names: dict[int, str]) -> ScriptRow:
    return ScriptRow(
        id=row.id,
        purpose=row.purpose,
        language=row.language,
        channel=row.channel,
        industry=row.industry,
        template_phrase=row.template_phrase,
        key_question=row.key_question,
        updated_by=names.get(row.updated_by_id or 0, ""),
        updated_at=row.updated_at,
    )


def list_scripts(db: Database, actor: Actor, purpose: str | None = None) -> list[ScriptRow]:
    """Every stored script (a few dozen at most), default ones first."""
    with db.read() as session:
        _editor(session, actor)
        query = select(CallScript).order_by(
            CallScript.purpose, CallScript.industry, CallScript.channel, CallScript.language, CallScript.id
        )
        if purpose:
            query = query.where(CallScript.purpose == purpose)
        rows = session.execute(query).scalars().all()
        ids = {r.updated_by_id for r in rows if r.updated_by_id}
        names = (
            {
                uid: full or login
                for uid, full, login in session.execute(
                    select(User.id, User.full_name, User.username).where(User.id.in_(ids))
                ).all()
            }
            if ids
            else {}
        )
        return [_row(r, names) for r in rows]


def _clean(form: ScriptForm) -> ScriptForm:
    if form.purpose not in PURPOSES:
        raise ValidationFailed(_("Unknown script purpose."))
    if form.language not in LANGUAGES:
        raise ValidationFailed(_("The language must be one of: {choices}").format(choices=", ".join(LANGUAGES)))
    phrase = clean_input(form.template_phrase, TEXT_MAX)
    question = clean_input(form.key_question, TEXT_MAX)
    if not phrase or not question:
        raise ValidationFailed(_("Write both the template phrase and the key question."))
    return ScriptForm(
        purpose=form.purpose,
        language=form.language,
        channel=clean_input(form.channel, 60),
        industry=clean_input(form.industry, 120),
        template_phrase=phrase,
        key_question=question,
    )


def save_script(db: Database, actor: Actor, form: ScriptForm, script_id: int | None = None) -> ScriptRow:
    """Create a script, or change the one with *script_id*; one script per purpose/language/segment."""
    clean = _clean(form)
    with db.write() as session:
        _editor(session, actor)
        same_segment = (
            session.execute(
                select(CallScript).where(
                    CallScript.purpose == clean.purpose,
                    CallScript.language == clean.language,
                    CallScript.channel == clean.channel,
                    CallScript.industry == clean.industry,
                )
            )
            .scalars()
            .first()
        )
        if script_id is None:
            if same_segment is not None:
                raise ValidationFailed(_("A script for this segment and language exists already; change that one."))
            row: CallScript | None = CallScript(purpose=clean.purpose, language=clean.language)
            session.add(row)
        else:
            row = session.get(CallScript, script_id)
            if row is None:
                raise NotFound()
            if same_segment is not None and same_segment.id != row.id:
                raise ValidationFailed(_("A script for this segment and language exists already; change that one."))
        row.purpose, row.language = clean.purpose, clean.language
        row.channel, row.industry = clean.channel, clean.industry
        row.template_phrase, row.key_question = clean.template_phrase, clean.key_question
        row.updated_by_id = actor.id
        row.updated_at = utcnow()
        session.flush()
        audit.record(
            session,
            actor,
            "script_saved",
            "call_script",
            row.id,
            purpose=row.purpose,
            language=row.language,
            channel=row.channel,
            industry=row.industry,
        )
        return _row(row, {actor.id or 0: actor.label})


def delete_script(db: Database, actor: Actor, script_id: int) -> None:
    """Remove a channel or industry script; the default script of a language stays."""
    with db.write() as session:
        _editor(session, actor)
        row = session.get(CallScript, script_id)
        if row is None:
            raise NotFound()
        if not row.channel and not row.industry:
            raise ValidationFailed(_("The default script cannot be deleted; change its text instead."))
        audit.record(
            session,
            actor,
            "script_deleted",
            "call_script",
            row.id,
            purpose=row.purpose,
            language=row.language,
            channel=row.channel,
            industry=row.industry,
        )
        session.delete(row)
