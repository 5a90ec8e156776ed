"""The operations the app may ask for, and the service each runs: declared once, bound once, agreeing."""

from __future__ import annotations

import inspect
import typing

import msgspec
import pytest

from kbase_tui.protocol import load_all, wire
from kbase_tui.protocol.errors import StaleRecord, ValidationFailed
from kbase_tui.protocol.operations import all_operations
from kbase_tui.server.bindings import all_bound

load_all()
OPERATIONS = all_operations()
BOUND = all_bound()


def _plain(kind):
    """A type without its Annotated limits (the stub says `Id`, the service `int`)."""
    if typing.get_origin(kind) is typing.Annotated:
        return _plain(typing.get_args(kind)[0])
    args = typing.get_args(kind)
    if args:
        origin = typing.get_origin(kind)
        plain = tuple(_plain(arg) for arg in args)
        if origin in (typing.Union, __import__("types").UnionType):
            return frozenset(plain)
        return (origin, plain)
    return kind


def test_every_operation_is_bound_and_every_binding_declared():
    assert sorted(OPERATIONS) == sorted(BOUND)


@pytest.mark.parametrize("name", sorted(BOUND))
def test_the_service_takes_the_operations_arguments(name):
    bound = BOUND[name]
    if bound.target is None or bound.adapted:
        return  # an adapter translates arguments itself (and is tested through its screen)
    service = inspect.signature(bound.target)
    service_params = list(service.parameters.values())
    assert [p.name for p in service_params[:2]] == ["db", "actor"], f"{name}: a service takes (db, actor, ...)"
    service_params = service_params[2:]
    op_params = list(bound.op.signature.parameters.values())
    assert [p.name for p in op_params] == [p.name for p in service_params], name
    assert [p.kind for p in op_params] == [p.kind for p in service_params], name
    assert [p.default for p in op_params] == [p.default for p in service_params], name
    try:
        service_hints = typing.get_type_hints(bound.target)
    except NameError:
        return  # annotations only resolvable when type checking: names and defaults were compared
    op_hints = typing.get_type_hints(bound.op.stub, include_extras=True)
    for param in op_params:
        if param.name in service_hints:
            assert _plain(op_hints[param.name]) == _plain(service_hints[param.name]), f"{name}.{param.name}"


@pytest.mark.parametrize("name", sorted(OPERATIONS))
def test_no_operation_lets_the_app_name_an_actor_or_a_path(name):
    params = OPERATIONS[name].signature.parameters
    assert not {"actor", "db", "path", "user_id_of_actor"} & set(params), name


def test_unknown_fields_and_wrong_types_are_refused_before_any_service_runs():
    from kbase_tui.protocol import queue

    with pytest.raises(ValidationFailed):
        wire.decode_args(queue.take_callback, b'{"company_id": 1, "actor": {"role": "supervisor"}}')
    with pytest.raises(ValidationFailed):
        wire.decode_args(queue.take_callback, b'{"company_id": "1"}')
    with pytest.raises(ValidationFailed):
        wire.decode_args(queue.take_callback, b'{"company_id": 0}')
    with pytest.raises(ValidationFailed):
        wire.decode_args(
            queue.record_and_next, b'{"company_id": 1, "outcome_code": "n", "comment": "' + b"x" * 30_000 + b'"}'
        )
    with pytest.raises(ValidationFailed):
        wire.decode_args(queue.take_callback, b"\x80not json")
    assert wire.decode_args(queue.take_callback, b'{"company_id": 7}') == {"company_id": 7}


def test_results_and_errors_come_back_as_the_same_types():
    from kbase_tui.protocol import queue

    view = queue.QueueView(lead=None, counters=queue.Counters(1, 2, 3, 4, 5), callbacks_due=0, message="м")
    assert wire.decode_result(queue.take_next, wire.encode_result(view)) == view
    error = wire.decode_error(wire.encode_error(StaleRecord("changed", current="stage_b")))
    assert isinstance(error, StaleRecord) and str(error) == "changed" and error.current == "stage_b"


def test_every_result_type_can_be_decoded():
    for op in OPERATIONS.values():
        msgspec.json.Decoder(msgspec.defstruct("Reply", [("result", op.result)]))
