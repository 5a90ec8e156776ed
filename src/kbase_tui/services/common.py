"""Guards and look-ups every feature needs, written once.

`require_supervisor` is the check for the head of sales' own views and changes; `require_configurer`
for the rules kept as data (outcomes, reasons, scripts); `user_names` puts user ids in names for lists.
The rules behind them (who holds which capability) are in policy.py.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from kbase_tui.models import EPOCH, Category, Stage, User

from .dto import Actor
from .policy import Capability, require, require_active_user


def require_supervisor(session: Session, actor: Actor) -> None:
    """An active user with the supervisor's capability."""
    require_active_user(session, actor)
    require(actor, Capability.SUPERVISE)


def require_configurer(session: Session, actor: Actor) -> None:
    """An active user who may change outcomes, reasons and scripts."""
    require_active_user(session, actor)
    require(actor, Capability.EDIT_SCRIPTS)


def user_names(session: Session, ids: Iterable[int | None]) -> dict[int, str]:
    """User id -> full name (the login where no name is given), for the ids given (None skipped)."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = session.execute(select(User.id, User.full_name, User.username).where(User.id.in_(wanted))).all()
    return {uid: full or login for uid, full, login in rows}


def cold_company_columns(now: datetime) -> dict[str, object]:
    """The columns of a company entering the base cold, untouched, for the bulk inserts that bypass the ORM's
    defaults (the importer, the demo data): one list, so that a new column is not forgotten in one of them."""
    return {
        "abcde_class": "",
        "is_key_client": False,
        "potential_score": 0,
        "category": Category.POTENTIAL.value,
        "stage": Stage.COLD.value,
        "owner_id": None,
        "shelved_until": None,
        "requirements": "",
        "queue_rank": 100,
        "priority": 100,
        "last_tried_at": EPOCH,
        "not_before": None,
        "attempts": 0,
        "last_outcome": "",
        "held_by_id": None,
        "held_until": None,
        "callback_user_id": None,
        "callback_at": None,
        "special_offer": "",
        "special_offer_user_id": None,
        "unreachable": False,
        "needs_data_fix": False,
        "orders_count": 0,
        "revenue_total": 0,
        "margin_total": None,
        "first_order_at": None,
        "last_order_at": None,
        "next_purchase_at": None,
        "next_purchase_is_stated": False,
        "next_follow_up_at": None,
        "created_at": now,
        "updated_at": now,
        "version": 1,
    }
