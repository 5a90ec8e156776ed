"""Every detail the program records with an audit event has a word in both languages: the audit screen and
`kbase audit show` never show a name such as `return_task_ids` to the head of sales or an auditor reading them.

The names are found in the source itself: every keyword of `audit.record(...)` and `audit.append(...)` (and
of the chain's own `_write` events in services/audit.py), with the action they go with, followed through
`**detail` dictionaries built in the same function (literals, `detail["x"] = ...`) and helpers that pass
their keywords on (`record_card_view(..., screen="base")` from any module).  A `**` that cannot be followed
fails the test unless it is listed below with the names it gives, so a new one can never slip past.
The lists and reports a `list_viewed` event names, and the arguments it records, have words too.
"""

from __future__ import annotations

import ast
import dataclasses
import re

import pytest

from kbase_tui.i18n import _, set_language
from kbase_tui.protocol.audit_details import ARGS, KEYS, detail_label, view_label

from .test_audit_labels import AUDIT_MODULE, GENERIC, SRC, Module, Unresolved, _enclosing_function

# `**` expressions the scan cannot follow, and the names they give (checked where they come from below).
EXPLICIT = {
    # services/clock.py: the calling window's settings, each by the last part of its key.
    "{key.split('.')[-1]: value for key, value in wanted.items()}": {
        "calling_days",
        "calling_hours",
        "holidays_country",
        "time_zone",
    },
    # services/clock.py: one sales channel's window.
    "wanted[name]": {"days", "hours"},
}


def _demo_summary() -> set[str]:
    from kbase_tui.services.demo_data import DemoSummary

    return {field.name for field in dataclasses.fields(DemoSummary)}


CALLED = {"vars(summary)": _demo_summary}
OWN = ("action", "entity", "entity_id")


def _dict_keys(value: ast.expr) -> set[str] | None:
    if isinstance(value, ast.Dict) and all(isinstance(k, ast.Constant) for k in value.keys):
        return {k.value for k in value.keys if isinstance(k, ast.Constant)}
    return None


def _assigned_to(node: ast.AST, name: str) -> ast.expr | None:
    """The value `name = ...` or `name: type = ...` gives, when *node* is one."""
    if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
        return node.value
    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.target.id == name:
        return node.value
    return None


class Scan:
    def __init__(self) -> None:
        self.modules = {path: Module(path) for path in sorted(SRC.rglob("*.py"))}
        self.found: dict[tuple[str, str], str] = {}  # (action, name) -> where

    def add(self, actions: set[str], names: set[str], where: str) -> None:
        for action in actions or {""}:
            for name in names:
                self.found.setdefault((action, name), where)

    def splat(self, module: Module, expr: ast.expr, call: ast.Call, where: str) -> set[str]:
        """The names a `**expr` in *call* gives."""
        text = ast.unparse(expr)
        if text in EXPLICIT:
            return EXPLICIT[text]
        if text in CALLED:
            return CALLED[text]()
        if isinstance(expr, ast.IfExp):
            return self.splat(module, expr.body, call, where) | self.splat(module, expr.orelse, call, where)
        keys = _dict_keys(expr)
        if keys is not None:
            return keys
        if isinstance(expr, ast.Name):
            return self._name(module, expr.id, call, where)
        raise AssertionError(f"the details recorded at {where} cannot be followed: **{text}")

    def _name(self, module: Module, name: str, call: ast.Call, where: str) -> set[str]:
        function = _enclosing_function(call, module.parents)
        assert function is not None, where
        found: set[str] = set()
        assigned = False
        for node in ast.walk(function):
            value = _assigned_to(node, name)
            if value is not None:
                assigned = True
                keys = _dict_keys(value)
                if keys is None:
                    raise AssertionError(f"the details recorded at {where} cannot be followed: {name} = ...")
                found |= keys
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    if (
                        isinstance(target, ast.Subscript)
                        and isinstance(target.value, ast.Name)
                        and target.value.id == name
                        and isinstance(target.slice, ast.Constant)
                    ):
                        found.add(target.slice.value)
        if assigned:
            return found
        if function.args.kwarg is not None and function.args.kwarg.arg == name:
            if (module.path, function.name) in GENERIC:
                return set()
            return self._callers(function)
        raise AssertionError(f"the details recorded at {where} cannot be followed: **{name}")

    def _callers(self, function: ast.FunctionDef) -> set[str]:
        """A helper that records its keywords: what every caller, in any module, gives it."""
        named = {a.arg for a in (*function.args.posonlyargs, *function.args.args, *function.args.kwonlyargs)}
        found: set[str] = set()
        calls = 0
        for module in self.modules.values():
            for node in ast.walk(module.tree):
                if not isinstance(node, ast.Call):
                    continue
                func = node.func
                called = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
                if called != function.name:
                    continue
                calls += 1
                found |= {k.arg for k in node.keywords if k.arg is not None and k.arg not in named}
                if any(k.arg is None for k in node.keywords):
                    raise AssertionError(f"a call of {function.name} passes ** on: follow it in this test")
        assert calls, f"nobody calls {function.name}"
        return found

    def run(self) -> dict[tuple[str, str], str]:
        for path, module in self.modules.items():
            for node in ast.walk(module.tree):
                if not isinstance(node, ast.Call):
                    continue
                func = node.func
                if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "audit":
                    if func.attr not in ("record", "append"):
                        continue
                    index = 2
                elif path == AUDIT_MODULE and isinstance(func, ast.Name) and func.id in ("record", "append", "_write"):
                    index = 8 if func.id == "_write" else 2
                else:
                    continue
                where = f"{path.relative_to(SRC)}:{node.lineno}"
                argument = node.args[index] if len(node.args) > index else None
                argument = argument or next((k.value for k in node.keywords if k.arg == "action"), None)
                try:
                    actions = module.resolve(argument, node) if argument is not None else set()
                except Unresolved as unresolved:
                    raise AssertionError(f"the action recorded at {where} cannot be followed: {unresolved}") from None
                names = {k.arg for k in node.keywords if k.arg is not None and k.arg not in OWN}
                if isinstance(func, ast.Name) and func.id == "_write":
                    names = set()  # its keywords are its own (move_head); its details are the dict below
                for keyword in node.keywords:
                    if keyword.arg is None:
                        names |= self.splat(module, keyword.value, node, where)
                if isinstance(func, ast.Name) and func.id == "_write":
                    detail = node.args[11]
                    keys = _dict_keys(detail)
                    if keys is not None:
                        names |= keys
                    elif not (isinstance(detail, ast.Name) and detail.id == "detail"):
                        raise AssertionError(f"the chain's details at {where} cannot be followed")
                self.add(actions, names, where)
        return self.found


@pytest.fixture(scope="module")
def recorded() -> dict[tuple[str, str], str]:
    return Scan().run()


def test_the_scan_finds_the_details_it_must(recorded):
    names = {name for _action, name in recorded}
    # Keywords, a helper's keywords from another module, a dict built in the function, the chain's own,
    # the calling window's settings, the demo's summary.
    for name in (
        "company_id",
        "username",
        "return_task_ids",
        "screen",
        "as_second_person",
        "deals_moved",
        "callback_at",
        "forced",
        "role",
        "seed_shown",
        "next_epoch",
        "unsealed_epoch",
        "calling_days",
        "potential_in_queue",
        "args",
    ):
        assert name in names, name
    assert ("login_failed", "reason") in recorded
    assert ("setting_changed", "old") in recorded
    assert len(names) > 110


def test_the_explicit_splats_are_what_the_source_says():
    clock = (SRC / "services" / "clock.py").read_text(encoding="utf-8")
    for key in ("queue.calling_days", "queue.calling_hours", "queue.holidays_country", "centre.time_zone"):
        assert f'"{key}"' in clock
    assert {k.split(".")[-1] for k in ("queue.calling_days", "queue.calling_hours")} <= EXPLICIT[
        "{key.split('.')[-1]: value for key, value in wanted.items()}"
    ]
    assert 'spec: dict[str, Any] = {"hours"' in clock and 'spec["days"]' in clock


@pytest.mark.parametrize("language", ["ru", "en"])
def test_every_recorded_detail_has_words(recorded, language):
    try:
        set_language(language)
        missing = {}
        for (action, name), where in recorded.items():
            label = detail_label(action, name)
            if label is None or (language == "ru" and not re.search("[а-яё]", label, re.I)):
                missing[f"{action}:{name}"] = where
    finally:
        set_language("en")
    assert not missing, f"audit details without words in {language}: {missing}"


def test_no_word_is_kept_for_a_name_nothing_records(recorded):
    """The table of words follows the source: a name no event records any more is taken out of it."""
    names = {name for _action, name in recorded} | {"raw", "value"}  # what an unreadable detail becomes
    assert set(KEYS) - names == set()


def _arg_label(arg: str) -> str:
    spec = ARGS.get(arg) or KEYS.get(arg)
    return _(spec.label) if spec is not None else arg


def _audited_views() -> dict[str, tuple[str, set[str]]]:
    """{what: (where, argument names)} of every read service wrapped in @audited_view("what")."""
    views: dict[str, tuple[str, set[str]]] = {}
    for path in sorted(SRC.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.FunctionDef):
                continue
            for decorator in node.decorator_list:
                if (
                    isinstance(decorator, ast.Call)
                    and isinstance(decorator.func, ast.Name)
                    and decorator.func.id == "audited_view"
                ):
                    what = decorator.args[0]
                    assert isinstance(what, ast.Constant), f"{path}:{node.lineno}"
                    args = {a.arg for a in (*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs)}
                    views[what.value] = (f"{path.relative_to(SRC)}:{node.lineno}", args - {"db", "actor"})
    return views


def test_every_list_and_its_arguments_have_words():
    views = _audited_views()
    assert {"audit_events", "report", "products"} <= set(views)
    try:
        set_language("ru")
        unnamed = {what: where for what, (where, _args) in views.items() if not re.search("[а-яё]", view_label(what))}
        arguments = {(arg, where) for _what, (where, args) in views.items() for arg in args}
        unworded = {arg: where for arg, where in arguments if not re.search("[а-яё]", _arg_label(arg))}
    finally:
        set_language("en")
    assert not unnamed, f"lists without words: {unnamed}"
    assert not unworded, f"list arguments without words: {unworded}"
