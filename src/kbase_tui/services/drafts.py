"""Drafts: text being typed is saved as it is typed, so a dropped SSH connection or
a killed process loses nothing; the next sign-in offers it back."""

from __future__ import annotations

from sqlalchemy import delete, select

from kbase_tui.models import Draft, utcnow
from kbase_tui.protocol.drafts import DraftInfo, LeftoverDraft

from .db import Database
from .dto import Actor
from .policy import require_active_user
from .text import clean_input

MAX_DRAFT = 20_000


def save_draft(db: Database, actor: Actor, context: str, text: str) -> None:
    """Keep the latest text for (user, context); an empty text removes the draft."""
    text = clean_input(text, MAX_DRAFT)
    with db.write() as session:
        require_active_user(session, actor)
        draft = session.execute(
            select(Draft).where(Draft.user_id == actor.id, Draft.context == context[:120])
        ).scalar_one_or_none()
        if not text:
            if draft is not None:
                session.delete(draft)
            return
        if draft is None:
            session.add(Draft(user_id=actor.id, context=context[:120], text=text))
        else:
            draft.text = text
            draft.updated_at = utcnow()


def drafts_of(db: Database, actor: Actor) -> list[DraftInfo]:
    with db.read() as session:
        require_active_user(session, actor)
        rows = session.execute(select(Draft).where(Draft.user_id == actor.id).order_by(Draft.updated_at)).scalars()
        return [DraftInfo(d.id, d.context, d.text, d.updated_at) for d in rows]


def discard_draft(db: Database, actor: Actor, context: str) -> None:
    with db.write() as session:
        require_active_user(session, actor)
        session.execute(delete(Draft).where(Draft.user_id == actor.id, Draft.context == context[:120]))


def company_of(context: str) -> int | None:
    kind, _, rest = context.partition(":")
    if kind == "note" and rest.startswith("company:"):
        try:
            return int(rest.split(":", 1)[1])
        except ValueError:
            return None
    return None


# --- offering drafts back after a dropped connection ------------------------------


def _target(context: str) -> tuple[str, int] | None:
    parts = context.split(":")
    if len(parts) == 3 and parts[0] == "note" and parts[2].isdigit():
        return parts[1], int(parts[2])
    return None


def leftover_drafts(db: Database, actor: Actor) -> list[LeftoverDraft]:
    """Drafts of notes, with the company name where the user may still see it."""
    from kbase_tui.models import Company, Deal

    from .policy import can_see_company

    result = []
    with db.read() as session:
        require_active_user(session, actor)
        rows = (
            session.execute(select(Draft).where(Draft.user_id == actor.id).order_by(Draft.updated_at)).scalars().all()
        )
        for draft in rows:
            target = _target(draft.context)
            company = None
            if target is not None:
                kind, ident = target
                if kind == "company":
                    company = session.get(Company, ident)
                elif kind == "deal":
                    deal = session.get(Deal, ident)
                    company = session.get(Company, deal.company_id) if deal else None
            visible = company is not None and can_see_company(actor, company)
            result.append(LeftoverDraft(draft.context, draft.text, draft.updated_at, company.name if visible else None))
    return result


def save_leftover_as_note(db: Database, actor: Actor, context: str) -> None:
    """Write a leftover draft into the history (access checked by the note service), then drop it."""
    from .errors import NotFound

    target = _target(context)
    found = [d for d in drafts_of(db, actor) if d.context == context]
    if target is None or not found:
        raise NotFound()
    kind, ident = target
    if kind == "deal":
        from .pipeline import add_deal_note

        add_deal_note(db, actor, ident, "note", found[0].text)
    else:
        from .clients import add_note

        add_note(db, actor, ident, "note", found[0].text)
    discard_draft(db, actor, context)
