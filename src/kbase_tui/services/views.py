"""Reading is audited too: every list screen, report and search opened leaves an event, and
reading faster than a person could raises the alarm and slows the reader, whatever the role.

`audited_view("what")` wraps a read service `fn(db, actor, ...)`: before the read, one short
write transaction checks the reader's hourly limit (alarms.check_view: SlowDown while throttled)
and records `list_viewed` (or `searched`) with the arguments that say what was asked for.  The
read itself stays a read transaction.  Card views are counted where cards are opened
(clients.record_card_view, and the lead claim for callers).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from datetime import date, datetime
from typing import TypeVar

from .db import Database
from .dto import Actor

F = TypeVar("F", bound=Callable)


def _plain(value: object) -> object:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value if not isinstance(value, str) else value[:200]
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if hasattr(value, "__dataclass_fields__"):
        return {k: _plain(v) for k, v in vars(value).items() if v not in (None, "", ())}
    return str(value)[:200]


def record_view(db: Database, actor: Actor, what: str, *, search: bool = False, **detail: object) -> None:
    """Check the reader's limit and audit one view (or search) of *what*, committed before the read."""
    from . import alarms, audit  # here: audit.py itself uses this module's decorator

    kind, action = (alarms.SEARCHES, "searched") if search else (alarms.LIST_VIEWS, "list_viewed")
    with db.write() as session:
        alarms.check_view(session, actor, kind)
        # The arguments go under "args": a filter by a client is not an access to its data (kept out
        # of the event's client column), and no argument name can clash with the event's own fields.
        audit.record(
            session, actor, action, "", None, list=what, args={k: _plain(v) for k, v in detail.items() if v is not None}
        )


def audited_view(what: str, *, search_arg: str | None = None) -> Callable[[F], F]:
    """Decorator for a read service: each call is audited and counted before it reads.

    *search_arg* names the argument holding free text: such a call counts as a search (its own,
    lower hourly limit), and the text is recorded.
    """

    def wrap(fn: F) -> F:
        signature = inspect.signature(fn)

        @functools.wraps(fn)
        def inner(db: Database, actor: Actor, *args, **kwargs):
            bound = signature.bind(db, actor, *args, **kwargs)
            detail = {k: v for k, v in bound.arguments.items() if k not in ("db", "actor")}
            record_view(db, actor, what, search=search_arg is not None and bool(detail.get(search_arg)), **detail)
            return fn(db, actor, *args, **kwargs)

        return inner  # type: ignore[return-value]

    return wrap
