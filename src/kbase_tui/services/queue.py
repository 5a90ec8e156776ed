"""The cold-call queue: one lead at a time, one key per outcome, never the same company twice.

The queue
---------
A company is *in the queue* (`in_queue` True) exactly while it is a cold potential client that
may still be called: stage cold, category potential, not unreachable, not flagged for a data
fix, not do-not-call, not merged.  `services/queue_membership.py` keeps `in_queue` in step on every flush.
Temporary states stay in the queue and are filtered at claim time instead:

- held by a caller (`held_by_id`/`held_until`, a lease: it expires by itself when the caller's
  process dies or the SSH connection drops);
- waiting out a retry delay (`not_before`), shelved by the supervisor (`shelved_until`);
- a personal callback of another caller that is not yet past its grace period;
- a special offer reserved for another caller (`special_offer_user_id`).

So a shelved company comes back on its date with no sweep job, and an expired lease needs no
clean-up either.

Claim order (`claim_next_lead`): the lead the caller already holds (a re-login gets it back);
then the caller's own due callbacks (oldest first, whatever the hour: they were agreed with the
client); then the shared queue, only companies whose own clock is inside the calling window now
(services/clock.py; a sales channel may have a window of its own), in claim order: special offers
(`queue_rank` 10) before priority segments (50/100/150), and within a rank the least recently
tried.  The partial index `ix_company_queue (time_zone, channel, queue_rank, last_tried_at, id)
WHERE in_queue` gives each open (zone, channel) pair its first company with one seek; the window
is decided per pair in Python (a few zones times a few channels, found by a loose index scan).
Each claim is ONE `UPDATE ... WHERE id = (...) RETURNING id` in a write transaction: BEGIN
IMMEDIATE on SQLite serialises the writers, `FOR UPDATE SKIP LOCKED` lets PostgreSQL callers pass
each other.  Two callers never hold the same company.

Outcomes are data (`call_outcome` rows with flags); `record_outcome` acts on the flags only:

- is_do_not_call: category do_not_call, out of the queue for good;
- is_refusal: a Refusal row (reason + comment) for the supervisor's weekly review, category
  refused, out of the queue;
- is_handover: a new Deal for a closer (`hand_over_to_closer`), company stage pipeline: the
  caller loses sight of it at once (policy);
- is_unworkable: flagged `needs_data_fix` with the caller's comment, out of the queue;
- is_callback: a personal callback at a date and time, offered to the same caller first when
  due; after `queue.callback_grace_minutes` anyone may take it, so none is ever stranded;
- is_retry (and an outcome with no action flag): back to the queue after a delay that grows
  with the attempts (`queue.retry_delays_minutes`); after `queue.max_attempts` attempts a retry
  marks the company unreachable for the supervisor.

Every outcome writes an Interaction (kind call) with the user and time, and an audit event, in
the same transaction; the lead is released.  A contact-making outcome other than a callback
also ends a special offer (it was made): the company goes back to its own priority.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import datetime, timedelta
from time import monotonic

from sqlalchemy import Boolean, DateTime, Integer, and_, bindparam, case, func, or_, select, text
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from kbase_tui import timezones
from kbase_tui.formatting import format_both_clocks, format_client_datetime
from kbase_tui.i18n import _, current_language
from kbase_tui.models import (
    CallOutcome,
    Category,
    Company,
    Contact,
    Deal,
    DealStatus,
    Interaction,
    InteractionKind,
    Phone,
    Refusal,
    Role,
    Stage,
    Target,
    User,
    utcnow,
)
from kbase_tui.protocol.queue import (
    Attempt,
    CallbackInfo,
    ClaimedLead,
    CloserChoice,
    Counters,
    LeadCard,
    LeadContact,
    OutcomeResult,
    QueueView,
)

from . import alarms, audit, clock, phones, reference
from .callscripts import find_script
from .clients import write_history
from .db import Database
from .dto import Actor
from .errors import AccessDenied, DatabaseBusy, QueueEmpty, StorageFull, ValidationFailed
from .history_labels import params_json
from .policy import (
    Capability,
    is_local,
    own_or_nobodys_sql,
    owned_by,
    owns,
    refuse_unless_active,
    require,
    require_active_user,
    require_company,
)
from .text import clean_input
from .views import audited_view

SPECIAL_OFFER_RANK = 10
PRIORITY_RANKS = (50, 100, 150)  # high / normal / low segment priority
COMMENT_MAX = 2000
HISTORY_SHOWN = 5  # previous attempts shown on the lead card
CALLBACKS_SHOWN = 50
CALLBACK_HORIZON = timedelta(days=366)


# --- data handed to the screen ------------------------------------------------------------

# --- helpers -------------------------------------------------------------------------------


def _caller(session: Session, actor: Actor) -> None:
    require_active_user(session, actor)
    require(actor, Capability.WORK_QUEUE)


def _setting(session: Session, key: str):
    """Timing settings on the claim's hot path: read at most every few seconds (reference)."""
    return reference.get_setting_cached(session, key)


def _lease(session: Session) -> timedelta:
    return timedelta(minutes=float(_setting(session, "queue.lease_minutes")))


def _grace(session: Session) -> timedelta:
    return timedelta(minutes=float(_setting(session, "queue.callback_grace_minutes")))


_STATEMENTS: dict[bool, dict[str, str]] = {}
_CLAIMS: dict[tuple[bool, int], str] = {}


def free_for(me, now) -> ColumnElement[bool]:
    """A company of the queue that may be handed to the caller *me* at *now*: the claim's rule for the temporary
    states (a hold, a retry delay, shelving, another caller's special offer), written once.

    The lean claim compiles it with bound parameters (`_claim_statement`: :me, :now); the ORM path that gives a
    caller back the lead they were on the phone with (`_take_back`) uses it as is, with the caller's id.
    """
    c = Company.__table__.c
    return and_(
        or_(c.held_until.is_(None), c.held_until < now),
        or_(c.not_before.is_(None), c.not_before <= now),
        or_(c.shelved_until.is_(None), c.shelved_until <= now),
        own_or_nobodys_sql(c.special_offer_user_id, me),
    )


def callback_free_for(me) -> ColumnElement[bool]:
    """No callback of another caller holds the company (past its grace period, another branch of the claim takes it)."""
    return own_or_nobodys_sql(Company.__table__.c.callback_user_id, me)


def _lean(expression: ColumnElement[bool]) -> str:
    """An expression as SQL text with :name parameters, for the lean transactions (db.LeanTx) of both dialects.

    In parentheses: it is joined to other conditions with AND, and an OR at its top must stay inside.
    """
    return f"({expression.compile()})"


def _flavour(sqlite: bool) -> tuple[str, str, Callable[[str], str]]:
    # Spelled as in the partial index so the planner uses it (SQLite: `in_queue = 1`).
    in_queue = "in_queue = 1" if sqlite else "in_queue"
    lock = "" if sqlite else " FOR UPDATE SKIP LOCKED"

    def via(index: str) -> str:
        return f"company INDEXED BY {index}" if sqlite else "company"

    return in_queue, lock, via


def _next_pair_sql(sqlite: bool, column: str, same: bool) -> str:
    in_queue, _lock, via = _flavour(sqlite)
    where = "time_zone = p.tz AND channel > p.ch" if same else "time_zone > p.tz"
    return (
        f"SELECT {column} FROM {via('ix_company_queue')} WHERE {in_queue} AND {where} "
        "ORDER BY time_zone, channel LIMIT 1"
    )


def _statements(sqlite: bool) -> dict[str, str]:
    """The claim's other statements for one dialect: plain SQL for db.LeanTx, built once.

    On SQLite each names its index (INDEXED BY): after ANALYZE an all-NULL column such as
    held_by_id looks useless to the planner, which would then scan a million rows.
    """
    cached = _STATEMENTS.get(sqlite)
    if cached is not None:
        return cached
    in_queue, _lock, via = _flavour(sqlite)

    def _next_pair(column: str, *, same: bool) -> str:
        return _next_pair_sql(sqlite, column, same)

    cached = {
        # What the claim's rules need, in one statement: the user (active, same role), the
        # lead already held, the open anti-scraping throttle.
        "state": (
            "SELECT u.disabled, u.role, "
            f"(SELECT id FROM {via('ix_company_held_by_id')} WHERE held_by_id = :me AND held_until >= :now "
            f"AND {in_queue} ORDER BY held_until DESC LIMIT 1), "
            f"({alarms.LEAD_THROTTLE_SQL}) "
            "FROM user_account u WHERE u.id = :me"
        ),
        "extend": "UPDATE company SET held_until = :until WHERE id = :id",
        # The distinct (zone, channel) pairs of the queue, a few seeks each along the index (a loose
        # index scan): from each pair, the next channel of the same zone, else the first of the next
        # zone.  Not one row-value comparison: SQLite would range over the whole zone.
        "pairs": (
            "WITH RECURSIVE p(tz, ch) AS ("
            f"SELECT time_zone, channel FROM (SELECT time_zone, channel FROM {via('ix_company_queue')} "
            f"WHERE {in_queue} ORDER BY time_zone, channel LIMIT 1) AS first "
            "UNION ALL "
            f"SELECT coalesce(({_next_pair('time_zone', same=True)}), ({_next_pair('time_zone', same=False)})), "
            f"coalesce(({_next_pair('channel', same=True)}), ({_next_pair('channel', same=False)})) "
            "FROM p WHERE p.tz IS NOT NULL"
            ") SELECT tz, ch FROM p WHERE tz IS NOT NULL"
        ),
    }
    _STATEMENTS[sqlite] = cached
    return cached


BRANCHES_PER_UNION = 200  # SQLite allows 500 terms in one compound SELECT: more pairs nest


def _claim_statement(sqlite: bool, pairs: int) -> str:
    """The claim for *pairs* open (zone, channel) pairs (parameters :z0/:c0 ..): one UPDATE, built once per count.

    The caller's own due callback first (kept at the agreed moment, whatever the window); else
    the best lead of the shared queue: for each open pair the first eligible company of that
    zone and channel in claim order (a seek into ix_company_queue, whose first columns are the
    zone and the channel), and the callbacks other callers left past their grace period (they
    were agreed with the client, so any zone and channel); of those few, the first in claim
    order.  COALESCE evaluates the shared queue only when the caller has no due callback, so the
    returned flag tells which of the two it was.
    """
    key = (sqlite, pairs)
    cached = _CLAIMS.get(key)
    if cached is not None:
        return cached
    in_queue, lock, via = _flavour(sqlite)
    callback = (
        f"SELECT id FROM {via('ix_company_callback')} WHERE callback_user_id = :me AND callback_at <= :now "
        f"AND {in_queue} AND (held_until IS NULL OR held_until < :now) "
        f"ORDER BY callback_at, id LIMIT 1{lock}"
    )
    me, now = bindparam("me", type_=Integer), bindparam("now", type_=DateTime(timezone=True))
    free = f"AND {_lean(free_for(me, now))} "
    order = "ORDER BY queue_rank, last_tried_at, id LIMIT 1"
    branches = [
        f"SELECT id, queue_rank, last_tried_at FROM {via('ix_company_queue')} WHERE {in_queue} "
        f"AND time_zone = :z{n} AND channel = :c{n} "
        f"{free}AND {_lean(callback_free_for(me))} {order}{lock}"
        for n in range(pairs)
    ]
    branches.append(
        f"SELECT id, queue_rank, last_tried_at FROM {via('ix_company_callback')} WHERE callback_user_id IS NOT NULL "
        f"AND callback_user_id <> :me AND callback_at <= :grace_cut AND {in_queue} {free}{order}{lock}"
    )
    terms = [f"SELECT id, queue_rank, last_tried_at FROM ({b}) AS b{n}" for n, b in enumerate(branches)]
    while len(terms) > BRANCHES_PER_UNION:
        terms = [
            f"SELECT id, queue_rank, last_tried_at FROM ({' UNION ALL '.join(terms[i : i + BRANCHES_PER_UNION])}) "
            f"AS u{i}"
            for i in range(0, len(terms), BRANCHES_PER_UNION)
        ]
    shared = f"SELECT id FROM ({' UNION ALL '.join(terms)}) AS pick {order}"
    cached = _CLAIMS[key] = (
        "UPDATE company SET held_by_id = :me, held_until = :until "
        f"WHERE id = coalesce(({callback}), ({shared})) "
        "RETURNING id, coalesce(callback_user_id = :me AND callback_at <= :now, false)"
    )
    return cached


ZONES_TTL = 60.0  # seconds a process keeps the queue's (zone, channel) pairs (a new pair waits at most this)
_pairs_cache: dict[str, tuple[float, tuple[tuple[str, str], ...]]] = {}


def _queue_pairs(tx, sql: dict[str, str], *, refresh: bool = False) -> tuple[tuple[tuple[str, str], ...], bool]:
    """The queue's distinct (zone, channel) pairs, and whether they were read just now (False: kept)."""
    hit = _pairs_cache.get(tx.database_name)
    moment = monotonic()
    if not refresh and hit is not None and moment - hit[0] < ZONES_TTL:
        return hit[1], False
    pairs = tuple((row[0], row[1]) for row in tx.execute(sql["pairs"]).fetchall())
    _pairs_cache[tx.database_name] = (moment, pairs)
    return pairs, True


def forget_queue_zones() -> None:
    """A company got a zone or a channel the queue had not held before (import, the supervisor): look again now."""
    _pairs_cache.clear()
    _open_cache.clear()


def _centre(tx) -> str:
    centre = str(reference.get_setting_lean(tx, "centre.time_zone") or timezones.DEFAULT_CENTRE_ZONE)
    return centre if timezones.is_zone(centre) else timezones.DEFAULT_CENTRE_ZONE


# The last verdict per database: windows are set in whole minutes, so which pairs are open changes
# only from one minute to the next, and claims within a minute reuse it.
_open_cache: dict[str, tuple] = {}


def _open_pairs(tx, sql: dict[str, str], now: datetime, *, refresh: bool = False) -> tuple[list[tuple[str, str]], bool]:
    """The queue's (zone, channel) pairs whose clients are inside their window now (decided in Python)."""
    windows = clock.calling_windows(lambda key: reference.get_setting_lean(tx, key))
    pairs, fresh = _queue_pairs(tx, sql, refresh=refresh)
    centre = _centre(tx)
    minute = now.replace(second=0, microsecond=0)
    hit = _open_cache.get(tx.database_name)
    if hit is not None and hit[0] is pairs and hit[1] is windows and hit[2] == centre and hit[3] == minute:
        return hit[4], fresh
    opened = clock.open_pairs(pairs, now, windows, centre)
    _open_cache[tx.database_name] = (pairs, windows, centre, minute, opened)
    return opened, fresh


# --- taking leads ----------------------------------------------------------------------------


def _claim(tx, sqlite: bool, params: dict, pairs: list[tuple[str, str]]):
    for n, (zone_name, channel) in enumerate(pairs):
        params[f"z{n}"], params[f"c{n}"] = zone_name, channel
    return tx.one(_claim_statement(sqlite, len(pairs)), params)


def claim_next_lead(db: Database, actor: Actor, *, now: datetime | None = None) -> ClaimedLead:
    """Hold the next lead for *actor* (atomic across processes); QueueEmpty when none is waiting.

    A caller holds at most one lead: claiming while holding one returns it (lease renewed).
    Every press of "next lead" runs this, and on SQLite every other writer waits while it runs,
    so it is one lean transaction (db.LeanTx) of as few statements as the rules allow: one read
    for the rules (active user, lead held, anti-scraping throttle), the rate counter, one claim,
    the audit event.
    """
    require(actor, Capability.WORK_QUEUE)
    sql = _statements(db.is_sqlite)
    with db.lean_write() as tx:
        lease = timedelta(minutes=float(reference.get_setting_lean(tx, "queue.lease_minutes")))
        grace = timedelta(minutes=float(reference.get_setting_lean(tx, "queue.callback_grace_minutes")))
        now = now or utcnow()
        until = now + lease
        state = tx.one(sql["state"], {"me": actor.id, "now": now})
        if not is_local(actor):
            refuse_unless_active(state, actor)
        held, throttle_until = (state[2], state[3]) if state is not None else (None, None)
        if held is not None:  # coming back to the lead already held: renewed, not counted again
            tx.execute(sql["extend"], {"until": until, "id": held})
            return ClaimedLead(held, until, "held")
        # A new claim: taking leads much faster than calls can be made raises an alarm and
        # slows the caller down.
        alarms.check_lead_claim(tx, actor, now, throttle_until)
        alarms.check_card_view_lean(tx, actor, now)  # the lead's card is shown: a card view
        params = {"me": actor.id, "now": now, "until": until, "grace_cut": now - grace}
        pairs, fresh = _open_pairs(tx, sql, now)
        got = _claim(tx, db.is_sqlite, params, pairs)
        if got is None and not fresh:
            # Nothing found with the pairs kept from a moment ago: a company in a zone or channel new
            # to the queue (added by another process) must not wait for the list to expire.
            pairs, _fresh = _open_pairs(tx, sql, now, refresh=True)
            got = _claim(tx, db.is_sqlite, params, pairs)
        if got is None:
            raise QueueEmpty()
        source = "callback" if got[1] else "queue"
        audit.append(tx, actor, "lead_claimed", "company", got[0], source=source)
        return ClaimedLead(got[0], until, source)


def renew_lease(db: Database, actor: Actor, company_id: int) -> datetime:
    """Keep holding the lead while the call goes on (the screen calls this every few minutes)."""
    with db.write() as session:
        _caller(session, actor)
        until = utcnow() + _lease(session)
        if not _extend_own(session, actor, company_id, until):
            raise AccessDenied(_("This lead is no longer yours: the hold expired and another caller took it."))
        return until


def _extend_own(session: Session, actor: Actor, company_id: int, until: datetime) -> bool:
    """Extend the lease if *actor* still holds the company (even past an expired lease nobody took over).

    Claiming sets held_by_id, so while it is still *actor*'s id nobody else holds the company.
    """
    done = session.connection().execute(_EXTEND_OWN, {"until": until, "id": company_id, "me": actor.id}).rowcount
    return bool(done)


_EXTEND_OWN = text(
    "UPDATE company SET held_until = :until WHERE id = :id AND held_by_id = :me AND in_queue = :yes"
).bindparams(
    bindparam("until", type_=DateTime(timezone=True)),
    bindparam("id", type_=Integer()),
    bindparam("me", type_=Integer()),
    bindparam("yes", value=True, type_=Boolean()),
)


def _take_back(session: Session, actor: Actor, company_id: int, now: datetime, until: datetime) -> bool:
    """Hold again a lead that nobody holds and that *actor* could claim now; True if done.

    The caller was on the phone with it: the call happened, so its outcome belongs in the base.
    Only a lead *actor* held and gave back (its last claim, release or outcome is *actor*'s release,
    within a lease): an outcome never claims a lead the queue did not hand out.  And not when
    anything happened to it meanwhile (a retry time, out of the queue, another's callback or offer).
    """
    from kbase_tui.models import AuditEvent

    last = session.execute(
        select(AuditEvent.action, AuditEvent.actor_id, AuditEvent.at)
        .where(
            AuditEvent.company_id == company_id,
            AuditEvent.action.in_(("lead_claimed", "lead_released", "call_outcome")),
        )
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(1)
    ).first()
    if last is None or last.action != "lead_released" or last.actor_id != actor.id:
        return False
    released_at = last.at if last.at.tzinfo is not None else last.at.replace(tzinfo=now.tzinfo)
    if released_at < now - _lease(session):
        return False
    company = session.execute(
        select(Company)
        .where(
            Company.id == company_id,
            Company.in_queue.is_(True),
            Company.held_by_id.is_(None),
            free_for(actor.id, now),
            callback_free_for(actor.id),
        )
        .with_for_update()
    ).scalar_one_or_none()
    if company is None:
        return False
    company.held_by_id = actor.id
    company.held_until = until
    session.flush()
    audit.record(session, actor, "lead_claimed", "company", company.id, source="outcome")
    return True


# How far back an outcome of the same caller on the same lead counts as this very outcome sent again (an answer
# lost on the way: a dropped link, a timeout, the app asking again after "busy").
SAME_OUTCOME_AGAIN = timedelta(minutes=2)


def _lost_lead_reason(session: Session, actor: Actor, company_id: int, now: datetime, outcome_code: str = "") -> str:
    """Why an outcome could not be recorded on a lead the caller no longer holds, and what to do."""
    if outcome_code:
        # The same outcome by the same caller a moment ago: it was saved and only its answer was lost. "Not
        # recorded" would make the caller tell the supervisor about a call that is in the base.
        latest = session.execute(
            select(Interaction.outcome, Interaction.at)
            .where(
                Interaction.company_id == company_id,
                Interaction.user_id == actor.id,
                Interaction.kind == InteractionKind.CALL,
                Interaction.at >= now - SAME_OUTCOME_AGAIN,
            )
            .order_by(Interaction.at.desc(), Interaction.id.desc())
            .limit(1)
        ).first()
        if latest is not None and latest[0] == outcome_code:
            return _(
                "Recorded already: this outcome was saved for this lead a moment ago (its answer was lost on the "
                "way, or another window of yours sent it). The next lead follows."
            )
    company = session.get(Company, company_id)
    held_by = company.held_by_id if company is not None else None
    if held_by is not None and not owns(actor, held_by):
        return _(
            "Not recorded: your hold on this lead ended and another caller has it now. "
            "Tell the supervisor what the client said."
        )
    return _(
        "Not recorded: this lead was dealt with meanwhile (in another window of yours, or by the "
        "supervisor). The next lead follows."
    )


def release_lead(db: Database, actor: Actor) -> int | None:
    """Give back the lead *actor* holds, unchanged (log out, quit); returns its id or None."""
    # No check that the user is still active: giving a lead back only ever removes access, and a
    # disabled caller's lead must go back to the queue at once (the server signs them out).
    with db.write() as session:
        company = (
            session.execute(select(Company).where(owned_by(actor, Company.held_by_id)).with_for_update())
            .scalars()
            .first()
        )
        if company is None:
            return None
        company.held_by_id = None
        company.held_until = None
        session.flush()
        audit.record(session, actor, "lead_released", "company", company.id)
        return company.id


def release_on_logout(actor: Actor):
    """The screen's `on_logout` cleanup: a function (database) -> None."""

    def cleanup(database: Database) -> None:
        release_lead(database, actor)

    return cleanup


def lead_card(db: Database, actor: Actor, company_id: int, *, source: str = "queue") -> LeadCard:
    with db.read() as session:
        company = require_company(session, actor, company_id)
        return _card(session, actor, company, source)


def _outcome_labels(session: Session) -> dict[str, str]:
    return {r.code: reference.label(r) for r in session.execute(select(CallOutcome)).scalars()}


def _card(session: Session, actor: Actor, company: Company, source: str) -> LeadCard:
    labels = _outcome_labels(session)
    phone_rows = session.execute(
        select(Phone.contact_id, Phone.number).where(Phone.company_id == company.id).order_by(Phone.id)
    ).all()
    company_phones = tuple(phones.readable(n) for cid, n in phone_rows if cid is None)
    by_contact: dict[int, list[str]] = {}
    for cid, number in phone_rows:
        if cid is not None:
            by_contact.setdefault(cid, []).append(phones.readable(number))
    contacts = tuple(
        LeadContact(c.full_name, c.position, c.is_decision_maker, tuple(by_contact.get(c.id, [])))
        for c in session.execute(
            select(Contact)
            .where(Contact.company_id == company.id)
            .order_by(Contact.is_decision_maker.desc(), Contact.id)
            .limit(6)
        ).scalars()
    )
    previous = tuple(
        Attempt(at, labels.get(code, code))
        for at, code in session.execute(
            select(Interaction.at, Interaction.outcome)
            .where(Interaction.company_id == company.id, Interaction.kind == InteractionKind.CALL)
            .order_by(Interaction.at.desc(), Interaction.id.desc())
            .limit(HISTORY_SHOWN)
        ).all()
    )
    script = find_script(
        session,
        channel=company.channel,
        industry=company.industry,
        language=actor.language or current_language(),
        operator=actor.label,
    )
    tried = company.last_tried_at if company.attempts else None
    own_callback = company.callback_at if owns(actor, company.callback_user_id) else None
    return LeadCard(
        company_id=company.id,
        name=company.name,
        city=company.city,
        industry=company.industry,
        channel=company.channel,
        abcde_class=company.abcde_class,
        phones=company_phones,
        contacts=contacts,
        special_offer=company.special_offer,
        script_phrase=script.template_phrase if script else "",
        key_question=script.key_question if script else "",
        attempts=company.attempts,
        last_outcome=labels.get(company.last_outcome, company.last_outcome),
        last_tried_at=tried,
        previous=previous,
        callback_at=own_callback,
        held_until=company.held_until,
        source=source,
        time_zone=clock.zone_or_centre(session, company.time_zone),
        zone_known=timezones.is_zone(company.time_zone),
    )


def counters(db: Database, actor: Actor, *, now: datetime | None = None) -> Counters:
    with db.read() as session:
        _caller(session, actor)
        return _counters(session, actor, now or utcnow())


def _counters(session: Session, actor: Actor, now: datetime) -> Counters:
    today = clock.today(session, now)
    start = clock.day_start(session, today)
    hour_ago = now - timedelta(hours=1)
    calls, handovers, refusals, last_hour = session.execute(
        select(
            # count(*), not of the id: the id is not in the index by user, kind and time, which then answers alone
            # (PostgreSQL: 3-13 ms reading the rows against 0.3 ms from the index, 554 calls of 18,662 that day).
            func.count(),
            func.coalesce(func.sum(case((CallOutcome.is_handover.is_(True), 1), else_=0)), 0),
            func.coalesce(func.sum(case((CallOutcome.is_refusal.is_(True), 1), else_=0)), 0),
            func.coalesce(func.sum(case((Interaction.at >= hour_ago, 1), else_=0)), 0),
        )
        .select_from(Interaction)
        .outerjoin(CallOutcome, CallOutcome.code == Interaction.outcome)
        .where(Interaction.user_id == actor.id, Interaction.kind == InteractionKind.CALL, Interaction.at >= start)
    ).one()
    target = session.execute(
        select(Target.value)
        .where(Target.user_id == actor.id, Target.metric == "calls", Target.period == "day", Target.starts_on <= today)
        .order_by(Target.starts_on.desc())
        .limit(1)
    ).scalar()
    if target is None:
        target = int(reference.get_setting_cached(session, "caller.daily_calls_target"))
    return Counters(int(calls), int(handovers), int(refusals), int(target), int(last_hour))


def _callbacks_due(session: Session, actor: Actor, now: datetime) -> int:
    return session.execute(
        select(func.count(Company.id)).where(
            owned_by(actor, Company.callback_user_id),
            Company.callback_at <= now,
            Company.in_queue.is_(True),
            Company.stage == Stage.COLD,
        )
    ).scalar_one()


def take_next(db: Database, actor: Actor) -> QueueView:
    """What the screen shows after sign-in and after every outcome: the next lead, counters."""
    try:
        claimed: ClaimedLead | None = claim_next_lead(db, actor)
    except QueueEmpty:
        claimed = None
    except alarms.SlowDown as wait:
        # Not an error of the screen: no lead for a few seconds, and the screen asks again by itself.
        view = _view(db, actor, None, str(wait))
        return QueueView(None, view.counters, view.callbacks_due, view.message, wait_seconds=wait.seconds)
    return _view(db, actor, claimed)


def _view(
    db: Database, actor: Actor, claimed: ClaimedLead | None, message: str = "", *, now: datetime | None = None
) -> QueueView:
    with db.read() as session:
        _caller(session, actor)
        now = now or utcnow()
        card = None
        opens = None
        if claimed is not None:
            company = require_company(session, actor, claimed.company_id)
            card = _card(session, actor, company, claimed.source)
        else:
            opens = _window_opens(session, now)
        return QueueView(
            card, _counters(session, actor, now), _callbacks_due(session, actor, now), message, window_opens_at=opens
        )


def _window_opens(session: Session, now: datetime) -> datetime | None:
    """When the calling window next opens for a client of the queue, if it is closed for all now."""
    from .db import LeanTx

    tx = LeanTx.in_session(session)
    sql = _statements(tx.is_sqlite)
    pairs, _fresh = _queue_pairs(tx, sql)
    windows = clock.calling_windows(lambda key: reference.get_setting_lean(tx, key))
    centre = clock.centre_zone_name(session)
    if clock.open_pairs(pairs, now, windows, centre):
        return None  # open somewhere: the queue is simply empty (or held, or waiting)
    real = {(name if timezones.is_zone(name) else centre, windows.for_channel(channel)) for name, channel in pairs}
    moments = [m for m in (clock.next_open(name, now, window) for name, window in real) if m is not None]
    return min(moments) if moments else None


# After an outcome whose next lead the database was too busy to give: the screen asks again after this.
NEXT_LEAD_AFTER_BUSY_SECONDS = 2


def record_and_next(
    db: Database,
    actor: Actor,
    company_id: int,
    outcome_code: str,
    *,
    comment: str = "",
    reason_code: str | None = None,
    callback_at: datetime | None = None,
    closer_id: int | None = None,
) -> tuple[OutcomeResult, QueueView]:
    """Record the outcome, then take the next lead at once (two transactions)."""
    result = record_outcome(
        db,
        actor,
        company_id,
        outcome_code,
        comment=comment,
        reason_code=reason_code,
        callback_at=callback_at,
        closer_id=closer_id,
    )
    try:
        view = take_next(db, actor)
    except (DatabaseBusy, StorageFull) as error:
        # The outcome is saved (its own transaction): failing the whole call would have the screen ask again,
        # and the second try would find the lead no longer held and say the outcome was not recorded. The
        # screen takes the next lead by itself after the wait instead.
        why = _("The database is busy: the next lead comes in a moment.")
        busy = _view(db, actor, None, why if isinstance(error, DatabaseBusy) else str(error))
        view = dataclasses.replace(busy, wait_seconds=NEXT_LEAD_AFTER_BUSY_SECONDS)
    message = f"{result.summary} {view.message}" if view.wait_seconds else result.summary
    return result, dataclasses.replace(view, message=message)


# --- callbacks --------------------------------------------------------------------------------


@audited_view("my_callbacks")
def my_callbacks(db: Database, actor: Actor) -> list[CallbackInfo]:
    """The caller's own callbacks: time and company name only, due ones first (oldest first)."""
    with db.read() as session:
        _caller(session, actor)
        now = utcnow()
        rows = session.execute(
            select(
                Company.id, Company.name, Company.callback_at, Company.held_by_id, Company.held_until, Company.time_zone
            )
            .where(owned_by(actor, Company.callback_user_id), Company.in_queue.is_(True), Company.stage == Stage.COLD)
            .order_by(Company.callback_at, Company.id)
            .limit(CALLBACKS_SHOWN)
        ).all()
        return [
            CallbackInfo(
                company_id=cid,
                company_name=name,
                callback_at=at,
                due=at <= now,
                taken_by_other=holder is not None and not owns(actor, holder) and until is not None and until >= now,
                time_zone=clock.zone_or_centre(session, zone),
            )
            for cid, name, at, holder, until, zone in rows
        ]


def take_callback(db: Database, actor: Actor, company_id: int) -> QueueView:
    """Take one of the caller's own callbacks now; the lead held until now goes back to the queue."""
    with db.write() as session:
        _caller(session, actor)
        now = utcnow()
        company = session.execute(
            select(Company).where(Company.id == company_id).with_for_update()
        ).scalar_one_or_none()
        if (
            company is None
            or not owns(actor, company.callback_user_id)
            or not company.in_queue
            or company.stage != Stage.COLD
        ):
            raise AccessDenied(_("This callback is no longer yours."))
        if (
            company.held_by_id is not None
            and not owns(actor, company.held_by_id)
            and company.held_until is not None
            and company.held_until >= now
        ):
            raise ValidationFailed(_("Another caller is on this call right now."))
        alarms.check_card_view(session, actor)  # its card is shown: counted like any card view
        for other in session.execute(
            select(Company).where(owned_by(actor, Company.held_by_id), Company.id != company_id).with_for_update()
        ).scalars():
            other.held_by_id = None
            other.held_until = None
            audit.record(session, actor, "lead_released", "company", other.id)
        until = now + _lease(session)
        company.held_by_id = actor.id
        company.held_until = until
        session.flush()
        audit.record(session, actor, "lead_claimed", "company", company.id, source="callback_list")
    return _view(db, actor, ClaimedLead(company_id, until, "callback"))


# --- outcomes -------------------------------------------------------------------------------


def outcome_choices(db: Database, actor: Actor) -> list[reference.OutcomeInfo]:
    with db.read() as session:
        _caller(session, actor)
        return reference.outcomes(session)


def refusal_reasons(db: Database, actor: Actor) -> list[reference.ReasonInfo]:
    with db.read() as session:
        _caller(session, actor)
        return reference.reasons(session, "refusal")


def _closer_load():
    open_deals = (
        select(Deal.closer_id.label("closer_id"), func.count(Deal.id).label("n"))
        .where(Deal.status == DealStatus.OPEN)
        .group_by(Deal.closer_id)
        .subquery()
    )
    load = func.coalesce(open_deals.c.n, 0)
    return (
        select(User.id, User.full_name, User.username, load.label("n"))
        .outerjoin(open_deals, open_deals.c.closer_id == User.id)
        .where(User.role == Role.CLOSER, User.disabled.is_(False))
    ), load


def handover_closers(db: Database, actor: Actor) -> list[CloserChoice]:
    """Active closers, the default one (fewest open deals) first."""
    with db.read() as session:
        _caller(session, actor)
        query, load = _closer_load()
        rows = session.execute(query.order_by(load, User.id)).all()
        return [CloserChoice(uid, full or login, int(n)) for uid, full, login, n in rows]


def hand_over_to_closer(
    session: Session, actor: Actor, company: Company, closer_id: int | None = None, requirements: str = ""
) -> tuple[Deal, User]:
    """Make *company* a new deal of a closer (the one with the fewest open deals unless chosen).

    Runs inside the caller's transaction; the caller has checked access.  The company leaves
    the cold stage, so the caller who held it loses access at once (policy).
    """
    if closer_id is not None:
        closer = session.get(User, closer_id)
        if closer is None or closer.role != Role.CLOSER or closer.disabled:
            raise ValidationFailed(_("Choose an active closer."))
    else:
        query, load = _closer_load()
        row = session.execute(query.order_by(load, User.id).limit(1)).first()
        if row is None:
            raise ValidationFailed(_("There is no active closer to hand the lead to; tell the supervisor."))
        closer = session.get_one(User, row[0])
    from .pipeline import first_stage_code

    deal = Deal(
        company_id=company.id,
        closer_id=closer.id,
        handed_over_by_id=actor.id,
        stage_code=first_stage_code(session),
        status=DealStatus.OPEN,
        requirements=requirements,
    )
    session.add(deal)
    company.stage = Stage.PIPELINE
    company.owner_id = closer.id
    company.held_by_id = None
    company.held_until = None
    company.callback_user_id = None
    company.callback_at = None
    company.not_before = None
    company.special_offer_user_id = None
    if requirements:
        company.requirements = requirements
    session.flush()
    name = closer.full_name or closer.username
    write_history(
        session,
        actor,
        company.id,
        InteractionKind.HANDOVER,
        outcome="to_closer",
        text=_("Handed over to closer {name}").format(name=name),
        deal_id=deal.id,
        params=params_json(t="to_closer", name=name),
    )
    audit.record(session, actor, "handed_over_to_closer", "company", company.id, deal_id=deal.id, closer_id=closer.id)
    # The closer's open board shows the new deal without a key press.
    from .notify import Notice, after_commit

    after_commit(session, Notice(kind="handover", user_ids=(closer.id,), company_id=company.id))
    return deal, closer


def _outcome_row(session: Session, code: str) -> CallOutcome:
    row = session.execute(
        select(CallOutcome).where(CallOutcome.code == code, CallOutcome.active.is_(True))
    ).scalar_one_or_none()
    if row is None:
        raise ValidationFailed(_("Unknown outcome: {code}").format(code=code[:32]))
    return row


def _minutes(delta_minutes: float) -> str:
    minutes = round(delta_minutes)
    if minutes < 60:
        return _("{n} min").format(n=minutes)
    if minutes % 60 == 0 and minutes < 48 * 60:
        return _("{n} h").format(n=minutes // 60)
    if minutes % 1440 == 0:
        return _("{n} d").format(n=minutes // 1440)
    return _("{h} h {m} min").format(h=minutes // 60, m=minutes % 60)


def record_outcome(
    db: Database,
    actor: Actor,
    company_id: int,
    outcome_code: str,
    *,
    comment: str = "",
    reason_code: str | None = None,
    callback_at: datetime | None = None,
    closer_id: int | None = None,
) -> OutcomeResult:
    """Record the result of the call on the lead *actor* holds, act on the outcome's flags, release it."""
    comment = clean_input(comment, COMMENT_MAX)
    require(actor, Capability.WORK_QUEUE)
    with db.write() as session:
        now = utcnow()
        try:
            company = require_company(session, actor, company_id, for_update=True)
        except AccessDenied:
            # A lease that ran out while the call went on is renewed if nobody took the lead over;
            # a lead given back meanwhile (the same caller logged out in another window) is taken
            # back if it is still free.  Otherwise the caller is told plainly why nothing was saved.
            if not _extend_own(session, actor, company_id, now + _lease(session)) and not _take_back(
                session, actor, company_id, now, now + _lease(session)
            ):
                raise AccessDenied(_lost_lead_reason(session, actor, company_id, now, outcome_code)) from None
            session.expire_all()
            company = require_company(session, actor, company_id, for_update=True)
        outcome = _outcome_row(session, outcome_code)
        label = reference.label(outcome)
        details: dict[str, object] = {}
        deal_id: int | None = None
        closer_name = ""
        unreachable = False
        company.attempts += 1
        company.last_tried_at = now
        company.last_outcome = outcome.code
        company.held_by_id = None
        company.held_until = None
        company.not_before = None
        if outcome.contact_made and not outcome.is_callback and company.special_offer:
            # The special offer has been made: the company goes back to its own priority.
            company.special_offer = ""
            company.special_offer_user_id = None
            company.queue_rank = company.priority
        if not outcome.is_callback:
            company.callback_user_id = None
            company.callback_at = None

        if outcome.is_do_not_call:
            company.category = Category.DO_NOT_CALL
            summary = _("Will never be offered again.")
            line = label
        elif outcome.is_refusal:
            reasons = {r.code: r for r in reference.reasons(session, "refusal")}
            if not reason_code or reason_code not in reasons:
                raise ValidationFailed(_("Choose the reason of the refusal."))
            session.add(
                Refusal(
                    company_id=company.id, caller_id=actor.id, refused_at=now, reason_code=reason_code, comment=comment
                )
            )
            company.category = Category.REFUSED
            details["reason"] = reason_code
            line = _("{outcome}: {reason}").format(outcome=label, reason=reasons[reason_code].label)
            summary = _("Refusal recorded: {reason}.").format(reason=reasons[reason_code].label)
        elif outcome.is_handover:
            deal, closer = hand_over_to_closer(session, actor, company, closer_id, requirements=comment)
            deal_id = deal.id
            closer_name = closer.full_name or closer.username
            details.update(deal_id=deal.id, closer_id=closer.id)
            line = _("{outcome}: handed over to {name}").format(outcome=label, name=closer_name)
            summary = _("Handed over to {name}.").format(name=closer_name)
        elif outcome.is_unworkable:
            if not comment:
                raise ValidationFailed(_("Write what is wrong with the number or the data."))
            company.needs_data_fix = True
            line = label
            summary = _("Sent to the supervisor to fix the data.")
        elif outcome.is_callback:
            if callback_at is None:
                raise ValidationFailed(_("Choose when to call back."))
            if callback_at.tzinfo is None:
                raise ValidationFailed(_("The callback time has no time zone."))
            if callback_at <= now:
                raise ValidationFailed(_("The callback time must be in the future."))
            if callback_at > now + CALLBACK_HORIZON:
                raise ValidationFailed(_("The callback time must be within a year."))
            company.callback_user_id = actor.id
            company.callback_at = callback_at
            company.not_before = callback_at
            details["callback_at"] = callback_at.isoformat()
            client_zone = clock.zone_or_centre(session, company.time_zone)
            # The history keeps the client's clock (what was agreed), readable by anyone later.
            agreed = format_client_datetime(callback_at, client_zone)
            line = _("{outcome}: {when} client's time").format(outcome=label, when=agreed)
            summary = _("Callback set for {when}.").format(when=format_both_clocks(callback_at, client_zone))
        else:
            # is_retry, or an outcome with no action flag: back to the queue after a delay.
            # Cached like the claim's own settings: every outcome reads them (a round trip each on PostgreSQL).
            delays = [float(m) for m in reference.get_setting_cached(session, "queue.retry_delays_minutes")] or [60.0]
            max_attempts = int(reference.get_setting_cached(session, "queue.max_attempts"))
            if outcome.is_retry and company.attempts >= max_attempts:
                company.unreachable = True
                unreachable = True
                line = _("{outcome}: unreachable after {n} attempts").format(outcome=label, n=company.attempts)
                summary = _("Unreachable after {n} attempts: sent to the supervisor.").format(n=company.attempts)
            else:
                delay = delays[min(company.attempts - 1, len(delays) - 1)]
                company.not_before = now + timedelta(minutes=delay)
                line = label
                summary = _("Back in the queue in {delay}.").format(delay=_minutes(delay))
            details["attempts"] = company.attempts
        if comment:
            line = f"{line}\n{comment}"
        company.updated_at = now
        company.version += 1
        facts = {
            "reason": details.get("reason"),
            "closer": closer_name or None,
            "callback_at": callback_at if outcome.is_callback else None,
            "zone": clock.zone_or_centre(session, company.time_zone) if outcome.is_callback else None,
            "unreachable": company.attempts if unreachable else None,
            "comment": comment or None,
        }
        write_history(
            session,
            actor,
            company.id,
            InteractionKind.CALL,
            outcome=outcome.code,
            text=line,
            deal_id=deal_id,
            at=now,
            params=params_json(t="call", outcome=outcome.code, **facts),
        )
        session.flush()
        audit.record(session, actor, "call_outcome", "company", company.id, outcome=outcome.code, **details)
        return OutcomeResult(company.id, outcome.code, summary, deal_id, closer_name, unreachable)


def open_queue(db: Database, actor: Actor) -> tuple[list[reference.OutcomeInfo], QueueView]:
    """The outcome keys and the first lead, in one call: what the caller's screen needs to appear."""
    return outcome_choices(db, actor), take_next(db, actor)
