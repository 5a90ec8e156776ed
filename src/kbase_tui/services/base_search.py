"""The head of sales' search of the whole base and the company card behind it.

Only the supervisor (and the server owner's CLI) may search the base: callers never list
companies, closers and account managers have their own lists, and the administrator sees no
client data (`policy.Capability.SUPERVISE`).  Every search and every card view is audited.

The text typed is read by what it is:

- digits (spaces, brackets, dashes and a leading + allowed): the INN starting with them, or a
  phone holding them (a whole number in any spelling is normalised to E.164 and found through
  the phone index);
- anything else: words of the name, each of which must occur, case- and ё-insensitive, the legal
  form ignored («ромашка ооо» finds «АО "Ромашка"»).  SQLite folds only ASCII, so the folded
  `company.name_search` column is searched (services/search.py).

Pages come in the order of the folded name with a keyset cursor `(name_search, id)`, read along
the index on `name_search`: the first page of a common word is read in milliseconds on a million
companies; a word that occurs nowhere reads the whole index once (docs/performance.md has the
figures).  Nothing is counted: a million-row count is the slow part of any list.

From the card the supervisor fixes the company's data, returns a cold company to the queue,
shelves it, marks it do-not-call, or gives it to one person; each of these writes the company's
history and the audit trail in the same transaction, and refuses (StaleRecord with the current
card) a company someone else changed since the card was loaded.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session, aliased

from kbase_tui.formatting import format_date
from kbase_tui.i18n import _
from kbase_tui.models import (
    AuditEvent,
    Category,
    ClientOrder,
    Company,
    Deal,
    DealStatus,
    InteractionKind,
    Phone,
    Reason,
    Refusal,
    RefusalDecision,
    Role,
    Stage,
    User,
    utcnow,
)
from kbase_tui.protocol.companies import (
    FLAGS,
    MATCH_NAME,
    MATCH_NUMBER,
    PAGE_SIZE,
    BasePage,
    BaseQuery,
    BaseRow,
    CompanyFix,
    CompanyState,
    DealLine,
    OrderLine,
    Person,
    RefusalLine,
    SearchChoices,
    SupervisorCard,
    Viewer,
)
from kbase_tui.textnorm import name_key

from . import alarms, audit, clock, history_labels, notify, phones, queue_membership
from .clients import company_info, contacts_of, record_card_view, write_history
from .common import require_supervisor
from .db import Database
from .dto import Actor
from .errors import StaleRecord, ValidationFailed
from .policy import require_company
from .search import LIKE_ESCAPE, MAX_WORDS, codepoint_order, company_city_filter, escape_like, query_words
from .text import clean_input, typed_text

ORDERS_SHOWN = 50
VIEWERS_SHOWN = 50
_NUMBER_TEXT = re.compile(r"\+?[\d\s().\-]+")
MIN_DIGITS = 3


def _name(user: User | None) -> str:
    return (user.full_name or user.username) if user is not None else ""


# --- search ---------------------------------------------------------------------------


def number_digits(text: str) -> str | None:
    """The digits of *text* when it is a number (INN or phone), else None."""
    text = text.strip()
    if not text or not _NUMBER_TEXT.fullmatch(text):
        return None
    digits = re.sub(r"\D", "", text)
    return digits if len(digits) >= MIN_DIGITS else None


def name_words(text: str) -> list[str]:
    """The folded words of a name query without legal forms and punctuation («ООО "Ёлка"» → ["елка"])."""
    words = name_key(text).split()[:MAX_WORDS]
    return words or query_words(text)  # "ООО" alone still finds the companies that write it


NUMBER_CANDIDATES = 1000  # companies an INN prefix or phone digits may match before the list stops growing


def _number_matches(session: Session, digits: str, text: str) -> list[int]:
    """Ids of companies whose INN starts with *digits* or which have a phone holding them.

    Two indexed lookups, not one OR: SQLite turned `inn … OR id IN (phones)` into a scan of the
    whole company table ordered afterwards (docs/performance.md).
    """
    # INN prefix as a range, so the (partial) INN index serves it: '9' < ':' in code points.
    ids = set(
        session.execute(
            select(Company.id).where(Company.inn >= digits, Company.inn < digits + ":").limit(NUMBER_CANDIDATES)
        ).scalars()
    )
    e164 = phones.normalise(text.strip()) if len(digits) >= 10 else None
    if e164:
        phone = Phone.number == e164
    elif ids and len(digits) in (10, 12):
        return sorted(ids)  # a whole INN that exists: no need to read every phone for those digits
    else:
        phone = Phone.number.like(f"%{escape_like(digits)}%", escape=LIKE_ESCAPE)
    ids.update(session.execute(select(Phone.company_id).where(phone).limit(NUMBER_CANDIDATES)).scalars())
    return sorted(ids)


def _text_condition(session: Session, text: str):
    digits = number_digits(text)
    if digits is not None:
        return Company.id.in_(_number_matches(session, digits, text)), MATCH_NUMBER
    words = name_words(text)
    if not words:
        return None, MATCH_NAME
    return and_(*(Company.name_search.like(f"%{escape_like(w)}%", escape=LIKE_ESCAPE) for w in words)), MATCH_NAME


def _conditions(session: Session, query: BaseQuery, now: datetime) -> tuple[list, str]:
    # A duplicate merged into another company lives on in that one; only the "merged" mark shows it.
    merged = Company.merged_into_id.is_not(None) if query.flag == "merged" else Company.merged_into_id.is_(None)
    conditions = [merged]
    text_condition, matched_by = _text_condition(session, clean_input(query.text, 200))
    if text_condition is not None:
        conditions.append(text_condition)
    if query.city.strip():
        conditions.append(company_city_filter(query.city))
    if query.channel:
        conditions.append(Company.channel == query.channel)
    if query.stage:
        conditions.append(Company.stage == query.stage)
    if query.category:
        conditions.append(Company.category == query.category)
    if query.owner_id is not None:
        conditions.append(Company.owner_id == query.owner_id)
    if query.flag and query.flag != "merged":
        conditions.append(
            {
                "needs_fix": Company.needs_data_fix.is_(True),
                "unreachable": Company.unreachable.is_(True),
                "in_queue": Company.in_queue.is_(True),
                "shelved": Company.shelved_until > now,
                "held": Company.held_by_id.is_not(None),
            }[query.flag]
        )
    return conditions, matched_by


NARROW_FILTER = 20_000  # at most this many companies: read them by the filter's index and sort them


def _narrow(session: Session, query: BaseQuery) -> bool:
    """Whether the indexed equality filters of *query* leave few companies (counted up to NARROW_FILTER + 1).

    The name index read in order is the fast plan while matches are common; for a filter that matches few
    companies, or whose companies all sort late (a stage whose companies are all «ООО …»), reading that index
    row by row until a page is full visited half a million rows (1.2 s of CPU for a stage on a million).  A
    bounded count over the filter's own index (a few milliseconds) tells the two apart.
    """
    indexed = []
    if query.stage:
        indexed.append(Company.stage == query.stage)
    if query.owner_id is not None:
        indexed.append(Company.owner_id == query.owner_id)
    if query.category:
        indexed.append(Company.category == query.category)
    if query.channel:
        indexed.append(Company.channel == query.channel)
    if not indexed:
        return False
    bounded = select(Company.id).where(*indexed).limit(NARROW_FILTER + 1).subquery()
    return session.execute(select(func.count()).select_from(bounded)).scalar_one() <= NARROW_FILTER


def search(
    db: Database, actor: Actor, query: BaseQuery, *, after: tuple[str, int] | None = None, limit: int = PAGE_SIZE
) -> BasePage:
    """One page of companies matching *query*, in the order of the folded name; audited."""
    limit = max(1, min(limit, 500))
    now = utcnow()
    if query.flag and query.flag not in FLAGS:
        raise ValidationFailed(_("Unknown filter."))
    with db.read() as session:
        require_supervisor(session, actor)
        conditions, matched_by = _conditions(session, query, now)
        # The same order either way; coalesce() only keeps the planner off the name index when the filter is narrow.
        order_key = func.coalesce(Company.name_search, "") if _narrow(session, query) else Company.name_search
        owner = aliased(User)
        first_phone = (
            select(Phone.number)
            .where(Phone.company_id == Company.id, Phone.contact_id.is_(None))
            .order_by(Phone.id)
            .limit(1)
            .correlate(Company)
            .scalar_subquery()
        )
        statement = (
            select(
                Company.id,
                Company.name,
                Company.name_search,
                Company.inn,
                Company.city,
                Company.channel,
                Company.stage,
                Company.category,
                owner.full_name,
                owner.username,
                first_phone,
                Company.needs_data_fix,
                Company.unreachable,
                Company.in_queue,
            )
            .outerjoin(owner, owner.id == Company.owner_id)
            .where(*conditions)
            .order_by(codepoint_order(order_key).asc(), Company.id.asc())
            .limit(limit + 1)
        )
        if after is not None:
            key, last_id = after
            statement = statement.where(
                or_(
                    codepoint_order(Company.name_search) > key,
                    and_(Company.name_search == key, Company.id > last_id),
                )
            )
        result = session.execute(statement).all()
    rows = tuple(
        BaseRow(
            id=r[0],
            name=r[1],
            inn=r[3],
            city=r[4] or "",
            channel=r[5] or "",
            stage=r[6],
            category=r[7],
            owner_name=r[8] or r[9] or "",
            phone=r[10] or "",
            needs_data_fix=bool(r[11]),
            unreachable=bool(r[12]),
            in_queue=bool(r[13]),
        )
        for r in result[:limit]
    )
    cursor = (result[limit - 1][2], result[limit - 1][0]) if len(result) > limit else None
    # Audited after the read, in a short write of its own: a scan never holds the write lock.
    with db.write() as session:
        # Throttled like every search: over the hourly limit nothing read here is handed out.
        alarms.check_view(session, actor, alarms.SEARCHES)
        audit.record(
            session,
            actor,
            "base_searched",
            "company",
            None,
            text=clean_input(query.text, 200),
            city=query.city,
            channel=query.channel,
            stage=query.stage,
            category=query.category,
            owner_id=query.owner_id,
            flag=query.flag,
            next_page=after is not None,
            shown=len(rows),
        )
    return BasePage(rows=rows, next_cursor=cursor, matched_by=matched_by)


def choices(db: Database, actor: Actor) -> SearchChoices:
    with db.read() as session:
        require_supervisor(session, actor)
        channels = tuple(
            session.execute(
                select(Company.channel).where(Company.channel != "").distinct().order_by(Company.channel)
            ).scalars()
        )
        owners = tuple(
            Person(u.id, _name(u), u.role)
            for u in session.execute(
                select(User)
                .where(User.role.in_([Role.CLOSER, Role.ACCOUNT, Role.SUPERVISOR]))
                .order_by(User.role, User.full_name, User.username)
            ).scalars()
        )
        return SearchChoices(channels=channels, owners=owners)


# --- the card ---------------------------------------------------------------------------


def _state(session: Session, company: Company) -> CompanyState:
    held = session.get(User, company.held_by_id) if company.held_by_id else None
    merged_into = session.get(Company, company.merged_into_id) if company.merged_into_id else None
    callback = session.get(User, company.callback_user_id) if company.callback_user_id else None
    return CompanyState(
        in_queue=company.in_queue,
        unreachable=company.unreachable,
        needs_data_fix=company.needs_data_fix,
        shelved_until=company.shelved_until,
        not_before=company.not_before,
        held_by=_name(held),
        callback_user=_name(callback),
        callback_at=company.callback_at,
        address=company.address,
        source=company.source,
        created_at=company.created_at,
        updated_at=company.updated_at,
        merged_into_id=company.merged_into_id,
        merged_into_name=merged_into.name if merged_into else "",
    )


def _build_card(session: Session, company: Company) -> SupervisorCard:
    from .company_merge import merge_lines
    from .reference import label, pipeline_stages

    session.flush()
    stage_labels = {s.code: s.label for s in pipeline_stages(session)}
    user = aliased(User)
    decider = aliased(User)
    deals = tuple(
        DealLine(
            d.id,
            d.stage_code,
            stage_labels.get(d.stage_code, d.stage_code),
            d.status,
            full or login or "",
            d.expected_amount,
            d.created_at,
            d.closed_at,
            d.lost_reason,
        )
        for d, full, login in session.execute(
            select(Deal, user.full_name, user.username)
            .outerjoin(user, user.id == Deal.closer_id)
            .where(Deal.company_id == company.id)
            .order_by(Deal.created_at.desc(), Deal.id.desc())
        ).all()
    )
    orders = tuple(
        OrderLine(o.id, o.ordered_at, o.amount, o.items, full or login or "")
        for o, full, login in session.execute(
            select(ClientOrder, user.full_name, user.username)
            .outerjoin(user, user.id == ClientOrder.account_manager_id)
            .where(ClientOrder.company_id == company.id)
            .order_by(ClientOrder.ordered_at.desc(), ClientOrder.id.desc())
            .limit(ORDERS_SHOWN)
        ).all()
    )
    orders_total = session.execute(
        select(func.count()).select_from(ClientOrder).where(ClientOrder.company_id == company.id)
    ).scalar_one()
    reasons = {r.code: label(r) for r in session.execute(select(Reason).where(Reason.kind == "refusal")).scalars()}
    refusals = tuple(
        RefusalLine(
            r.id,
            r.refused_at,
            reasons.get(r.reason_code, r.reason_code),
            c_full or c_login or "",
            r.comment,
            r.decision,
            d_full or d_login or "",
        )
        for r, c_full, c_login, d_full, d_login in session.execute(
            select(Refusal, user.full_name, user.username, decider.full_name, decider.username)
            .outerjoin(user, user.id == Refusal.caller_id)
            .outerjoin(decider, decider.id == Refusal.decided_by_id)
            .where(Refusal.company_id == company.id)
            .order_by(Refusal.refused_at.desc(), Refusal.id.desc())
        ).all()
    )
    viewers = tuple(
        Viewer(actor_name, full or "", count, first, last)
        for actor_name, full, count, first, last in session.execute(
            select(
                AuditEvent.actor,
                func.max(User.full_name),
                func.count(),
                func.min(AuditEvent.at),
                func.max(AuditEvent.at),
            )
            .outerjoin(User, User.id == AuditEvent.actor_id)
            .where(AuditEvent.company_id == company.id)
            .group_by(AuditEvent.actor)
            .order_by(func.max(AuditEvent.at).desc())
            .limit(VIEWERS_SHOWN)
        ).all()
    )
    return SupervisorCard(
        company=company_info(session, company),
        state=_state(session, company),
        contacts=contacts_of(session, company.id),
        deals=deals,
        orders=orders,
        refusals=refusals,
        viewers=viewers,
        orders_total=orders_total,
        merges=merge_lines(session, company.id),
    )


def card(db: Database, actor: Actor, company_id: int) -> SupervisorCard:
    """The whole card of one company, audited as a view (and counted against the hourly limit)."""
    with db.write() as session:
        require_supervisor(session, actor)
        company = require_company(session, actor, company_id)
        record_card_view(session, actor, company.id, screen="base")
        return _build_card(session, company)


def _changing(session: Session, actor: Actor, company_id: int, expected_version: int) -> Company:
    require_supervisor(session, actor)
    company = require_company(session, actor, company_id, for_update=True)
    if company.version != expected_version:
        raise StaleRecord(
            _("Someone changed this company after you opened it; here is what it holds now."),
            current=_build_card(session, company),
        )
    return company


def _touch(company: Company, now: datetime) -> None:
    company.updated_at = now
    company.version += 1


def _require_cold(company: Company) -> None:
    if company.stage != Stage.COLD:
        raise ValidationFailed(
            _(
                "The company is no longer in cold calls (it is with a closer or an account manager); "
                "give it to another person instead."
            )
        )


def _release(company: Company) -> None:
    company.held_by_id = None
    company.held_until = None
    company.callback_user_id = None
    company.callback_at = None
    company.special_offer = ""
    company.special_offer_user_id = None


def _decide_open_refusals(
    session: Session, actor: Actor, company: Company, decision: str, now: datetime, until: datetime | None = None
) -> None:
    """The company's undecided refusals take the decision made on the card, so the review does not ask again."""
    open_refusals = (
        session.execute(select(Refusal).where(Refusal.company_id == company.id, Refusal.decision.is_(None)))
        .scalars()
        .all()
    )
    for refusal in open_refusals:
        refusal.decision = decision
        refusal.decided_by_id = actor.id
        refusal.decided_at = now
        refusal.shelved_until = until
        audit.record(
            session,
            actor,
            "refusal_decided",
            "refusal",
            refusal.id,
            company_id=company.id,
            decision=decision,
            from_card=True,
        )


# --- changes from the card --------------------------------------------------------------

_FIX_FIELDS = ("name", "inn", "city", "industry", "channel", "email", "website", "address")


def _clean_fix(form: CompanyFix) -> tuple[dict[str, str | None], list[str]]:
    # The limits are the columns' (models/clients.py); the labels are the dialog's.
    name = typed_text(form.name, 300, _("Name"))
    if not name:
        raise ValidationFailed(_("The company needs a name."))
    # Spaces out first: "7701 234 567" is ten digits however it was spaced.
    inn = re.sub(r"\s", "", clean_input(form.inn))
    if inn and not re.fullmatch(r"\d{10}|\d{12}", inn):
        raise ValidationFailed(_("The INN is 10 digits (a company) or 12 digits (an entrepreneur)."))
    email = typed_text(form.email, 200, _("E-mail"))
    if email and ("@" not in email or " " in email):
        raise ValidationFailed(_("The e-mail address is not valid."))
    numbers: list[str] = []
    for raw in form.phones:
        if raw.strip():
            number = phones.normalise_or_raise(raw)
            if number not in numbers:
                numbers.append(number)
    values: dict[str, str | None] = {
        "name": name,
        "inn": inn or None,
        "city": typed_text(form.city, 120, _("City")),
        "industry": typed_text(form.industry, 120, _("Industry")),
        "channel": typed_text(form.channel, 60, _("Channel")),
        "email": email,
        "website": typed_text(form.website, 200, _("Website")),
        "address": typed_text(form.address, 300, _("Address")),
    }
    return values, numbers


def fix_data(db: Database, actor: Actor, company_id: int, expected_version: int, form: CompanyFix) -> SupervisorCard:
    """Correct the company's own data; each change goes to its history (old → new) and the audit."""
    values, numbers = _clean_fix(form)
    now = utcnow()
    with db.write() as session:
        company = _changing(session, actor, company_id, expected_version)
        changes: dict[str, tuple[object, object]] = {
            k: (getattr(company, k), v) for k, v in values.items() if (getattr(company, k) or None) != (v or None)
        }
        for key, (_old, new) in changes.items():
            setattr(company, key, new if new is not None else (None if key == "inn" else ""))
        old_phones = (
            session.execute(
                select(Phone).where(Phone.company_id == company.id, Phone.contact_id.is_(None)).order_by(Phone.id)
            )
            .scalars()
            .all()
        )
        if [p.number for p in old_phones] != numbers:
            for phone in old_phones:
                session.delete(phone)
            for number in numbers:
                session.add(Phone(company_id=company.id, number=number))
            changes["phones"] = ([p.number for p in old_phones], numbers)
        if not changes:
            raise ValidationFailed(_("Nothing was changed."))
        # The supervisor has looked at the data: a "bad data" mark is resolved by the fix.
        company.needs_data_fix = False
        _touch(company, now)
        changed = [[k, old, new] for k, (old, new) in changes.items()]
        text = _("{who} corrected the data: {changes}").format(
            who=actor.label, changes=history_labels.changes_text(changed)
        )
        write_history(
            session,
            actor,
            company.id,
            InteractionKind.SYSTEM,
            outcome="data_fixed",
            text=text,
            at=now,
            params=history_labels.params_json(t="changed", changes=changed),
        )
        audit.record(session, actor, "company_data_fixed", "company", company.id, fields=sorted(changes))
        return _build_card(session, company)


def _back_in_queue(company: Company) -> None:
    """A cold company a potential client again, in the queue at its own priority with its attempts counted afresh."""
    _release(company)
    company.category = Category.POTENTIAL
    company.queue_rank = company.priority
    company.attempts = 0


def return_to_queue(db: Database, actor: Actor, company_id: int, expected_version: int) -> SupervisorCard:
    """A cold company back into the shared queue: attempts, unreachable and bad-data marks cleared."""
    now = utcnow()
    with db.write() as session:
        company = _changing(session, actor, company_id, expected_version)
        _require_cold(company)
        _back_in_queue(company)
        company.unreachable = False
        company.needs_data_fix = False
        company.not_before = None
        company.shelved_until = None
        _touch(company, now)
        write_history(
            session,
            actor,
            company.id,
            InteractionKind.DECISION,
            outcome="returned_to_queue",
            at=now,
            text=_("{who} returned the company to the cold-call queue.").format(who=actor.label),
            params=history_labels.params_json(t="comment"),
        )
        audit.record(session, actor, "company_returned_to_queue", "company", company.id)
        return _build_card(session, company)


def shelve(db: Database, actor: Actor, company_id: int, expected_version: int, until: date) -> SupervisorCard:
    """A cold company out of the queue until *until* (local midnight), when it comes back by itself."""
    if until <= clock.today(db):
        raise ValidationFailed(_("The shelving date must be in the future."))
    at = clock.day_start(db, until)
    now = utcnow()
    with db.write() as session:
        company = _changing(session, actor, company_id, expected_version)
        _require_cold(company)
        _back_in_queue(company)
        company.shelved_until = at
        company.not_before = at
        _touch(company, now)
        _decide_open_refusals(session, actor, company, RefusalDecision.SHELVE, now, at)
        write_history(
            session,
            actor,
            company.id,
            InteractionKind.DECISION,
            outcome=RefusalDecision.SHELVE,
            at=now,
            text=_("{who} decided: shelve until {day}").format(who=actor.label, day=format_date(until)),
            params=history_labels.params_json(t="shelved", until=until),
        )
        audit.record(session, actor, "company_shelved", "company", company.id, until=until.isoformat())
        return _build_card(session, company)


def do_not_call(db: Database, actor: Actor, company_id: int, expected_version: int) -> SupervisorCard:
    """A cold company never called again (category do_not_call, out of the queue)."""
    now = utcnow()
    with db.write() as session:
        company = _changing(session, actor, company_id, expected_version)
        _require_cold(company)
        _release(company)
        company.category = Category.DO_NOT_CALL
        company.shelved_until = None
        company.not_before = None
        _touch(company, now)
        _decide_open_refusals(session, actor, company, RefusalDecision.DO_NOT_CALL, now)
        write_history(
            session,
            actor,
            company.id,
            InteractionKind.DECISION,
            outcome=RefusalDecision.DO_NOT_CALL,
            at=now,
            text=_("{who} decided: do not call again").format(who=actor.label),
            params=history_labels.params_json(t="comment"),
        )
        audit.record(session, actor, "company_do_not_call", "company", company.id)
        return _build_card(session, company)


_ROLE_FOR_STAGE = {Stage.COLD: Role.CALLER, Stage.PIPELINE: Role.CLOSER, Stage.ACCOUNT: Role.ACCOUNT}


def assignees(db: Database, actor: Actor, company_id: int) -> list[Person]:
    """Active people of the role that works the company's stage."""
    with db.read() as session:
        require_supervisor(session, actor)
        company = require_company(session, actor, company_id)
        role = _ROLE_FOR_STAGE.get(company.stage)
        if role is None:
            return []
        return [
            Person(u.id, _name(u), u.role)
            for u in session.execute(
                select(User).where(User.role == role, User.disabled.is_(False)).order_by(User.full_name, User.username)
            ).scalars()
        ]


def assign(db: Database, actor: Actor, company_id: int, expected_version: int, user_id: int) -> SupervisorCard:
    """Give the company to one person of its stage.

    Cold: the caller's personal lead, offered to them first from now on (a due callback);
    pipeline: the company and its open deals to that closer; account: the client and its open
    tasks to that account manager.  Each move is written to the history and the audit, and the
    person's screen is told at once.
    """
    from kbase_tui.models import FollowUpTask

    now = utcnow()
    with db.write() as session:
        company = _changing(session, actor, company_id, expected_version)
        person = session.get(User, user_id)
        role = _ROLE_FOR_STAGE.get(company.stage)
        if person is None or person.disabled or person.role != role:
            raise ValidationFailed(_("Choose an active person who works this stage."))
        previous = company.owner_id if company.stage != Stage.COLD else company.callback_user_id
        if previous == person.id:
            raise ValidationFailed(_("The company is already with this person."))
        old_name = _name(session.get(User, previous)) if previous else "—"
        detail: dict[str, object] = {}
        if company.stage == Stage.COLD:
            if company.category == Category.DO_NOT_CALL:
                raise ValidationFailed(_("The company is marked do-not-call; return it to the queue first."))
            if not queue_membership.belongs(company):
                # The lead is given as a callback, which only the queue offers.
                raise ValidationFailed(_("The company is out of the cold-call queue; return it to the queue first."))
            company.held_by_id = None
            company.held_until = None
            company.callback_user_id = person.id
            company.callback_at = now
            company.not_before = None
        else:
            company.owner_id = person.id
            if company.stage == Stage.PIPELINE:
                moved = 0
                for deal in session.execute(
                    select(Deal).where(Deal.company_id == company.id, Deal.status == DealStatus.OPEN)
                ).scalars():
                    deal.closer_id = person.id
                    deal.updated_at = now
                    deal.version += 1
                    moved += 1
                detail["deals_moved"] = moved
            moved_tasks = 0
            for task in session.execute(
                select(FollowUpTask).where(FollowUpTask.company_id == company.id, FollowUpTask.done_at.is_(None))
            ).scalars():
                task.assignee_id = person.id
                task.version += 1
                moved_tasks += 1
            detail["tasks_moved"] = moved_tasks
        _touch(company, now)
        write_history(
            session,
            actor,
            company.id,
            InteractionKind.DECISION,
            outcome="reassigned",
            at=now,
            text=_("{who} gave the company to {new} (was: {old}).").format(
                who=actor.label, new=_name(person), old=old_name
            ),
            params=history_labels.params_json(t="old_new", old=old_name, new=_name(person)),
        )
        audit.record(
            session,
            actor,
            "company_assigned",
            "company",
            company.id,
            old_user_id=previous,
            new_user_id=person.id,
            stage=company.stage,
            **detail,
        )
        notify.after_commit(session, notify.Notice(kind="handover", user_ids=(person.id,), company_id=company.id))
        if previous is not None and company.stage != Stage.COLD:
            # The company leaves the previous owner's board or account list (and their open card of it).
            what = "accounts" if company.stage == Stage.ACCOUNT else "board"
            notify.after_commit(
                session, notify.Notice(kind="changed", what=what, user_ids=(previous,), company_id=company.id)
            )
        return _build_card(session, company)
