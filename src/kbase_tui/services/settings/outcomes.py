"""The outcomes of a cold call (keys, labels, what each does), changed by the supervisor without a code change."""

from __future__ import annotations

from sqlalchemy import func, select

from kbase_tui.i18n import _
from kbase_tui.models import CallOutcome
from kbase_tui.protocol.queue import OutcomeForm

from .. import audit, reference
from ..common import require_configurer
from ..db import Database
from ..dto import Actor
from ..errors import ValidationFailed
from ..text import clean_input
from .codes import valid_code

# Keys the queue screen uses for itself: an outcome may not take them.
SCREEN_KEYS = frozenset(
    {
        "m",
        "g",
        "f1",
        "f2",
        "f5",
        "ctrl+l",
        "ctrl+q",
        "ctrl+p",
        "escape",
        "enter",
        "tab",
        "shift+tab",
        "up",
        "down",
        "left",
        "right",
        "space",
    }
)


def save_outcome(db: Database, actor: Actor, form: OutcomeForm) -> reference.OutcomeInfo:
    """Add an outcome, or change the one with the same code (labels, key, flags, active)."""
    code = valid_code(form.code)
    key = clean_input(form.key, 16).lower()
    label_ru, label_en = clean_input(form.label_ru, 80), clean_input(form.label_en, 80)
    if not label_ru or not label_en:
        raise ValidationFailed(_("Write the label in both languages."))
    if not key or (len(key) != 1 and not key.startswith("f")):
        raise ValidationFailed(_("The key must be one letter, digit or function key."))
    if key in SCREEN_KEYS:
        raise ValidationFailed(_("The key {key} is used by the queue screen itself.").format(key=key))
    actions = [
        form.is_refusal,
        form.is_do_not_call,
        form.is_callback,
        form.is_handover,
        form.is_unworkable,
        form.is_retry,
    ]
    if sum(bool(a) for a in actions) > 1:
        raise ValidationFailed(
            _(
                "An outcome does one thing: choose at most one of retry, callback, refusal, "
                "hand-over, bad data, do-not-call."
            )
        )
    with db.write() as session:
        require_configurer(session, actor)
        row = session.execute(select(CallOutcome).where(CallOutcome.code == code)).scalar_one_or_none()
        clash = session.execute(
            select(CallOutcome.code).where(
                CallOutcome.key == key, CallOutcome.active.is_(True), CallOutcome.code != code
            )
        ).scalar()
        if clash and form.active:
            raise ValidationFailed(_("The key {key} is taken by the outcome {code}.").format(key=key, code=clash))
        created = row is None
        if row is None:
            last = session.execute(select(func.max(CallOutcome.position))).scalar() or 0
            row = CallOutcome(code=code, label_ru=label_ru, label_en=label_en, key=key, position=last + 1)
            session.add(row)
        row.label_ru, row.label_en, row.key, row.active = label_ru, label_en, key, form.active
        if form.position is not None:
            row.position = form.position
        for flag in (
            "contact_made",
            "is_retry",
            "is_refusal",
            "is_do_not_call",
            "is_callback",
            "is_handover",
            "is_unworkable",
        ):
            setattr(row, flag, bool(getattr(form, flag)))
        session.flush()
        audit.record(
            session,
            actor,
            "outcome_added" if created else "outcome_changed",
            "call_outcome",
            row.id,
            code=code,
            key=key,
            active=form.active,
        )
        return (
            next(o for o in reference.outcomes(session) if o.code == code)
            if form.active
            else reference.OutcomeInfo(
                code,
                reference.label(row),
                key,
                row.contact_made,
                row.is_retry,
                row.is_refusal,
                row.is_do_not_call,
                row.is_callback,
                row.is_handover,
                row.is_unworkable,
            )
        )


def all_outcomes(db: Database, actor: Actor) -> list[OutcomeForm]:
    """Every outcome, active or not, for the supervisor's configuration."""
    with db.read() as session:
        require_configurer(session, actor)
        return [
            OutcomeForm(
                r.code,
                r.label_ru,
                r.label_en,
                r.key,
                r.contact_made,
                r.is_retry,
                r.is_refusal,
                r.is_do_not_call,
                r.is_callback,
                r.is_handover,
                r.is_unworkable,
                r.active,
                r.position,
            )
            for r in session.execute(select(CallOutcome).order_by(CallOutcome.position, CallOutcome.id)).scalars()
        ]
