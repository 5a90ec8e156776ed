"""Named, typed operations: the only things the terminal app can ask the server to do.

An operation is declared once, in the protocol module of its feature, as a typed stub:

    @operation("queue.take_next")
    def take_next() -> QueueView: ...

    @operation("queue.renew_lease")
    def renew_lease(company_id: int) -> datetime: ...

The stub's parameters are the operation's arguments and its return annotation the result.  From
them come a strict schema for the arguments (unknown fields, wrong types and missing values are
refused before any service runs) and the type the app decodes the result into.  There is no
actor among the parameters: the server acts for the session's user, never for whoever the
request names.  The server binds each operation to one service function (kbase_tui.server.bindings);
a test checks that every operation is bound and that the parameters agree.
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import msgspec

R = TypeVar("R")

_REGISTRY: dict[str, Operation[Any]] = {}


@dataclass(frozen=True, eq=False)
class Operation(Generic[R]):
    """One operation: its name on the wire, its argument schema and its result type."""

    name: str
    stub: Callable[..., R]
    signature: inspect.Signature
    params: type[msgspec.Struct]
    result: Any
    # StaleRecord.current is decoded as this type when the operation can raise it.
    stale: Any = None
    # May run before sign-in is complete (changing a forced password).
    anonymous: bool = False
    # Bigger bodies (an uploaded import file) are allowed for a few operations only.
    max_body: int = 1 << 20
    # Only fetches what a screen shows (it may still record that it was seen).  A newer call of it
    # from the same screen supersedes an older one still on its way, whose result is dropped: a list
    # switched twice quickly shows the newest page, never the previous one under the new heading.
    reads: bool = False
    doc: str = field(default="", repr=False)

    def bind(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """The arguments of a call as a name → value mapping (TypeError for a wrong call, as Python would)."""
        bound = self.signature.bind(*args, **kwargs)
        return dict(bound.arguments)

    def __call__(self, *args: Any, **kwargs: Any) -> R:  # pragma: no cover - a stub is never run
        raise TypeError(f"{self.name} is an operation: call it through the client, client.call({self.name}, ...)")


def operation(
    name: str, *, stale: Any = None, anonymous: bool = False, max_body: int = 1 << 20, reads: bool = False
) -> Callable[[Callable[..., R]], Operation[R]]:
    """Declare the stub below as the operation *name* (see the module's docstring)."""

    def declare(stub: Callable[..., R]) -> Operation[R]:
        if name in _REGISTRY:
            raise ValueError(f"operation {name} is declared twice")
        signature = inspect.signature(stub)
        hints = typing.get_type_hints(stub, include_extras=True)
        fields: list[tuple[str, Any, Any] | tuple[str, Any]] = []
        for parameter in signature.parameters.values():
            if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
                raise TypeError(f"{name}: an operation takes named, typed arguments only")
            if parameter.name not in hints:
                raise TypeError(f"{name}: argument {parameter.name} has no type")
            if parameter.default is parameter.empty:
                fields.append((parameter.name, hints[parameter.name]))
            else:
                fields.append((parameter.name, hints[parameter.name], parameter.default))
        params = msgspec.defstruct(
            "".join(part.title() for part in name.replace(".", "_").split("_")) + "Args",
            fields,
            kw_only=True,
            forbid_unknown_fields=True,
            frozen=True,
        )
        op: Operation[R] = Operation(
            name=name,
            stub=stub,
            signature=signature,
            params=params,
            result=hints.get("return", type(None)),
            stale=stale,
            anonymous=anonymous,
            max_body=max_body,
            reads=reads,
            doc=inspect.getdoc(stub) or "",
        )
        _REGISTRY[name] = op
        return op

    return declare


def all_operations() -> dict[str, Operation[Any]]:
    """Every declared operation by name (after importing the feature modules: `protocol.load_all`)."""
    return dict(_REGISTRY)


def find(name: str) -> Operation[Any] | None:
    return _REGISTRY.get(name)
