"""Reports for the head of sales: plain data for the reports screen and `kbase report NAME`.

Every report is `reports.<name>(db, actor, date_from, date_to) -> Report` (dates inclusive,
local days) and aggregates in SQL (GROUP BY over indexed columns), so a week of millions of
interactions is counted by the database, never loaded into Python.

Where the figures come from:
- calls: history entries of kind `call` (their `outcome` is a call-outcome code whose flags say
  whether a contact was made, a refusal or a hand-over);
- hand-overs: deals created (`Deal.created_at`, the caller in `handed_over_by_id`);
- won: deals with status won, by `closed_at` (the first contract);
- refusals: `Refusal` rows by `refused_at`;
- revenue and orders: `ClientOrder` by `ordered_at`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from kbase_tui.formatting import format_day_month, format_fraction
from kbase_tui.i18n import _
from kbase_tui.models import (
    CallOutcome,
    Category,
    ClientOrder,
    Company,
    Deal,
    DealStatus,
    FollowUpTask,
    Interaction,
    InteractionKind,
    Reason,
    Refusal,
    Role,
    Target,
    User,
    utcnow,
)
from kbase_tui.protocol.reports import (  # noqa: F401 (the data and names this module hands out)
    METRICS,
    PERIODS,
    Chart,
    Report,
    default_period,
    metric_label,
    period_label,
    report_titles,
)

from . import clock
from .common import user_names
from .db import Database
from .dto import Actor
from .policy import Capability, require, require_active_user
from .views import audited_view


def _guard(session: Session, actor: Actor) -> None:
    require_active_user(session, actor)
    require(actor, Capability.REPORTS)


def _share(part: float, whole: float) -> float:
    return round(100.0 * part / whole, 1) if whole else 0.0


def _outcome_codes(session: Session, flag: str) -> list[str]:
    return list(session.execute(select(CallOutcome.code).where(getattr(CallOutcome, flag).is_(True))).scalars())


def _cold_call():
    """An interaction that is a call of the cold-call queue: kind call with one of the queue's outcomes (retired
    ones too).  A closer's or account manager's call written into a company's history is kind call with the
    result in words: counted as an operator's call, it put the closer among the cold-call operators."""
    return and_(Interaction.kind == InteractionKind.CALL, Interaction.outcome.in_(select(CallOutcome.code)))


# --- funnel ------------------------------------------------------------------------------


def funnel(db: Database, actor: Actor, date_from: date, date_to: date) -> Report:
    """Calls → contacts → hand-overs → first contracts in the period, each with its conversion,
    and the same figures week by week."""
    start, end = clock.day_bounds(db, date_from, date_to)
    with db.read() as session:
        _guard(session, actor)
        contact_codes = _outcome_codes(session, "contact_made")

        def counts(a: datetime, b: datetime) -> tuple[int, int, int, int]:
            calls, contacts = session.execute(
                select(
                    func.count(), func.coalesce(func.sum(case((Interaction.outcome.in_(contact_codes), 1), else_=0)), 0)
                ).where(_cold_call(), Interaction.at >= a, Interaction.at < b)
            ).one()
            handovers = session.execute(
                select(func.count()).select_from(Deal).where(Deal.created_at >= a, Deal.created_at < b)
            ).scalar_one()
            won = session.execute(
                select(func.count())
                .select_from(Deal)
                .where(Deal.status == DealStatus.WON, Deal.closed_at >= a, Deal.closed_at < b)
            ).scalar_one()
            return int(calls), int(contacts), int(handovers), int(won)

        calls, contacts, handovers, won = counts(start, end)
        stages = [
            (_("Calls"), calls),
            (_("Contacts made"), contacts),
            (_("Hand-overs to closers"), handovers),
            (_("First contracts"), won),
        ]
        rows = []
        previous = None
        for label, value in stages:
            rows.append(
                (
                    label,
                    value,
                    _share(value, previous) if previous is not None else None,
                    _share(value, calls) if calls else 0.0,
                )
            )
            previous = value
        weekly: list[tuple[str, tuple[int, int, int, int]]] = []
        monday = date_from - timedelta(days=date_from.weekday())
        # Weeks that have not begun are left out: drawn, they would read as weeks of zero hand-overs.
        last_day = min(date_to, clock.today(session))
        while monday <= last_day and len(weekly) < 60:
            a, b = clock.day_bounds(session, max(monday, date_from), min(monday + timedelta(days=6), last_day))
            weekly.append((format_day_month(monday), counts(a, b)))
            monday += timedelta(days=7)
    charts = [
        Chart(
            "bar",
            _("Funnel"),
            tuple(s[0] for s in stages),
            tuple(float(s[1]) for s in stages),
            empty=_("No calls, contacts, hand-overs or contracts in this period."),
        )
    ]
    if len(weekly) > 1:
        charts.append(
            Chart(
                "line",
                _("Hand-overs per week"),
                tuple(w[0] for w in weekly),
                tuple(float(w[1][2]) for w in weekly),
                x_label=_("week"),
                empty=_("No hand-overs to closers in these weeks."),
            )
        )
    return Report(
        "funnel",
        _("Sales funnel"),
        date_from,
        date_to,
        (_("Stage"), _("Count"), _("From previous, %"), _("From calls, %")),
        tuple(rows),
        tuple(charts),
    )


# --- operators --------------------------------------------------------------------------


def _hour_bucket(db: Database, column):
    if db.is_postgresql:
        return func.date_trunc("hour", column)
    # SQLite keeps UTC times as 'YYYY-MM-DD HH:MM:SS…': the first 13 characters are the hour, the same as
    # strftime('%Y-%m-%d %H') gives, without parsing a date per row (half the operators report's time).
    return func.substr(column, 1, 13)


def operators(db: Database, actor: Actor, date_from: date, date_to: date) -> Report:
    """Per cold-call operator: calls, contacts, hand-overs, refusals, conversion and calls per working hour
    (hours with at least one call)."""
    start, end = clock.day_bounds(db, date_from, date_to)
    with db.read() as session:
        _guard(session, actor)
        contact_codes = _outcome_codes(session, "contact_made")
        refusal_codes = _outcome_codes(session, "is_refusal")
        per_user = session.execute(
            select(
                Interaction.user_id,
                func.count(),
                func.coalesce(func.sum(case((Interaction.outcome.in_(contact_codes), 1), else_=0)), 0),
                func.coalesce(func.sum(case((Interaction.outcome.in_(refusal_codes), 1), else_=0)), 0),
                func.count(func.distinct(_hour_bucket(db, Interaction.at))),
            )
            .where(
                _cold_call(),
                Interaction.at >= start,
                Interaction.at < end,
                Interaction.user_id.is_not(None),
            )
            .group_by(Interaction.user_id)
        ).all()
        handovers: dict[int, int] = dict(
            session.execute(
                select(Deal.handed_over_by_id, func.count())
                .where(Deal.created_at >= start, Deal.created_at < end, Deal.handed_over_by_id.is_not(None))
                .group_by(Deal.handed_over_by_id)
            ).all()
        )
        callers: dict[int, str] = dict(
            session.execute(select(User.id, User.role).where(User.role == Role.CALLER)).all()
        )
        ids = set(callers) | {r[0] for r in per_user} | set(handovers)
        names = user_names(session, ids)
    stats = {uid: (int(c), int(ct), int(rf), int(h)) for uid, c, ct, rf, h in per_user}
    rows = []
    for uid in sorted(ids, key=lambda i: names.get(i, "")):
        calls, contacts, refused, hours = stats.get(uid, (0, 0, 0, 0))
        handed = int(handovers.get(uid, 0))
        if uid not in callers and not calls and not handed:
            continue
        rows.append(
            (
                names.get(uid, str(uid)),
                calls,
                contacts,
                handed,
                refused,
                _share(handed, calls),
                round(calls / hours, 1) if hours else 0.0,
            )
        )
    chart = Chart(
        "bar",
        _("Calls per operator"),
        tuple(r[0] for r in rows),
        tuple(float(r[1]) for r in rows),
        empty=_("No cold-call operator made a call in this period."),
    )
    return Report(
        "operators",
        _("Cold-call operators"),
        date_from,
        date_to,
        (
            _("Operator"),
            _("Calls"),
            _("Contacts"),
            _("Hand-overs"),
            _("Refusals"),
            _("Conversion, %"),
            _("Calls per hour"),
        ),
        tuple(rows),
        (chart,),
    )


# --- refusal reasons -------------------------------------------------------------------------


def refusal_reasons(db: Database, actor: Actor, date_from: date, date_to: date) -> Report:
    start, end = clock.day_bounds(db, date_from, date_to)
    with db.read() as session:
        _guard(session, actor)
        from .reference import label

        labels = {r.code: label(r) for r in session.execute(select(Reason).where(Reason.kind == "refusal")).scalars()}
        counts = session.execute(
            select(Refusal.reason_code, func.count())
            .where(Refusal.refused_at >= start, Refusal.refused_at < end)
            .group_by(Refusal.reason_code)
            .order_by(func.count().desc(), Refusal.reason_code)
        ).all()
    total = sum(n for _c, n in counts)
    rows = tuple((labels.get(code, code), int(n), _share(n, total)) for code, n in counts)
    chart = Chart(
        "bar",
        _("Refusal reasons"),
        tuple(r[0] for r in rows),
        tuple(float(r[1]) for r in rows),
        empty=_("No refusals were recorded in this period."),
    )
    return Report(
        "refusal_reasons",
        _("Refusal reasons"),
        date_from,
        date_to,
        (_("Reason"), _("Refusals"), _("Share, %")),
        rows,
        (chart,),
        (_("Total: {n}").format(n=total),),
    )


# --- clients by industry and channel ----------------------------------------------------------


def clients_by_segment(db: Database, actor: Actor, date_from: date, date_to: date) -> Report:
    """Active clients (АКБ) by industry and by channel, with shares (a snapshot: the dates are ignored)."""
    with db.read() as session:
        _guard(session, actor)
        rows = []
        charts = []
        for dimension, column, title in (
            (_("Industry"), Company.industry, _("Clients by industry")),
            (_("Channel"), Company.channel, _("Clients by channel")),
        ):
            counts = session.execute(
                select(column, func.count(), func.coalesce(func.sum(Company.revenue_total), 0))
                .where(Company.category == Category.ACTIVE)
                .group_by(column)
                .order_by(func.count().desc(), column)
            ).all()
            total = sum(n for _v, n, _r in counts)
            part = [
                (dimension, value or _("(not set)"), int(n), _share(n, total), Decimal(revenue))
                for value, n, revenue in counts
            ]
            rows.extend(part)
            charts.append(
                Chart(
                    "bar",
                    title,
                    tuple(p[1] for p in part),
                    tuple(p[3] for p in part),
                    y_label="%",
                    unit="percent",
                    empty=_("There are no active clients in the base yet (this report is a snapshot, not a period)."),
                )
            )
    return Report(
        "clients",
        _("Active clients by industry and channel"),
        date_from,
        date_to,
        (_("By"), _("Segment"), _("Clients"), _("Share, %"), _("Revenue")),
        tuple(rows),
        tuple(charts),
    )


# --- ABCDE and Pareto -----------------------------------------------------------------------------


def abcde(db: Database, actor: Actor, date_from: date, date_to: date) -> Report:
    """Clients by ABCDE class with their revenue, and the Pareto curve (share of revenue from the top
    share of clients); a snapshot of the base."""
    with db.read() as session:
        _guard(session, actor)
        counts = session.execute(
            select(Company.abcde_class, func.count(), func.coalesce(func.sum(Company.revenue_total), 0))
            .where(Company.category.in_([Category.ACTIVE, Category.LOST]))
            .group_by(Company.abcde_class)
            .order_by(Company.abcde_class)
        ).all()
        revenues = [
            Decimal(v)
            for v in session.execute(
                select(Company.revenue_total)
                .where(Company.category.in_([Category.ACTIVE, Category.LOST]), Company.revenue_total > 0)
                .order_by(Company.revenue_total.desc())
            ).scalars()
        ]
    total_clients = sum(n for _c, n, _r in counts)
    total_revenue = sum((Decimal(r) for _c, _n, r in counts), Decimal(0))
    by_class = {c or "": (int(n), Decimal(r)) for c, n, r in counts}
    rows = []
    for cls in ("A", "B", "C", "D", "E", ""):
        if cls not in by_class:
            continue
        n, revenue = by_class[cls]
        rows.append(
            (cls or _("(not set)"), n, _share(n, total_clients), revenue, _share(float(revenue), float(total_revenue)))
        )
    # Pareto: cumulative share of revenue at each 10% of the paying clients.
    # The curve starts at the origin (no clients, no revenue), so its axis runs from zero.
    points_x: list[str] = ["0%"]
    points_y: list[float] = [0.0]
    notes = []
    if revenues:
        whole = float(sum(revenues))
        running = 0.0
        cumulative = []
        for value in revenues:
            running += float(value)
            cumulative.append(running)
        for step in range(1, 11):
            k = max(1, round(len(revenues) * step / 10))
            points_x.append(f"{step * 10}%")
            points_y.append(round(100 * cumulative[k - 1] / whole, 1))
        top = max(1, round(len(revenues) * 0.2))
        notes.append(
            _("The top 20% of paying clients ({n}) bring {share}% of revenue.").format(
                n=top, share=format_fraction(round(100 * cumulative[top - 1] / whole, 1))
            )
        )
    charts = (
        Chart(
            "bar",
            _("Clients by class"),
            tuple(r[0] for r in rows),
            tuple(float(r[1]) for r in rows),
            empty=_("There are no active or lost clients yet (this report is a snapshot, not a period)."),
        ),
        Chart(
            "line",
            _("Pareto curve: revenue share by client share"),
            tuple(points_x) if revenues else (),
            tuple(points_y) if revenues else (),
            x_label=_("clients"),
            y_label=_("revenue, %"),
            unit="percent",
            empty=_("No client has revenue yet, so there is no curve."),
        ),
    )
    return Report(
        "abcde",
        _("ABCDE classes and Pareto"),
        date_from,
        date_to,
        (_("Class"), _("Clients"), _("Share, %"), _("Revenue"), _("Revenue share, %")),
        tuple(rows),
        charts,
        tuple(notes),
    )


# --- targets against actuals ---------------------------------------------------------------------


def actual(session: Session, user_id: int, metric: str, first: date, last: date) -> Decimal:
    """What *user_id* achieved on *metric* from *first* to *last* (inclusive)."""
    start, end = clock.day_bounds(session, first, last)
    if metric in ("calls", "refusals"):
        query = (
            select(func.count())
            .select_from(Interaction)
            .where(
                Interaction.user_id == user_id,
                Interaction.kind == InteractionKind.CALL,
                Interaction.at >= start,
                Interaction.at < end,
            )
        )
        if metric == "refusals":
            query = query.where(Interaction.outcome.in_(_outcome_codes(session, "is_refusal")))
        return Decimal(session.execute(query).scalar_one())
    if metric == "handovers":
        return Decimal(
            session.execute(
                select(func.count())
                .select_from(Deal)
                .where(Deal.handed_over_by_id == user_id, Deal.created_at >= start, Deal.created_at < end)
            ).scalar_one()
        )
    if metric == "deals_won":
        return Decimal(
            session.execute(
                select(func.count())
                .select_from(Deal)
                .where(
                    Deal.closer_id == user_id,
                    Deal.status == DealStatus.WON,
                    Deal.closed_at >= start,
                    Deal.closed_at < end,
                )
            ).scalar_one()
        )
    if metric in ("revenue", "orders"):
        aggregate = func.coalesce(func.sum(ClientOrder.amount), 0) if metric == "revenue" else func.count()
        return Decimal(
            session.execute(
                select(aggregate)
                .select_from(ClientOrder)
                .where(
                    ClientOrder.account_manager_id == user_id,
                    ClientOrder.ordered_at >= first,
                    ClientOrder.ordered_at <= last,
                )
            ).scalar_one()
        )
    raise ValueError(metric)


def targets(db: Database, actor: Actor, date_from: date, date_to: date) -> Report:
    """Every target starting in the period against what was achieved in the target's own period."""
    with db.read() as session:
        _guard(session, actor)
        rows_db = (
            session.execute(
                select(Target)
                .where(Target.starts_on >= date_from, Target.starts_on <= date_to)
                .order_by(Target.starts_on, Target.user_id, Target.metric)
            )
            .scalars()
            .all()
        )
        names = user_names(session, {t.user_id for t in rows_db})
        today = clock.today(session)
        rows = []
        started = []
        for t in rows_db:
            last = clock.period_end(t.starts_on, t.period)
            done = actual(session, t.user_id, t.metric, t.starts_on, last)
            rows.append(
                (
                    names.get(t.user_id, str(t.user_id)),
                    metric_label(t.metric),
                    period_label(t.period),
                    t.starts_on,
                    Decimal(t.value),
                    done,
                    _share(float(done), float(t.value)),
                )
            )
            started.append(t.starts_on <= today)
    # One bar per target that has begun (one not begun yet would be drawn as a zero), labelled so that several
    # targets of one person differ: the metric always, the period and first day where the same metric repeats.
    drawn = [r for r, begun in zip(rows, started, strict=True) if begun]
    labels = [f"{r[0]} · {r[1]}" for r in drawn]
    labels = [
        f"{label} · {r[2]} {format_day_month(r[3])}" if labels.count(label) > 1 else label
        for label, r in zip(labels, drawn, strict=True)
    ]
    chart = Chart(
        "bar",
        _("Targets met, %"),
        tuple(labels),
        tuple(r[6] for r in drawn),
        y_label="%",
        unit="percent",
        empty=_("Nothing achieved yet on the targets of this period.")
        if drawn
        else _("No target has begun in this period: targets are set with the desk's key g.")
        if rows
        else _("No targets start in this period: they are set with the desk's key g."),
    )
    return Report(
        "targets",
        _("Targets against actuals"),
        date_from,
        date_to,
        (_("User"), _("Metric"), _("Period"), _("From"), _("Target"), _("Actual"), _("Done, %")),
        tuple(rows),
        (chart,),
    )


# --- lost clients and the return plan ---------------------------------------------------------------


def lost(db: Database, actor: Actor, date_from: date, date_to: date) -> Report:
    """Lost clients now, and the return plan: return tasks planned, done in the period, open, overdue,
    and clients returned to active in the period."""
    start, end = clock.day_bounds(db, date_from, date_to)
    now = utcnow()
    with db.read() as session:
        _guard(session, actor)
        lost_now = session.execute(
            select(func.count()).select_from(Company).where(Company.category == Category.LOST)
        ).scalar_one()
        lost_revenue = session.execute(
            select(func.coalesce(func.sum(Company.revenue_total), 0)).where(Company.category == Category.LOST)
        ).scalar_one()
        task = FollowUpTask
        is_return = task.kind == "return"
        open_tasks = session.execute(
            select(func.count()).select_from(task).where(is_return, task.done_at.is_(None))
        ).scalar_one()
        overdue = session.execute(
            select(func.count()).select_from(task).where(is_return, task.done_at.is_(None), task.due_at < now)
        ).scalar_one()
        done = session.execute(
            select(func.count()).select_from(task).where(is_return, task.done_at >= start, task.done_at < end)
        ).scalar_one()
        planned = session.execute(
            select(func.count()).select_from(task).where(is_return, task.created_at >= start, task.created_at < end)
        ).scalar_one()
        # Every kind listed, so that the period is read through ix_interaction_kind_at (kind, at, …, outcome)
        # instead of a scan of the whole history.
        returned = session.execute(
            select(func.count(func.distinct(Interaction.company_id))).where(
                Interaction.kind.in_([kind.value for kind in InteractionKind]),
                Interaction.outcome == "returned",
                Interaction.at >= start,
                Interaction.at < end,
            )
        ).scalar_one()
    rows = (
        (_("Lost clients now"), int(lost_now)),
        (_("Their revenue to date"), Decimal(lost_revenue)),
        (_("Return tasks planned in the period"), int(planned)),
        (_("Return tasks done in the period"), int(done)),
        (_("Return tasks open"), int(open_tasks)),
        (_("Return tasks overdue"), int(overdue)),
        (_("Clients returned in the period"), int(returned)),
    )
    progress = _share(done, done + open_tasks)
    chart = Chart(
        "bar",
        _("Return plan"),
        (_("done"), _("open"), _("overdue")),
        (float(done), float(open_tasks), float(overdue)),
        empty=_("No return tasks: none done in this period and none open."),
    )
    return Report(
        "lost",
        _("Lost clients and the return plan"),
        date_from,
        date_to,
        (_("Figure"), _("Value")),
        rows,
        (chart,),
        (_("Return plan progress: {share}% of tasks done").format(share=progress),),
    )


REPORTS: dict[str, Callable[[Database, Actor, date, date], Report]] = {
    "funnel": funnel,
    "operators": operators,
    "refusals": refusal_reasons,
    "clients": clients_by_segment,
    "abcde": abcde,
    "targets": targets,
    "lost": lost,
}


@audited_view("report")
def run(db: Database, actor: Actor, name: str, date_from: date | None = None, date_to: date | None = None) -> Report:
    """The report *name* (a key of REPORTS) for the days given, inclusive; this week by default."""
    if name not in REPORTS:
        from .errors import ValidationFailed

        raise ValidationFailed(_("Unknown report: {name}").format(name=name))
    first, last = default_period()
    report = REPORTS[name](db, actor, date_from or first, date_to or last)
    # Every report carries the audit log's head: a copy outside the server that
    # `kbase audit verify --expect-head` later checks the log against.
    from dataclasses import replace

    from .audit import head_line

    return replace(
        report,
        notes=(
            *report.notes,
            _("Audit log head (keep for kbase audit verify --expect-head): {head}").format(head=head_line(db)),
        ),
    )
