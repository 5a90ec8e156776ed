"""The refusal list (лист отказов) and the head of sales' weekly decisions.

Each refusal a caller records is a `Refusal` row.  The supervisor reviews them
(by default those of the current week, Monday to Sunday) and decides for one
or many at once:

- call back with a special offer: the company goes back into the cold queue
  ahead of ordinary leads (`queue_rank` 10), optionally for one named caller,
  with the offer text the caller sees on the lead;
- shelve until a date: back in the queue only from that date (`not_before`);
- do not call: category `do_not_call`, out of the queue for good.

Every decision is written to the company's history (kind `decision`, with
the supervisor's name) and to the audit trail, in the same transaction.

The list pages from the database with a keyset (refused_at, id) cursor, so it
opens as fast with 100,000 refusals as with ten.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session, aliased

from kbase_tui.formatting import format_date
from kbase_tui.i18n import _
from kbase_tui.labels import stage_label
from kbase_tui.models import (
    Category,
    Company,
    Interaction,
    InteractionKind,
    Reason,
    Refusal,
    RefusalDecision,
    Role,
    Stage,
    User,
    utcnow,
)
from kbase_tui.protocol.refusals import (
    DETAIL_CALLS,
    PAGE_SIZE,
    CallerChoice,
    CallLine,
    DecisionResult,
    DeskSummary,
    FilterChoices,
    RefusalDetail,
    RefusalFilter,
    RefusalPage,
    RefusalRow,
    current_week,
)

from . import audit, clock
from .db import Database
from .dto import Actor
from .errors import NotFound, ValidationFailed
from .history_labels import params_json, rendered_texts
from .policy import Capability, require, require_active_user
from .text import clean_input
from .views import audited_view

SPECIAL_OFFER_RANK = 10  # ordinary leads carry queue_rank = priority (100 by default)
OVERDUE_DAYS = 7
DECISIONS = (RefusalDecision.SPECIAL_OFFER, RefusalDecision.SHELVE, RefusalDecision.DO_NOT_CALL)


def _supervisor(session: Session, actor: Actor, capability: Capability = Capability.REVIEW_REFUSALS) -> None:
    require_active_user(session, actor)
    require(actor, capability)


def _conditions(flt: RefusalFilter, db: Database) -> list:
    conditions = []
    if flt.date_from is not None:
        conditions.append(Refusal.refused_at >= clock.day_start(db, flt.date_from))
    if flt.date_to is not None:
        conditions.append(Refusal.refused_at < clock.day_start(db, flt.date_to + timedelta(days=1)))
    if flt.reason_code:
        conditions.append(Refusal.reason_code == flt.reason_code)
    if flt.caller_id is not None:
        conditions.append(Refusal.caller_id == flt.caller_id)
    if flt.channel:
        conditions.append(Company.channel == flt.channel)
    if flt.industry:
        conditions.append(Company.industry == flt.industry)
    if flt.status == "undecided":
        conditions.append(Refusal.decision.is_(None))
    elif flt.status == "decided":
        conditions.append(Refusal.decision.is_not(None))
    return conditions


def _reason_labels(session: Session) -> dict[str, str]:
    from .reference import label

    rows = session.execute(select(Reason).where(Reason.kind == "refusal")).scalars()
    return {r.code: label(r) for r in rows}


@audited_view("refusals")
def list_refusals(
    db: Database,
    actor: Actor,
    flt: RefusalFilter | None = None,
    *,
    after: tuple[datetime, int] | None = None,
    limit: int = PAGE_SIZE,
) -> RefusalPage:
    """One page of refusals, newest first; *after* is the previous page's `next_cursor`."""
    flt = flt or RefusalFilter.this_week()
    limit = max(1, min(limit, 1000))
    with db.read() as session:
        _supervisor(session, actor)
        caller = aliased(User)
        decider = aliased(User)
        # Columns, not the Refusal entity: a page is only read, and building 200 ORM objects (identity
        # map, instance state) was half of a page's CPU, taken from the screen's thread by the GIL.
        query: Select[Any] = (
            select(  # type: ignore[misc]  # mypy gives up on the union of select()'s column overloads
                Refusal.id,
                Refusal.company_id,
                Refusal.caller_id,
                Refusal.refused_at,
                Refusal.reason_code,
                Refusal.comment,
                Refusal.decision,
                Refusal.decided_at,
                Refusal.offer_text,
                Refusal.shelved_until,
                Company.name,
                Company.city,
                Company.industry,
                Company.channel,
                caller.full_name,
                caller.username,
                decider.full_name,
                decider.username,
            )
            .join(Company, Company.id == Refusal.company_id)
            .outerjoin(caller, caller.id == Refusal.caller_id)
            .outerjoin(decider, decider.id == Refusal.decided_by_id)
            .where(*_conditions(flt, db))
            .order_by(Refusal.refused_at.desc(), Refusal.id.desc())
            .limit(limit + 1)
        )
        if after is not None:
            at, last_id = after
            query = query.where(or_(Refusal.refused_at < at, and_(Refusal.refused_at == at, Refusal.id < last_id)))
        result = session.execute(query).all()
        labels = _reason_labels(session)
        overdue_before = utcnow() - timedelta(days=OVERDUE_DAYS)
        rows = []
        for refusal in result[:limit]:
            name, city, industry, channel = refusal.name, refusal.city, refusal.industry, refusal.channel
            c_full, c_login, d_full, d_login = refusal[14:18]
            rows.append(
                RefusalRow(
                    id=refusal.id,
                    company_id=refusal.company_id,
                    company_name=name,
                    city=city,
                    industry=industry,
                    channel=channel,
                    caller_id=refusal.caller_id,
                    caller_name=c_full or c_login or "",
                    refused_at=refusal.refused_at,
                    reason_code=refusal.reason_code,
                    reason_label=labels.get(refusal.reason_code, refusal.reason_code),
                    comment=refusal.comment,
                    decision=refusal.decision,
                    decided_at=refusal.decided_at,
                    decided_by=d_full or d_login or "",
                    offer_text=refusal.offer_text,
                    shelved_until=refusal.shelved_until,
                    overdue=refusal.decision is None and refusal.refused_at < overdue_before,
                )
            )
        cursor = (rows[-1].refused_at, rows[-1].id) if len(result) > limit and rows else None
        return RefusalPage(rows=tuple(rows), next_cursor=cursor)


def count_refusals(db: Database, actor: Actor, flt: RefusalFilter | None = None) -> int:
    flt = flt or RefusalFilter.this_week()
    with db.read() as session:
        _supervisor(session, actor)
        query = select(func.count()).select_from(Refusal)
        if flt.channel or flt.industry:
            # Only these filters read the company.  Without them the join changes no count (every
            # refusal has its company: a foreign key) but made SQLite visit a company row per refusal,
            # 144 ms over 100,000 refusals on a cold cache instead of one pass over an index.
            query = query.join(Company, Company.id == Refusal.company_id)
        return session.execute(query.where(*_conditions(flt, db))).scalar_one()


def count_overdue(db: Database, actor: Actor) -> int:
    """Undecided refusals older than a week (whatever the filter says)."""
    with db.read() as session:
        _supervisor(session, actor)
        before = utcnow() - timedelta(days=OVERDUE_DAYS)
        return session.execute(
            select(func.count()).select_from(Refusal).where(Refusal.decision.is_(None), Refusal.refused_at < before)
        ).scalar_one()


def filter_choices(db: Database, actor: Actor) -> FilterChoices:
    with db.read() as session:
        _supervisor(session, actor)
        from .reference import reasons

        reason_rows = tuple((r.code, r.label) for r in reasons(session, "refusal"))
        callers = tuple(
            (uid, full or login)
            for uid, full, login in session.execute(
                select(User.id, User.full_name, User.username)
                .where(User.role == Role.CALLER)
                .order_by(User.full_name, User.username)
            ).all()
        )
        channels = tuple(
            v
            for v in session.execute(
                select(Company.channel).where(Company.channel != "").distinct().order_by(Company.channel)
            ).scalars()
        )
        industries = tuple(
            v
            for v in session.execute(
                select(Company.industry).where(Company.industry != "").distinct().order_by(Company.industry)
            ).scalars()
        )
        return FilterChoices(reasons=reason_rows, callers=callers, channels=channels, industries=industries)


def _describe(decision: str, actor: Actor, offer_text: str, caller_name: str, until: date | None) -> str:
    if decision == RefusalDecision.SPECIAL_OFFER:
        text = _("{who} decided: call back with a special offer: {offer}").format(who=actor.label, offer=offer_text)
        if caller_name:
            text += " " + _("(for {caller})").format(caller=caller_name)
        return text
    if decision == RefusalDecision.SHELVE:
        day = format_date(until)  # the date the supervisor chose
        return _("{who} decided: shelve until {day}").format(who=actor.label, day=day)
    return _("{who} decided: do not call again").format(who=actor.label)


def decision_params(decision: str, offer_text: str, caller_name: str, until: date | None) -> str:
    """The facts of a decision's history entry (history_labels renders them for the reader)."""
    if decision == RefusalDecision.SPECIAL_OFFER:
        return params_json(t="special_offer", offer=offer_text, caller=caller_name or None)
    if decision == RefusalDecision.SHELVE:
        return params_json(t="shelved", until=until)
    return params_json(t="comment")


def decide(
    db: Database,
    actor: Actor,
    refusal_ids: list[int],
    decision: str,
    *,
    offer_text: str = "",
    offer_user_id: int | None = None,
    shelve_until: date | None = None,
) -> DecisionResult:
    """Apply one decision to every refusal in *refusal_ids*, in one transaction.

    A refusal whose company has meanwhile moved on (to a closer or an account
    manager) is skipped, never pulled back into the cold queue.
    """
    if decision not in DECISIONS:
        raise ValidationFailed(_("Unknown decision."))
    ids = sorted(set(int(i) for i in refusal_ids))
    if not ids:
        raise ValidationFailed(_("Select at least one refusal."))
    offer_text = clean_input(offer_text, 2000)
    until: datetime | None = None
    if decision == RefusalDecision.SPECIAL_OFFER and not offer_text:
        raise ValidationFailed(_("Write the special offer the caller will make."))
    if decision == RefusalDecision.SHELVE:
        if shelve_until is None:
            raise ValidationFailed(_("Choose the date until which the company is shelved."))
        if shelve_until <= clock.today(db):
            raise ValidationFailed(_("The shelving date must be in the future."))
        until = clock.day_start(db, shelve_until)
    now = utcnow()
    with db.write() as session:
        _supervisor(session, actor)
        caller_name = ""
        if decision == RefusalDecision.SPECIAL_OFFER and offer_user_id is not None:
            caller = session.get(User, offer_user_id)
            if caller is None or caller.role != Role.CALLER or caller.disabled:
                raise ValidationFailed(_("The special offer can be given only to an active cold-call operator."))
            caller_name = caller.full_name or caller.username
        refusals = session.execute(select(Refusal).where(Refusal.id.in_(ids)).order_by(Refusal.id)).scalars().all()
        if len(refusals) != len(ids):
            raise NotFound(_("Some refusals were not found; reload the list."))
        skipped: list[tuple[int, str]] = []
        decided = 0
        done_companies: set[int] = set()
        for refusal in refusals:
            company = session.execute(
                select(Company).where(Company.id == refusal.company_id).with_for_update()
            ).scalar_one()
            if company.stage != Stage.COLD:
                skipped.append(
                    (refusal.id, _("the company has moved on to {stage}").format(stage=stage_label(company.stage)))
                )
                continue
            refusal.decision = decision
            refusal.decided_by_id = actor.id
            refusal.decided_at = now
            refusal.offer_text = offer_text if decision == RefusalDecision.SPECIAL_OFFER else ""
            refusal.offer_user_id = offer_user_id if decision == RefusalDecision.SPECIAL_OFFER else None
            refusal.shelved_until = until
            decided += 1
            if company.id not in done_companies:
                done_companies.add(company.id)
                _apply_to_company(company, decision, offer_text, offer_user_id, until, now)
                session.add(
                    Interaction(
                        company_id=company.id,
                        user_id=actor.id,
                        at=now,
                        kind=InteractionKind.DECISION,
                        outcome=decision,
                        text=_describe(decision, actor, offer_text, caller_name, shelve_until),
                        params=decision_params(decision, offer_text, caller_name, shelve_until),
                    )
                )
            audit.record(
                session,
                actor,
                "refusal_decided",
                "refusal",
                refusal.id,
                company_id=company.id,
                decision=decision,
                offer_user_id=offer_user_id,
                shelved_until=until.date().isoformat() if until else None,
            )
        session.flush()
        return DecisionResult(decided=decided, skipped=tuple(skipped))


def _apply_to_company(
    company: Company,
    decision: str,
    offer_text: str,
    offer_user_id: int | None,
    until: datetime | None,
    now: datetime,
) -> None:
    company.held_by_id = None
    company.held_until = None
    company.callback_user_id = None
    company.callback_at = None
    company.updated_at = now
    company.version += 1
    if decision == RefusalDecision.SPECIAL_OFFER:
        company.category = Category.POTENTIAL
        company.queue_rank = SPECIAL_OFFER_RANK
        company.special_offer = offer_text
        company.special_offer_user_id = offer_user_id
        company.shelved_until = None
        company.not_before = None
        company.attempts = 0
        company.unreachable = False
    elif decision == RefusalDecision.SHELVE:
        # Back into the queue by itself on that date: the queue skips not_before in the future.
        company.category = Category.POTENTIAL
        company.queue_rank = company.priority
        company.special_offer = ""
        company.special_offer_user_id = None
        company.shelved_until = until
        company.not_before = until
        company.attempts = 0
    else:
        company.category = Category.DO_NOT_CALL
        company.special_offer = ""
        company.special_offer_user_id = None
        company.shelved_until = None
        company.not_before = None


def active_callers(db: Database, actor: Actor) -> list[CallerChoice]:
    """Callers a special offer may be given to."""
    with db.read() as session:
        _supervisor(session, actor)
        rows = session.execute(
            select(User.id, User.full_name, User.username)
            .where(User.role == Role.CALLER, User.disabled.is_(False))
            .order_by(User.full_name, User.username)
        ).all()
        return [CallerChoice(uid, full or login) for uid, full, login in rows]


def desk_summary(db: Database, actor: Actor) -> DeskSummary:
    """The two figures at the top of the supervisor's desk."""
    with db.read() as session:
        _supervisor(session, actor)
        monday, sunday = current_week(clock.today(session))
        week = (
            select(func.count())
            .select_from(Refusal)
            .where(
                Refusal.decision.is_(None),
                Refusal.refused_at >= clock.day_start(session, monday),
                Refusal.refused_at < clock.day_start(session, sunday + timedelta(days=1)),
            )
        )
        before = utcnow() - timedelta(days=OVERDUE_DAYS)
        overdue = (
            select(func.count()).select_from(Refusal).where(Refusal.decision.is_(None), Refusal.refused_at < before)
        )
        return DeskSummary(session.execute(week).scalar_one(), session.execute(overdue).scalar_one())


def detail(db: Database, actor: Actor, refusal_id: int) -> RefusalDetail:
    """The comment and the last calls of one refusal's company, for the review's detail pane.

    Audited as `refusal_viewed` (who read which client's calls), but not counted against the
    hourly card limit: the pane follows the cursor through a list the supervisor reviews.
    """
    from kbase_tui.models import CallOutcome, Phone

    from .reference import label

    with db.write() as session:
        _supervisor(session, actor)
        refusal = session.get(Refusal, refusal_id)
        if refusal is None:
            raise NotFound()
        labels = {r.code: label(r) for r in session.execute(select(CallOutcome)).scalars()}
        rows = session.execute(
            select(Interaction, User.full_name, User.username)
            .outerjoin(User, User.id == Interaction.user_id)
            .where(Interaction.company_id == refusal.company_id, Interaction.kind == InteractionKind.CALL)
            .order_by(Interaction.at.desc(), Interaction.id.desc())
            .limit(DETAIL_CALLS)
        ).all()
        texts = rendered_texts(session, [i for i, _full, _login in rows])  # in the reader's language
        calls = tuple(
            CallLine(
                at=i.at, outcome=labels.get(i.outcome, i.outcome), caller_name=full or login or "", text=texts[i.id]
            )
            for i, full, login in rows
        )
        numbers = tuple(
            session.execute(
                select(Phone.number)
                .where(Phone.company_id == refusal.company_id, Phone.contact_id.is_(None))
                .order_by(Phone.id)
            ).scalars()
        )
        audit.record(session, actor, "refusal_viewed", "refusal", refusal.id, company_id=refusal.company_id)
        return RefusalDetail(
            refusal_id=refusal.id, company_id=refusal.company_id, comment=refusal.comment, phones=numbers, calls=calls
        )
