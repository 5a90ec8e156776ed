"""Possible duplicates: pairs of companies that may be one client, for the head of sales to settle.

Where pairs come from:

- the import: a phone of the file already belongs to another company whose name differs (a toll-free
  number, a switchboard): imported as a separate company, and the pair recorded (services.importing);
- a scan of the base (`scan`, the `s` key of the duplicates screen): companies sharing a phone number,
  and companies with the same name once case, ё, quotes, punctuation and the legal form are set aside
  (textnorm.name_key: «ООО "Ромашка"» and «Ромашка ООО»).  Two companies with different INNs are never
  a pair: they are two legal entities.

The list (`pairs`) shows the pairs still open: neither company merged into another since, and not marked
"not a duplicate".  The head of sales opens either card, merges them (services.company_merge, which can
be undone: the pair comes back to the list with the duplicate) or marks them not a duplicate (`dismiss`:
kept, so no later scan or import offers the pair again; audited and written in both histories).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import and_, func, select, update
from sqlalchemy.orm import Session, aliased

from kbase_tui.formatting import quoted
from kbase_tui.i18n import _
from kbase_tui.models import Company, DuplicatePair, InteractionKind, Phone, utcnow
from kbase_tui.protocol.duplicates import DuplicatePage, DuplicateRow, DuplicateScan, DuplicateSide
from kbase_tui.textnorm import key_of_folded

from . import audit
from .clients import write_history
from .common import require_supervisor
from .db import Database
from .dto import Actor
from .errors import NotFound, ValidationFailed
from .history_labels import params_json
from .views import audited_view

PHONE = "phone"
NAME = "name"
REASONS = (PHONE, NAME)
# A number shared by very many companies (a call centre, a marketplace's switchboard) pairs the first
# company with at most this many others: enough to see it, not a list of thousands.
PAIRS_PER_KEY = 20
SCAN_BATCH = 20_000
PAGE_SIZE = 100


def record(session: Session, pairs: Iterable[tuple[int, int, str, str]], now: datetime | None = None) -> int:
    """Store (company, other, reason, detail) pairs, the lower id first; a pair already known (open or
    marked not a duplicate) is left as it is.  Returns how many are new."""
    rows: dict[tuple[int, int], tuple[str, str]] = {}
    for a, b, reason, detail in pairs:
        if a == b or a <= 0 or b <= 0:
            continue
        low, high = (a, b) if a < b else (b, a)
        rows.setdefault((low, high), (reason, detail[:300]))
    if not rows:
        return 0
    table = DuplicatePair.__table__
    from sqlalchemy.dialects import postgresql, sqlite

    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    moment = now or utcnow()
    values = [
        {"company_id": low, "other_id": high, "reason": reason, "detail": detail, "found_at": moment}
        for (low, high), (reason, detail) in rows.items()
    ]
    added = 0
    for start in range(0, len(values), 1000):
        result = session.execute(
            insert(table).on_conflict_do_nothing(index_elements=["company_id", "other_id"]).returning(table.c.id),
            values[start : start + 1000],
        )
        added += len(result.all())
    return added


def _phone_pairs(session: Session) -> list[tuple[int, int, str, str]]:
    """Companies (not merged away) sharing a phone number: the first of each number with the others."""
    shared = select(Phone.number).group_by(Phone.number).having(func.count(func.distinct(Phone.company_id)) > 1)
    rows = session.execute(
        select(Phone.number, Phone.company_id)
        .join(Company, Company.id == Phone.company_id)
        .where(Company.merged_into_id.is_(None), Phone.number.in_(shared))
        .distinct()
        .order_by(Phone.number, Phone.company_id)
    ).all()
    pairs = []
    first, number_seen, count = 0, None, 0
    for number, company_id in rows:
        if number != number_seen:
            number_seen, first, count = number, company_id, 0
        elif count < PAIRS_PER_KEY:
            pairs.append((first, company_id, PHONE, number))
            count += 1
    return pairs


def _name_pairs(session: Session) -> list[tuple[int, int, str, str]]:
    """Companies (not merged away) whose names are the same but for case, ё, quotes and the legal form.

    One pass over the folded names in id order, a batch at a time, keeping a hash per name key (the
    key text of a candidate is compared again below, so a hash collision never makes a pair)."""
    first_by_key: dict[int, int] = {}
    per_key: dict[int, int] = {}
    candidates: list[tuple[int, int]] = []
    last = 0
    c = Company.__table__.c
    while True:
        batch = session.execute(
            select(c.id, c.name_search).where(c.id > last, c.merged_into_id.is_(None)).order_by(c.id).limit(SCAN_BATCH)
        ).all()
        if not batch:
            break
        last = batch[-1][0]
        for company_id, folded in batch:
            key = key_of_folded(folded or "")
            if not key:
                continue
            hashed = hash(key)
            first = first_by_key.setdefault(hashed, company_id)
            if first != company_id and per_key.get(hashed, 0) < PAIRS_PER_KEY:
                per_key[hashed] = per_key.get(hashed, 0) + 1
                candidates.append((first, company_id))
    pairs = []
    for start in range(0, len(candidates), 1000):
        chunk = candidates[start : start + 1000]
        ids = {i for pair in chunk for i in pair}
        names: dict[int, str] = dict(session.execute(select(c.id, c.name_search).where(c.id.in_(ids))).all())
        for a, b in chunk:
            key = key_of_folded(names.get(a) or "")
            if key and key == key_of_folded(names.get(b) or ""):
                pairs.append((a, b, NAME, key))
    return pairs


def _different_inns(session: Session, pairs: list[tuple[int, int, str, str]]) -> set[tuple[int, int]]:
    """The pairs whose companies both have an INN, and not the same one: never one client."""
    ids = {i for a, b, _r, _d in pairs for i in (a, b)}
    inns: dict[int, str] = {}
    wanted = list(ids)
    for start in range(0, len(wanted), 1000):
        inns.update(
            session.execute(
                select(Company.id, Company.inn).where(
                    Company.id.in_(wanted[start : start + 1000]), Company.inn.is_not(None)
                )
            ).all()
        )
    return {(a, b) for a, b, _r, _d in pairs if inns.get(a) and inns.get(b) and inns[a] != inns[b]}


def scan(db: Database, actor: Actor) -> DuplicateScan:
    """Look through the whole base for companies sharing a phone or a name; new pairs join the list."""
    with db.write() as session:
        require_supervisor(session, actor)
        found = _phone_pairs(session) + _name_pairs(session)
        apart = _different_inns(session, found)
        kept = [pair for pair in found if (pair[0], pair[1]) not in apart]
        added = record(session, kept)
        by_reason = {reason: sum(1 for pair in kept if pair[2] == reason) for reason in REASONS}
        audit.record(
            session,
            actor,
            "duplicates_scanned",
            "",
            None,
            phone=by_reason[PHONE],
            name=by_reason[NAME],
            new=added,
        )
        waiting = _open_count(session)
    return DuplicateScan(phone=by_reason[PHONE], name=by_reason[NAME], new=added, waiting=waiting)


def _open_conditions(pair, first, second) -> list:
    return [pair.dismissed_at.is_(None), first.merged_into_id.is_(None), second.merged_into_id.is_(None)]


def _open_count(session: Session) -> int:
    first, second = aliased(Company), aliased(Company)
    pair = DuplicatePair
    return session.execute(
        select(func.count())
        .select_from(pair)
        .join(first, first.id == pair.company_id)
        .join(second, second.id == pair.other_id)
        .where(*_open_conditions(pair, first, second))
    ).scalar_one()


def _side(company) -> DuplicateSide:
    return DuplicateSide(
        id=company.id,
        name=company.name,
        inn=company.inn,
        city=company.city,
        stage=company.stage,
        category=company.category,
        version=company.version,
    )


@audited_view("duplicates")
def pairs(db: Database, actor: Actor, *, after: int | None = None, limit: int = PAGE_SIZE) -> DuplicatePage:
    """The open pairs, oldest first, a page at a time (*after*: the last pair id of the previous page)."""
    limit = max(1, min(limit, 500))
    with db.read() as session:
        require_supervisor(session, actor)
        first, second = aliased(Company), aliased(Company)
        pair = DuplicatePair
        statement = (
            select(pair, first, second)
            .join(first, first.id == pair.company_id)
            .join(second, second.id == pair.other_id)
            .where(*_open_conditions(pair, first, second))
            .order_by(pair.id)
            .limit(limit + 1)
        )
        if after is not None:
            statement = statement.where(pair.id > after)
        found = session.execute(statement).all()
        total = _open_count(session)
    rows = tuple(
        DuplicateRow(
            id=row.id, reason=row.reason, detail=row.detail, found_at=row.found_at, first=_side(a), second=_side(b)
        )
        for row, a, b in found[:limit]
    )
    return DuplicatePage(rows=rows, next_after=rows[-1].id if len(found) > limit else None, total=total)


def dismiss(db: Database, actor: Actor, pair_id: int) -> None:
    """Mark a pair "not a duplicate": kept (no scan or import offers it again), audited, in both histories."""
    now = utcnow()
    with db.write() as session:
        require_supervisor(session, actor)
        row = session.get(DuplicatePair, pair_id)
        if row is None:
            raise NotFound(_("That pair is no longer in the list."))
        if row.dismissed_at is not None:
            raise ValidationFailed(_("That pair was already marked not a duplicate."))
        claimed = session.execute(
            update(DuplicatePair)
            .where(and_(DuplicatePair.id == pair_id, DuplicatePair.dismissed_at.is_(None)))
            .values(dismissed_at=now, dismissed_by_id=actor.id)
        ).rowcount
        if not claimed:
            raise ValidationFailed(_("That pair was already marked not a duplicate."))
        names: dict[int, str] = dict(
            session.execute(
                select(Company.id, Company.name).where(Company.id.in_((row.company_id, row.other_id)))
            ).all()
        )
        for here, there in ((row.company_id, row.other_id), (row.other_id, row.company_id)):
            write_history(
                session,
                actor,
                here,
                InteractionKind.DECISION,
                outcome="not_a_duplicate",
                text=_("Not a duplicate of {name} (#{id}): checked by the head of sales.").format(
                    name=quoted(names.get(there, "")), id=there
                ),
                at=now,
                params=params_json(t="not_a_duplicate", name=names.get(there, ""), id=there),
            )
        audit.record(
            session,
            actor,
            "duplicate_dismissed",
            "company",
            row.company_id,
            other=row.other_id,
            reason=row.reason,
        )
