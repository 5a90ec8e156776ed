"""The account manager's follow-up list and the scripted follow-up call."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from kbase_tui.formatting import format_day_month
from kbase_tui.i18n import _, current_language
from kbase_tui.models import (
    CallScript,
    Company,
    Contact,
    FollowUpTask,
    InteractionKind,
    Stage,
    TaskKind,
)
from kbase_tui.protocol.accounts import (
    AccountFigures,
    AccountPage,
    AccountRow,
    ScriptInfo,
    follow_up_results,
)

from .. import audit, classify, clock, reference
from ..clients import write_history
from ..common import user_names
from ..db import Database
from ..dto import Actor
from ..errors import ValidationFailed
from ..history_labels import params_json
from ..policy import Capability, company_visibility, owned_by, require, require_active_user
from ..text import clean_input
from ..views import audited_view
from .base import (
    LISTED_CATEGORIES,
    MARK_DAYS,
    days_until,
    figures_of,
    given_or_today,
    in_days,
    require_account,
    show_day,
    touch,
    upcoming_holiday,
)
from .lost import lost_candidates, move_to_lost

# --- the follow-up list -------------------------------------------------------------------


def due_clause(tomorrow_start: datetime):
    return and_(Company.next_follow_up_at.is_not(None), Company.next_follow_up_at < tomorrow_start)


def _marks(session: Session, company_ids: list[int], today: date) -> dict[int, tuple[str, str]]:
    """Birthdays of contact persons within a week, per company: (kind, text)."""
    if not company_ids:
        return {}
    rows = session.execute(
        select(Contact.company_id, Contact.full_name, Contact.birthday)
        .where(Contact.company_id.in_(company_ids), Contact.birthday.is_not(None))
        .order_by(Contact.id)
    ).all()
    found: dict[int, tuple[int, str]] = {}
    for company_id, name, birthday in rows:
        n = days_until(birthday.month, birthday.day, today)
        if n <= MARK_DAYS and (company_id not in found or n < found[company_id][0]):
            text = _("Birthday: {name}, {date} ({when})").format(
                name=name, date=format_day_month(birthday), when=in_days(n)
            )
            found[company_id] = (n, text)
    return {cid: ("birthday", text) for cid, (_n, text) in found.items()}


def account_rows(
    session: Session, companies, today: date, tomorrow_start: datetime, *, with_owner: bool = False
) -> tuple[AccountRow, ...]:
    companies = list(companies)
    marks = _marks(session, [c.id for c in companies], today)
    holiday = upcoming_holiday(today)
    holiday_mark = (
        ("holiday", _("Holiday: {name} ({when})").format(name=holiday[0], when=in_days(holiday[1])))
        if holiday
        else ("", "")
    )
    owners = user_names(session, [c.owner_id for c in companies]) if with_owner else {}
    today_start = clock.day_start(session, today)
    rows = []
    for c in companies:
        due = c.next_follow_up_at is not None and c.next_follow_up_at < tomorrow_start
        mark, mark_text = marks.get(c.id, holiday_mark)
        rows.append(
            AccountRow(
                company_id=c.id,
                name=c.name,
                city=c.city,
                channel=c.channel,
                abcde_class=c.abcde_class,
                is_key_client=c.is_key_client,
                category=c.category,
                orders_count=c.orders_count,
                last_order_at=c.last_order_at,
                revenue_total=Decimal(c.revenue_total or 0),
                next_purchase_at=c.next_purchase_at,
                next_purchase_is_stated=c.next_purchase_is_stated,
                next_follow_up_at=c.next_follow_up_at,
                follow_up_due=due,
                follow_up_overdue=due and c.next_follow_up_at < today_start,
                mark=mark,
                mark_text=mark_text,
                owner_id=c.owner_id,
                owner_name=owners.get(c.owner_id, ""),
            )
        )
    return tuple(rows)


def list_order(tomorrow_start: datetime):
    due = case((due_clause(tomorrow_start), 0), else_=1)
    return (
        due,
        case((due_clause(tomorrow_start), Company.next_follow_up_at), else_=None),
        Company.next_purchase_at.is_(None),
        Company.next_purchase_at,
        Company.next_follow_up_at.is_(None),
        Company.next_follow_up_at,
        Company.id,
    )


@audited_view("follow_up_list")
def follow_up_list(
    db: Database, actor: Actor, *, offset: int = 0, limit: int = 100, today: date | None = None
) -> AccountPage:
    """The signed-in account manager's own clients, a page at a time, in the order of what is due.

    Due (today or overdue) follow-ups first, oldest first; then by the next purchase date, soonest
    first (clients with none last).  On the first page the lost check runs first (one cheap query;
    a write only when someone is to be moved).
    """
    today = given_or_today(db, today)
    limit = max(1, min(limit, 500))
    moved = 0
    if offset == 0:
        with db.read() as session:
            require_active_user(session, actor)
            require(actor, Capability.WORK_ACCOUNTS)
            candidates = lost_candidates(session, today, owner_id=actor.id)
        if candidates:
            with db.write() as session:
                moved = move_to_lost(session, actor, today, owner_id=actor.id)
    tomorrow_start = clock.day_start(db, today + timedelta(days=1))
    with db.read() as session:
        require_active_user(session, actor)
        require(actor, Capability.WORK_ACCOUNTS)
        conditions = (
            company_visibility(actor),
            Company.stage == Stage.ACCOUNT,
            owned_by(actor, Company.owner_id),
            Company.category.in_(LISTED_CATEGORIES),
        )
        total, due = session.execute(
            select(func.count(Company.id), func.count(Company.id).filter(due_clause(tomorrow_start))).where(*conditions)
        ).one()
        companies = (
            session.execute(
                select(Company).where(*conditions).order_by(*list_order(tomorrow_start)).offset(offset).limit(limit)
            )
            .scalars()
            .all()
        )
        open_tasks: dict[str, int] = dict(
            session.execute(
                select(FollowUpTask.kind, func.count(FollowUpTask.id))
                .where(
                    owned_by(actor, FollowUpTask.assignee_id),
                    FollowUpTask.done_at.is_(None),
                    FollowUpTask.kind.in_((TaskKind.QUALITY_CHECK, TaskKind.RETURN)),
                )
                .group_by(FollowUpTask.kind)
            ).all()
        )
        holiday = upcoming_holiday(today)
        return AccountPage(
            rows=account_rows(session, companies, today, tomorrow_start),
            total=int(total),
            offset=offset,
            today=today,
            due=int(due or 0),
            holiday=_("{name} {when}").format(name=holiday[0], when=in_days(holiday[1])) if holiday else "",
            moved_to_lost=moved,
            open_quality_checks=int(open_tasks.get(TaskKind.QUALITY_CHECK, 0)),
            open_returns=int(open_tasks.get(TaskKind.RETURN, 0)),
        )


# --- follow-up calls --------------------------------------------------------------------------


def _script_row(session: Session, purpose: str, language: str, channel: str, industry: str) -> CallScript | None:
    rows = (
        session.execute(
            select(CallScript).where(CallScript.purpose == purpose, CallScript.language.in_((language, "en")))
        )
        .scalars()
        .all()
    )

    def rank(row: CallScript) -> tuple[int, int]:
        if row.industry and row.industry != industry:
            return (-1, 0)
        if row.channel and row.channel != channel:
            return (-1, 0)
        specific = 2 if row.industry else (1 if row.channel else 0)
        return (specific, 1 if row.language == language else 0)

    ranked = sorted(((rank(r), -r.id, r) for r in rows), key=lambda t: (t[0], t[1]), reverse=True)
    return ranked[0][2] if ranked and ranked[0][0][0] >= 0 else None


def follow_up_script(db: Database, actor: Actor, company_id: int) -> ScriptInfo:
    """The follow-up script for the company's segment (industry over channel over default)."""
    with db.read() as session:
        company = require_account(session, actor, company_id)
        row = _script_row(session, "follow_up", current_language(), company.channel, company.industry)
        if row is None:
            return ScriptInfo("", "")
        return ScriptInfo(
            row.template_phrase.replace("{operator}", actor.label), row.key_question.replace("{operator}", actor.label)
        )


def record_follow_up(
    db: Database,
    actor: Actor,
    company_id: int,
    result: str,
    notes: str = "",
    *,
    next_purchase_at: date | None = None,
    next_follow_up_at: date | None = None,
    today: date | None = None,
) -> AccountFigures:
    """A follow-up call: result, the purchase date the client named, the next follow-up, notes."""
    today = given_or_today(db, today)
    results = follow_up_results()
    if result not in results:
        raise ValidationFailed(_("Choose the result of the call."))
    notes = clean_input(notes, 10_000)
    if next_purchase_at is not None and next_purchase_at < today:
        raise ValidationFailed(_("The next purchase date is in the past."))
    if next_follow_up_at is not None and next_follow_up_at < today:
        raise ValidationFailed(_("The next follow-up date is in the past."))
    with db.write() as session:
        company = require_account(session, actor, company_id, for_update=True)
        if next_follow_up_at is None:
            days = (
                1
                if result in ("callback", "no_answer")
                else int(reference.get_setting(session, "accounts.default_follow_up_days"))
            )
            next_follow_up_at = today + timedelta(days=days)
        lines = [results[result]]
        if notes:
            lines.append(notes)
        if next_purchase_at is not None:
            company.next_purchase_at = next_purchase_at
            company.next_purchase_is_stated = True
            lines.append(_("Next purchase (client's word): {date}").format(date=show_day(next_purchase_at)))
        company.next_follow_up_at = clock.at_hour(session, next_follow_up_at)
        lines.append(_("Next follow-up: {date}").format(date=show_day(next_follow_up_at)))
        touch(company)
        write_history(
            session,
            actor,
            company.id,
            InteractionKind.FOLLOW_UP,
            outcome=result,
            text="\n".join(lines),
            params=params_json(
                t="follow_up",
                notes=notes or None,
                next_purchase=next_purchase_at,
                next_follow_up=next_follow_up_at,
            ),
        )
        session.flush()
        audit.record(
            session,
            actor,
            "follow_up_recorded",
            "company",
            company.id,
            result=result,
            next_purchase_at=next_purchase_at,
            next_follow_up_at=next_follow_up_at,
        )
        return figures_of(session, company)


def update_requirements(db: Database, actor: Actor, company_id: int, text: str) -> AccountFigures:
    """The client's requirements (what they buy, terms, wishes), kept on the company."""
    text = clean_input(text, 10_000)
    with db.write() as session:
        company = require_account(session, actor, company_id, for_update=True)
        if company.requirements == text:
            return figures_of(session, company)
        company.requirements = text
        touch(company)
        write_history(
            session,
            actor,
            company.id,
            InteractionKind.NOTE,
            outcome="requirements",
            text=_("Requirements: {text}").format(text=text or "—"),
            params=params_json(t="requirements", text=text),
        )
        session.flush()
        audit.record(session, actor, "requirements_changed", "company", company.id)
        return figures_of(session, company)


def set_potential(db: Database, actor: Actor, company_id: int, score: int) -> AccountFigures:
    """The client's potential 0-100 (account manager or supervisor); the channel is reclassified."""
    try:
        score = int(score)
    except (TypeError, ValueError):
        raise ValidationFailed(_("The potential is a number from 0 to 100.")) from None
    if not 0 <= score <= 100:
        raise ValidationFailed(_("The potential is a number from 0 to 100."))
    with db.write() as session:
        company = require_account(session, actor, company_id, for_update=True)
        old = company.potential_score
        if old != score:
            company.potential_score = score
            touch(company)
            write_history(
                session,
                actor,
                company.id,
                InteractionKind.NOTE,
                outcome="potential",
                text=_("Potential: {old} → {new}").format(old=old, new=score),
                params=params_json(t="old_new", old=old, new=score),
            )
            session.flush()
            audit.record(session, actor, "potential_changed", "company", company.id, old=old, new=score)
            classify.reclassify_channel(session, company.channel)
            session.flush()
            session.refresh(company)
        return figures_of(session, company)
