"""Guards and look-ups every feature needs, written once.

`require_supervisor` is the check for the head of sales' own views and changes; `require_configurer`
for the rules kept as data (outcomes, reasons, scripts); `user_names` puts user ids in names for lists.
The rules behind them (who holds which capability) are in policy.py.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from kbase_tui.models import User

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
