"""Merging two companies that are one client (a duplicate the import did not catch), and splitting them again.

The head of sales opens the card of the company to keep and names the duplicate.  In one transaction
the duplicate's contact persons, phones, history, refusals, deals and tasks move to the kept company;
the duplicate leaves the queue and every list (`company.merged_into_id`) but is not deleted; a
`company_merge` row names every row that moved and the duplicate's queue state before the merge.
Both companies get a history entry and the audit trail one event.

Undoing a merge moves exactly those rows back (those still with the kept company), restores the
duplicate's queue state and clears its mark: the history of both is whole again, with one entry
more on each saying what happened.  A merge is refused when it could not be undone cleanly:

- the duplicate must be a cold company with no orders and no open deal (account figures and a
  closer's board never change under anyone's feet), not held by a caller right now;
- neither company may already be merged into another;
- an undo waits until a later merge of the kept company into a third one is undone first.
"""

from __future__ import annotations

import json

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, aliased

from kbase_tui.formatting import quoted
from kbase_tui.i18n import _
from kbase_tui.models import (
    ClientOrder,
    Company,
    CompanyMerge,
    Contact,
    Deal,
    DealStatus,
    FollowUpTask,
    Interaction,
    InteractionKind,
    Phone,
    Refusal,
    Stage,
    User,
    utcnow,
)
from kbase_tui.protocol.companies import MergeLine, SupervisorCard

from . import audit
from .base_search import _build_card, _changing
from .clients import write_history
from .common import require_supervisor
from .db import Database
from .dto import Actor
from .errors import NotFound, ValidationFailed
from .history_labels import params_json
from .policy import require_company

# Tables whose rows belong to a company and move with it, by model.
MOVED = {
    "contact": Contact,
    "phone": Phone,
    "interaction": Interaction,
    "refusal": Refusal,
    "deal": Deal,
    "follow_up_task": FollowUpTask,
}
# The duplicate's fields a merge changes, restored by an undo.
STATE_FIELDS = (
    "held_by_id",
    "held_until",
    "callback_user_id",
    "callback_at",
    "special_offer",
    "special_offer_user_id",
    "not_before",
)


def _json_value(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


def merge_lines(session: Session, company_id: int) -> tuple[MergeLine, ...]:
    """Merges into or out of *company_id*, newest first."""
    source, target, user = aliased(Company), aliased(Company), aliased(User)
    rows = session.execute(
        select(CompanyMerge, source.name, target.name, user.full_name, user.username)
        .join(source, source.id == CompanyMerge.source_id)
        .join(target, target.id == CompanyMerge.target_id)
        .outerjoin(user, user.id == CompanyMerge.merged_by_id)
        .where((CompanyMerge.target_id == company_id) | (CompanyMerge.source_id == company_id))
        .order_by(CompanyMerge.merged_at.desc(), CompanyMerge.id.desc())
    ).all()
    return tuple(
        MergeLine(
            m.id,
            m.source_id,
            s_name,
            m.target_id,
            t_name,
            m.merged_at,
            full or login or "",
            sum(len(ids) for ids in json.loads(m.moved or "{}").values()),
            m.undone_at,
        )
        for m, s_name, t_name, full, login in rows
    )


def merge(db: Database, actor: Actor, company_id: int, expected_version: int, duplicate_id: int) -> SupervisorCard:
    """Fold *duplicate_id* into *company_id* (the company kept); everything stays, the merge can be undone."""
    now = utcnow()
    with db.write() as session:
        kept = _changing(session, actor, company_id, expected_version)
        if duplicate_id == kept.id:
            raise ValidationFailed(_("Choose another company: a company cannot be merged with itself."))
        duplicate = require_company(session, actor, duplicate_id, for_update=True)
        if kept.merged_into_id is not None or duplicate.merged_into_id is not None:
            raise ValidationFailed(_("One of the two companies is already merged into another; undo that first."))
        if duplicate.stage != Stage.COLD:
            raise ValidationFailed(
                _(
                    "Only a cold-call company can be merged into another (the duplicate is with "
                    "a closer or an account manager); merge the other way round."
                )
            )
        if duplicate.held_by_id is not None and duplicate.held_until is not None and duplicate.held_until > now:
            raise ValidationFailed(
                _("A caller is on the phone with the duplicate right now; try again in a few minutes.")
            )
        has_orders = session.execute(
            select(func.count()).select_from(ClientOrder).where(ClientOrder.company_id == duplicate.id)
        ).scalar_one()
        open_deals = session.execute(
            select(func.count())
            .select_from(Deal)
            .where(Deal.company_id == duplicate.id, Deal.status == DealStatus.OPEN)
        ).scalar_one()
        if has_orders or open_deals:
            raise ValidationFailed(_("The duplicate has orders or an open deal; merge the other way round."))
        moved: dict[str, list[int]] = {}
        for name, model in MOVED.items():
            ids = list(
                session.execute(select(model.id).where(model.company_id == duplicate.id).order_by(model.id)).scalars()
            )
            if ids:
                session.execute(update(model).where(model.id.in_(ids)).values(company_id=kept.id))
            moved[name] = ids
        state = {field: _json_value(getattr(duplicate, field)) for field in STATE_FIELDS}
        record = CompanyMerge(
            source_id=duplicate.id,
            target_id=kept.id,
            merged_by_id=actor.id,
            merged_at=now,
            moved=json.dumps(moved),
            source_state=json.dumps(state),
        )
        session.add(record)
        duplicate.merged_into_id = kept.id
        duplicate.held_by_id = None
        duplicate.held_until = None
        duplicate.callback_user_id = None
        duplicate.callback_at = None
        duplicate.special_offer = ""
        duplicate.special_offer_user_id = None
        duplicate.updated_at = now
        duplicate.version += 1
        kept.updated_at = now
        kept.version += 1
        session.flush()
        count = sum(len(ids) for ids in moved.values())
        write_history(
            session,
            actor,
            kept.id,
            InteractionKind.SYSTEM,
            outcome="merged",
            at=now,
            text=_("{who} merged the duplicate {name} (#{id}) into this company: {n} records moved here.").format(
                who=actor.label, name=quoted(duplicate.name), id=duplicate.id, n=count
            ),
            params=params_json(t="merged", name=duplicate.name, id=duplicate.id, n=count),
        )
        write_history(
            session,
            actor,
            duplicate.id,
            InteractionKind.SYSTEM,
            outcome="merged",
            at=now,
            text=_("{who} merged this company into {name} (#{id}); its history is there.").format(
                who=actor.label, name=quoted(kept.name), id=kept.id
            ),
            params=params_json(t="merged", name=kept.name, id=kept.id, kept=True),
        )
        session.flush()
        audit.record(
            session,
            actor,
            "companies_merged",
            "company",
            kept.id,
            duplicate_id=duplicate.id,
            merge_id=record.id,
            moved={k: len(v) for k, v in moved.items()},
        )
        return _card(session, kept)


def undo_merge(db: Database, actor: Actor, merge_id: int) -> SupervisorCard:
    """Split a merge: its rows go back to the duplicate, which returns to its queue state."""
    from datetime import datetime

    now = utcnow()
    with db.write() as session:
        require_supervisor(session, actor)
        record = session.execute(
            select(CompanyMerge).where(CompanyMerge.id == merge_id).with_for_update()
        ).scalar_one_or_none()
        if record is None:
            raise NotFound()
        if record.undone_at is not None:
            raise ValidationFailed(_("This merge was already undone."))
        kept = require_company(session, actor, record.target_id, for_update=True)
        duplicate = require_company(session, actor, record.source_id, for_update=True)
        if kept.merged_into_id is not None:
            raise ValidationFailed(_("The kept company was merged into another one since; undo that merge first."))
        moved = json.loads(record.moved or "{}")
        back = 0
        for name, ids in moved.items():
            model = MOVED[name]
            if ids:
                back += (
                    session.execute(
                        update(model)
                        .where(model.id.in_(ids), model.company_id == kept.id)
                        .values(company_id=duplicate.id)
                    ).rowcount
                    or 0
                )
        state = json.loads(record.source_state or "{}")
        for field in STATE_FIELDS:
            value = state.get(field)
            if field in ("held_until", "callback_at", "not_before") and value:
                value = datetime.fromisoformat(value)
            if field == "held_by_id":
                value = None  # a hold is never given back: the lease has long ended
            if field == "held_until":
                value = None
            setattr(duplicate, field, value)
        duplicate.merged_into_id = None
        duplicate.updated_at = now
        duplicate.version += 1
        kept.updated_at = now
        kept.version += 1
        record.undone_at = now
        record.undone_by_id = actor.id
        session.flush()
        write_history(
            session,
            actor,
            kept.id,
            InteractionKind.SYSTEM,
            outcome="merge_undone",
            at=now,
            text=_("{who} undid the merge with {name} (#{id}): {n} records went back to it.").format(
                who=actor.label, name=quoted(duplicate.name), id=duplicate.id, n=back
            ),
            params=params_json(t="merge_undone", name=duplicate.name, id=duplicate.id, n=back),
        )
        write_history(
            session,
            actor,
            duplicate.id,
            InteractionKind.SYSTEM,
            outcome="merge_undone",
            at=now,
            text=_("{who} undid the merge into {name} (#{id}): this company is on its own again.").format(
                who=actor.label, name=quoted(kept.name), id=kept.id
            ),
            params=params_json(t="merge_undone", name=kept.name, id=kept.id, kept=True),
        )
        session.flush()
        audit.record(
            session,
            actor,
            "merge_undone",
            "company",
            kept.id,
            duplicate_id=duplicate.id,
            merge_id=record.id,
            moved_back=back,
        )
        return _card(session, kept)


def _card(session: Session, company: Company) -> SupervisorCard:
    return _build_card(session, company)
