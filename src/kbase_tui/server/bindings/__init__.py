"""Which service function each operation runs: the server's whole vocabulary, one table a feature.

A binding is translation only: the server has checked the session and the arguments, and the
service checks everything else (who may see and change what) with the session's user as the
actor.  `service(op, fn)` binds an operation to `fn(db, actor, **args)`; `adapter(op)` is for
the few operations that need the server's own context (the exports folder, the session).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kbase_tui.protocol import FEATURES
from kbase_tui.protocol.dto import Actor
from kbase_tui.protocol.operations import Operation

if TYPE_CHECKING:
    from kbase_tui.services.db import Database

    from ..sessions import ServerSession
    from ..state import ServerState


@dataclass(frozen=True)
class CallContext:
    db: Database
    actor: Actor
    session: ServerSession
    server: ServerState


@dataclass(frozen=True)
class Bound:
    op: Operation[Any]
    handler: Callable[..., Any]  # handler(context, **args)
    # The service function the handler calls; for `service()` bindings a test checks that the
    # operation's parameters are the service's after (db, actor).
    target: Callable[..., Any] | None
    adapted: bool = False


_BOUND: dict[str, Bound] = {}


def service(op: Operation[Any], function: Callable[..., Any]) -> None:
    """*op* runs `function(db, actor, **args)`."""

    # `context` positional-only: an operation may have an argument of that name (drafts.save).
    def handler(context: CallContext, /, **args: Any) -> Any:
        return function(context.db, context.actor, **args)

    _add(Bound(op, handler, function))


def adapter(op: Operation[Any], target: Callable[..., Any] | None = None):
    """Decorator: *op* runs `handler(context, **args)`; *target* names the service it wraps, if one."""

    def register(handler: Callable[..., Any]) -> Callable[..., Any]:
        _add(Bound(op, handler, target, adapted=True))
        return handler

    return register


def _add(bound: Bound) -> None:
    if bound.op.name in _BOUND:
        raise ValueError(f"operation {bound.op.name} is bound twice")
    _BOUND[bound.op.name] = bound


def all_bound() -> dict[str, Bound]:
    for feature in FEATURES:
        importlib.import_module(f"{__name__}.{feature}")
    return dict(_BOUND)
