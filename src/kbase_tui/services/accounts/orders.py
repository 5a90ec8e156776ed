"""Orders of active clients: the list and recording one (figures, quality task, classes)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select, update
from sqlalchemy.orm import aliased

from kbase_tui.formatting import format_amount
from kbase_tui.i18n import _
from kbase_tui.models import (
    Category,
    ClientOrder,
    FollowUpTask,
    InteractionKind,
    TaskKind,
    User,
    utcnow,
)
from kbase_tui.protocol.accounts import (
    OrderInfo,
    OrderResult,
)

from .. import audit, catalog, classify, clock, reference
from ..clients import write_history
from ..common import user_names
from ..db import Database
from ..dto import Actor
from ..errors import ValidationFailed
from ..history_labels import params_json
from ..text import clean_input
from .base import figures_of, given_or_today, require_account, show_day, touch, usual_interval


def list_orders(
    db: Database, actor: Actor, company_id: int, *, limit: int = 100, before_id: int | None = None
) -> list[OrderInfo]:
    """The company's orders, newest first, a page at a time."""
    limit = max(1, min(limit, 500))
    with db.read() as session:
        company = require_account(session, actor, company_id)
        manager = aliased(User)
        query = (
            select(ClientOrder, manager.full_name, manager.username)
            .outerjoin(manager, manager.id == ClientOrder.account_manager_id)
            .where(ClientOrder.company_id == company.id)
            .order_by(ClientOrder.ordered_at.desc(), ClientOrder.id.desc())
            .limit(limit)
        )
        if before_id is not None:
            query = query.where(ClientOrder.id < before_id)
        return [
            OrderInfo(o.id, o.company_id, o.ordered_at, o.items, Decimal(o.amount), o.margin, full or login or "")
            for o, full, login in session.execute(query).all()
        ]


def _money(value, message: str, *, allow_negative: bool = False) -> Decimal:
    return catalog.money(value, message, allow_negative=allow_negative)


def record_order(
    db: Database,
    actor: Actor,
    company_id: int,
    ordered_at: date,
    amount: Decimal,
    items: str = "",
    *,
    margin: Decimal | None = None,
    lines: list[catalog.OrderLineInput] | None = None,
    today: date | None = None,
) -> OrderResult:
    """A new order: figures, next purchase, back from lost, a quality-check task, classes.

    With *lines* (products, categories or free text: services.catalog) the amount and the margin are
    their sums, and the items their text."""
    today = given_or_today(db, today)
    if not isinstance(ordered_at, date):
        raise ValidationFailed(_("Enter the order date."))
    if ordered_at > today:
        raise ValidationFailed(_("The order date cannot be in the future."))
    lines = catalog.prepare_lines(lines)
    if lines:
        amount = sum((line.amount for line in lines), Decimal("0"))
        margins = [line.margin for line in lines if line.margin is not None]
        margin = sum(margins, Decimal("0")) if margins else None
    amount = _money(amount, _("Enter the order amount."))
    if amount <= 0:
        raise ValidationFailed(_("Enter the order amount."))
    margin = None if margin in (None, "") else _money(margin, _("The margin is not valid."), allow_negative=True)
    items = clean_input(items, 2000)
    with db.write() as session:
        company = require_account(session, actor, company_id, for_update=True)
        if lines and not items:
            items = clean_input(catalog.lines_text(session, lines), 2000)
        order = ClientOrder(
            company_id=company.id,
            ordered_at=ordered_at,
            items=items,
            amount=amount,
            margin=margin,
            account_manager_id=company.owner_id,
            created_by_id=actor.id,
        )
        session.add(order)
        session.flush()
        catalog.write_lines(session, order, lines)
        company.orders_count += 1
        company.revenue_total = Decimal(company.revenue_total or 0) + amount
        if margin is not None:
            company.margin_total = Decimal(company.margin_total or 0) + margin
        company.first_order_at = min(filter(None, (company.first_order_at, ordered_at)))
        company.last_order_at = max(filter(None, (company.last_order_at, ordered_at)))
        stated_still_ahead = (
            company.next_purchase_is_stated
            and company.next_purchase_at is not None
            and company.next_purchase_at > company.last_order_at
        )
        if not stated_still_ahead:
            interval = usual_interval(company)
            company.next_purchase_at = company.last_order_at + timedelta(days=interval) if interval else None
            company.next_purchase_is_stated = False
        returned = company.category == Category.LOST
        company.category = Category.ACTIVE
        touch(company)
        days = int(reference.get_setting(session, "accounts.quality_check_days"))
        task = FollowUpTask(
            company_id=company.id,
            assignee_id=company.owner_id,
            kind=TaskKind.QUALITY_CHECK,
            due_at=clock.at_hour(session, today + timedelta(days=days)),
            order_id=order.id,
            created_by_id=actor.id,
            text=_("Quality check: was the client satisfied with the order of {date}?").format(
                date=show_day(ordered_at)
            ),
        )
        session.add(task)
        text = _("Order of {date}: {amount}").format(date=show_day(ordered_at), amount=format_amount(amount))
        if margin is not None:
            text += " " + _("(margin {margin})").format(margin=format_amount(margin))
        if items:
            text += f"\n{items}"
        write_history(
            session,
            actor,
            company.id,
            InteractionKind.ORDER,
            outcome="order",
            text=text,
            params=params_json(t="order", date=ordered_at, amount=amount, margin=margin, items=items or None),
        )
        if returned:
            closed = session.execute(
                update(FollowUpTask)
                .where(
                    FollowUpTask.company_id == company.id,
                    FollowUpTask.kind == TaskKind.RETURN,
                    FollowUpTask.done_at.is_(None),
                )
                .values(done_at=utcnow(), result=_("Returned: new order"), version=FollowUpTask.version + 1)
            ).rowcount
            write_history(
                session,
                actor,
                company.id,
                InteractionKind.SYSTEM,
                outcome="returned",
                text=_("A new order brought the client back to active ({n} return task(s) closed).").format(n=closed),
                params=params_json(t="back_to_active", n=closed),
            )
        session.flush()
        audit.record(
            session,
            actor,
            "order_recorded",
            "client_order",
            order.id,
            company_id=company.id,
            amount=str(amount),
            margin=str(margin) if margin is not None else None,
            returned=returned,
            quality_task_id=task.id,
        )
        classify.reclassify_channel(session, company.channel)
        classify.reclassify_keys(session)
        session.flush()
        session.refresh(company)
        names = user_names(session, [order.account_manager_id])
        info = OrderInfo(
            order.id,
            company.id,
            order.ordered_at,
            order.items,
            order.amount,
            order.margin,
            names.get(order.account_manager_id, ""),
        )
        return OrderResult(
            order=info, figures=figures_of(session, company), quality_task_id=task.id, returned_from_lost=returned
        )
