"""Notices of what happened, for the people it concerns, sent once the transaction commits.

A service that hands a client to someone (a hand-over, a reassignment, a transfer) or raises
a security alarm says so with `notify.after_commit(session, Notice(...))`, on the lean path
(db.LeanTx) too.  Nothing is sent if the transaction rolls back.  Whoever listens (the server,
which pushes them to the open screens of those people) subscribes with `subscribe`; with no
listener, as in the CLI, a notice is simply dropped: it is a hint to refresh, never the record
itself.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import event
from sqlalchemy.orm import Session

if TYPE_CHECKING:
    from .db import LeanTx

_KEY = "kbase_notices"


@dataclass(frozen=True)
class Notice:
    kind: str  # protocol.session: handover, alarm, changed
    user_ids: tuple[int, ...] = ()  # these people's sessions
    roles: tuple[str, ...] = ()  # and every session of these roles
    what: str = ""  # for `changed`: board, accounts, refusals, alarms ...
    company_id: int | None = None


_listeners: list[Callable[[Notice], None]] = []
_lock = threading.Lock()


def subscribe(listener: Callable[[Notice], None]) -> None:
    with _lock:
        if listener not in _listeners:
            _listeners.append(listener)


def unsubscribe(listener: Callable[[Notice], None]) -> None:
    with _lock:
        if listener in _listeners:
            _listeners.remove(listener)


def after_commit(tx: Session | LeanTx, notice: Notice) -> None:
    """Send *notice* when *tx*'s transaction commits (never if it rolls back).

    *tx* is an ORM session or a lean transaction (db.LeanTx): one opened on a session's
    connection sends with that session, one of `Database.lean_write` once it commits.
    """
    session = tx if isinstance(tx, Session) else tx.session
    if session is not None:
        session.info.setdefault(_KEY, []).append(notice)
    else:
        tx.notices.append(notice)


def lean_committed(tx: LeanTx) -> None:
    """Send what a lean transaction noted; `Database.lean_write` calls this after its commit."""
    notices, tx.notices = tx.notices, []
    if notices:
        _publish(notices)


def _publish(notices: list[Notice]) -> None:
    with _lock:
        listeners = list(_listeners)
    for notice in notices:
        for listener in listeners:
            listener(notice)


@event.listens_for(Session, "after_commit")
def _sent_on_commit(session: Session) -> None:
    notices = session.info.pop(_KEY, None)
    if notices:
        _publish(notices)


@event.listens_for(Session, "after_rollback")
def _dropped_on_rollback(session: Session) -> None:
    session.info.pop(_KEY, None)
