"""The latest imports and undoing one: the companies it created and nobody has touched since."""

from __future__ import annotations

from sqlalchemy import func, select, update

from kbase_tui.i18n import _
from kbase_tui.models import (
    Category,
    Company,
    Contact,
    ImportChange,
    ImportRun,
    Interaction,
    InteractionKind,
    Phone,
    Stage,
    utcnow,
)
from kbase_tui.protocol.importer import (
    ImportRunView,
    UndoReport,
)

from .. import audit
from ..db import Database
from ..dto import Actor
from ..errors import ValidationFailed
from ..history_labels import params_json, words_of
from ..policy import Capability, require, require_active_user
from .importer import _HISTORY_WITH_PARAMS, FILL_FIELDS, _insert_rows
from .runs import require_importer

_IMPORT_OUTCOMES = ("import", "import_merge", "import_possible_duplicate", "import_undone")


RECENT_RUNS = 30


def recent_runs(db: Database, actor: Actor) -> list[ImportRunView]:
    """The latest imports, newest first."""
    require_importer(db, actor)
    with db.read() as session:
        found = session.execute(select(ImportRun).order_by(ImportRun.id.desc()).limit(RECENT_RUNS))
        return [
            ImportRunView(
                id=r.id,
                file=r.file,
                actor=r.actor,
                started_at=r.started_at,
                finished_at=r.finished_at,
                rows=r.rows,
                imported=r.imported,
                merged=r.merged,
                undone_at=r.undone_at,
                undone_by=r.undone_by,
            )
            for r in found.scalars()
        ]


def undo_import(db: Database, actor: Actor, run: int) -> UndoReport:
    """Take import *run* back, in one transaction:

    - the companies it created are deleted with their phones, contacts and import history, unless someone has
      worked on one since (a call, a deal, a task, an order, a refusal, an owner, an edit): those are kept and
      counted;
    - the phones and contact persons it added to other companies are removed (a contact edited since is kept);
    - the fields it filled in other companies are emptied again where they still hold what it wrote;
    - each of those companies gets a history line, and the audit log an `import_undone` event."""
    from sqlalchemy import and_, delete, exists, not_, or_

    from kbase_tui.models import ClientOrder, Deal, DuplicatePair, FollowUpTask, Refusal

    require_importer(db, actor)
    now = utcnow()
    with db.write() as session:
        require_active_user(session, actor)
        require(actor, Capability.IMPORT)
        record = session.get(ImportRun, run)
        if record is None:
            raise ValidationFailed(_("There is no import {run}.").format(run=run))
        if record.undone_at is not None:
            raise ValidationFailed(_("The import {run} was already undone.").format(run=run))
        if record.finished_at is None:
            raise ValidationFailed(
                _("The import {run} is still running (or was cut off): stop it or wait, then undo it.").format(run=run)
            )
        c = Company.__table__.c
        worked_on = or_(
            c.stage != Stage.COLD.value,
            c.category != Category.POTENTIAL.value,
            c.attempts != 0,
            c.owner_id.is_not(None),
            c.held_by_id.is_not(None),
            c.callback_user_id.is_not(None),
            c.orders_count != 0,
            c.version != 1,
            exists().where(and_(Interaction.company_id == c.id, Interaction.outcome.not_in(_IMPORT_OUTCOMES))),
            *(exists().where(model.company_id == c.id) for model in (Deal, FollowUpTask, ClientOrder, Refusal)),
        )
        created = select(c.id).where(c.import_run_id == run)
        kept = session.execute(
            select(func.count()).select_from(Company).where(c.import_run_id == run, worked_on)
        ).scalar_one()
        doomed = [cid for (cid,) in session.execute(created.where(not_(worked_on)))]
        removed = 0
        for start in range(0, len(doomed), 5000):
            chunk = doomed[start : start + 5000]
            session.execute(delete(ImportChange).where(ImportChange.company_id.in_(chunk)))
            session.execute(delete(Phone).where(Phone.company_id.in_(chunk)))
            session.execute(delete(Contact).where(Contact.company_id.in_(chunk)))
            session.execute(delete(Interaction).where(Interaction.company_id.in_(chunk)))
            session.execute(
                delete(DuplicatePair).where(or_(DuplicatePair.company_id.in_(chunk), DuplicatePair.other_id.in_(chunk)))
            )
            removed += session.execute(delete(Company).where(Company.id.in_(chunk))).rowcount or 0
        # What it added to companies it did not create (or that are kept: those keep everything).
        facts: dict[int, list[list]] = {}  # what it removed from each, as facts for the company's history
        own = select(c.id).where(c.import_run_id == run)
        contacts = session.execute(
            select(Contact.id, Contact.company_id, Contact.full_name).where(
                Contact.import_run_id == run, Contact.version == 1, Contact.company_id.not_in(own)
            )
        ).all()
        contact_ids = [row.id for row in contacts]
        for row in contacts:
            facts.setdefault(row.company_id, []).append(["contact", row.full_name])
        phones = session.execute(
            select(Phone.id, Phone.company_id, Phone.number).where(
                Phone.import_run_id == run,
                Phone.company_id.not_in(own),
                or_(Phone.contact_id.is_(None), Phone.contact_id.in_(contact_ids) if contact_ids else False),
            )
        ).all()
        for row in phones:
            facts.setdefault(row.company_id, []).append(["phone", row.number])
        if phones:
            session.execute(delete(Phone).where(Phone.id.in_([row.id for row in phones])))
        if contact_ids:
            session.execute(update(Phone).where(Phone.contact_id.in_(contact_ids)).values(contact_id=None))
            session.execute(delete(Contact).where(Contact.id.in_(contact_ids)))
        cleared = 0
        for change in session.execute(select(ImportChange).where(ImportChange.run_id == run)).scalars().all():
            company = session.get(Company, change.company_id)
            if company is None or change.field not in FILL_FIELDS or getattr(company, change.field) != change.value:
                continue
            setattr(company, change.field, None if change.field == "inn" else "")
            company.updated_at = now
            company.version += 1
            cleared += 1
            facts.setdefault(company.id, []).append(["field", change.field, change.value])
        session.execute(delete(ImportChange).where(ImportChange.run_id == run))
        undone = [{"t": "import_undone", "file": record.file, "removed": removed} for removed in facts.values()]
        _insert_rows(
            session,
            Interaction.__table__,
            _HISTORY_WITH_PARAMS,
            [(cid, words_of(f), params_json(**f)) for cid, f in zip(facts, undone, strict=True)],
            {
                "user_id": actor.id,
                "deal_id": None,
                "at": now,
                "kind": InteractionKind.SYSTEM.value,
                "outcome": "import_undone",
            },
        )
        record.undone_at, record.undone_by = now, actor.username[:80]
        report = UndoReport(
            run_id=run,
            removed=removed,
            kept=kept,
            fields_cleared=cleared,
            phones_removed=len(phones),
            contacts_removed=len(contact_ids),
        )
        audit.record(
            session,
            actor,
            "import_undone",
            "import_run",
            run,
            file=record.file,
            removed=removed,
            kept=kept,
            fields_cleared=cleared,
            phones_removed=len(phones),
            contacts_removed=len(contact_ids),
        )
    return report
