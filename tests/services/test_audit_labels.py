"""Every action the program records in the audit log has words in both languages: the audit screen and
`kbase audit show` never show a code such as `script_saved` to the person reading them.

The codes are found in the source itself: the action argument of every `audit.record(...)` and
`audit.append(...)` (and the chain's own `_write` events in services/audit.py), followed through
constants, local variables, conditional expressions and the parameters of helpers that pass the code
on.  A call whose code cannot be followed fails the test too, so a new one can never slip past.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from kbase_tui.i18n import set_language
from kbase_tui.protocol.audit import action_label

SRC = Path(__file__).resolve().parents[2] / "src" / "kbase_tui"
AUDIT_MODULE = SRC / "services" / "audit.py"
# The audit API itself: its `action` parameter is whatever its callers pass, and they are scanned.
GENERIC = {(AUDIT_MODULE, "record"), (AUDIT_MODULE, "append"), (AUDIT_MODULE, "_write")}


class Unresolved(Exception):
    pass


def _parents(tree: ast.AST) -> dict[ast.AST, ast.AST]:
    return {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}


def _enclosing_function(node: ast.AST, parents: dict) -> ast.FunctionDef | None:
    while node in parents:
        node = parents[node]
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return node
    return None


def _element(value: ast.expr, index: int) -> ast.expr:
    """The *index*-th part of a value assigned to a tuple of names (through a conditional expression)."""
    if isinstance(value, ast.Tuple):
        return value.elts[index]
    if isinstance(value, ast.IfExp):
        return ast.IfExp(test=value.test, body=_element(value.body, index), orelse=_element(value.orelse, index))
    raise Unresolved(ast.unparse(value))


def _assigned(scope: ast.AST, name: str) -> list[ast.expr]:
    """The values assigned to *name* in *scope*."""
    values = []
    for node in ast.walk(scope):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name) and target.id == name:
                    values.append(node.value)
                elif isinstance(target, ast.Tuple):
                    for index, element in enumerate(target.elts):
                        if isinstance(element, ast.Name) and element.id == name:
                            values.append(_element(node.value, index))
    return values


class Module:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.tree = ast.parse(path.read_text(encoding="utf-8"))
        self.parents = _parents(self.tree)
        self.functions = {
            node.name: node for node in ast.walk(self.tree) if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        }

    def module_constant(self, name: str) -> list[ast.expr]:
        return [
            node.value
            for node in self.tree.body
            if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets)
        ]

    def resolve(self, expr: ast.expr, where: ast.AST, depth: int = 0) -> set[str]:
        """The strings *expr* (an action argument at *where*) can be; empty for the audit API's own parameter."""
        if depth > 6:
            raise Unresolved(ast.unparse(expr))
        if isinstance(expr, ast.Constant) and isinstance(expr.value, str) and expr.value:
            return {expr.value}
        if isinstance(expr, ast.IfExp):
            return self.resolve(expr.body, where, depth + 1) | self.resolve(expr.orelse, where, depth + 1)
        if isinstance(expr, ast.Name):
            return self._resolve_name(expr.id, where, depth + 1)
        raise Unresolved(ast.unparse(expr))

    def _resolve_name(self, name: str, where: ast.AST, depth: int) -> set[str]:
        function = _enclosing_function(where, self.parents)
        if function is not None:
            values = _assigned(function, name)
            if values:
                return set().union(*(self.resolve(value, where, depth) for value in values))
            params = [a.arg for a in (*function.args.posonlyargs, *function.args.args, *function.args.kwonlyargs)]
            if name in params:
                if (self.path, function.name) in GENERIC:
                    return set()
                return self._from_callers(function, params.index(name), name, depth)
        values = self.module_constant(name)
        if values:
            return set().union(*(self.resolve(value, where, depth) for value in values))
        raise Unresolved(name)

    def _from_callers(self, function: ast.FunctionDef, index: int, name: str, depth: int) -> set[str]:
        """A helper that passes the code on: what its callers in the same module give it."""
        found: set[str] = set()
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == function.name:
                argument = node.args[index] if len(node.args) > index else None
                argument = argument or next((k.value for k in node.keywords if k.arg == name), None)
                if argument is not None:
                    found |= self.resolve(argument, node, depth + 1)
        if not found:
            raise Unresolved(f"{function.name}({name})")
        return found


def recorded_actions() -> dict[str, str]:
    """{action code: where it is recorded} over the whole source."""
    actions: dict[str, str] = {}
    for path in sorted(SRC.rglob("*.py")):
        module = Module(path)
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
            argument = node.args[index] if len(node.args) > index else None
            argument = argument or next((k.value for k in node.keywords if k.arg == "action"), None)
            where = f"{path.relative_to(SRC)}:{node.lineno}"
            if argument is None:
                raise AssertionError(f"an audit call without an action at {where}")
            try:
                codes = module.resolve(argument, node)
            except Unresolved as unresolved:
                raise AssertionError(f"the action recorded at {where} cannot be followed: {unresolved}") from None
            for code in codes:
                actions.setdefault(code, where)
    return actions


def test_the_scan_finds_the_actions_it_must():
    actions = recorded_actions()
    # Literal, conditional, through a local variable, through a helper's parameter, the chain's own.
    for code in (
        "card_opened",
        "script_saved",
        "reason_added",
        "product_changed",
        "list_viewed",
        "restored",
        "audit_genesis",
        "audit_sealed",
    ):
        assert code in actions, code
    assert len(actions) > 80


@pytest.mark.parametrize("language", ["ru", "en"])
def test_every_recorded_action_has_words(language):
    actions = recorded_actions()
    try:
        set_language(language)
        # An unknown code comes back as it is: in Russian that is Latin letters, in English an underscore
        # ("searched" is its own English word).
        unworded = (
            (lambda label: not re.search("[а-яё]", label, re.I)) if language == "ru" else (lambda label: "_" in label)
        )
        missing = {code: where for code, where in actions.items() if unworded(action_label(code))}
    finally:
        set_language("en")
    assert not missing, f"audit actions without words in {language}: {missing}"


def recorded_entities() -> dict[str, str]:
    """{entity code: where} of every audit call that names the kind of record (a literal, as all do)."""
    entities: dict[str, str] = {}
    for path in sorted(SRC.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "audit"
                and node.func.attr in ("record", "append")
            ):
                continue
            argument = node.args[3] if len(node.args) > 3 else None
            argument = argument or next((k.value for k in node.keywords if k.arg == "entity"), None)
            if isinstance(argument, ast.Constant) and isinstance(argument.value, str) and argument.value:
                entities.setdefault(argument.value, f"{path.relative_to(SRC)}:{node.lineno}")
    return entities


def test_every_kind_of_record_has_words():
    """An event with no client names its record: "task 12", "сделка 7", never "follow_up_task 12"."""
    from kbase_tui.protocol.audit import entity_label

    entities = recorded_entities()
    assert {"company", "follow_up_task", "call_script", "user"} <= set(entities)
    try:
        set_language("ru")
        missing = {code: where for code, where in entities.items() if not re.search("[а-яё]", entity_label(code))}
    finally:
        set_language("en")
    assert not missing, f"records without words: {missing}"
