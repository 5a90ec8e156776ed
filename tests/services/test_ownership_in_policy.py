"""Whose record it is is decided in services/policy.py only: no other service compares an owner id with the actor.

An owner id is whatever the actor's id is compared with, except the actor's own user row (`user.id`: one may not
disable oneself) and the author of a record (`user_id`, `actor_id`: one's drafts, calls and audit events), which
say who did something, not whose record it is.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import kbase_tui

SERVICES = Path(kbase_tui.__file__).parent / "services"
NOT_OWNERS = {"id", "user_id", "actor_id"}


def _is_actor_id(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Attribute)
        and node.attr == "id"
        and isinstance(node.value, ast.Name)
        and node.value.id == "actor"
    )


def _name(node: ast.AST) -> str:
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    return ""


def owner_comparisons(source: str) -> list[int]:
    """Lines comparing the actor's id with an owner id: ==, !=, in (...), .in_(...), is."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            expanded = []
            for operand in operands:
                expanded.extend(operand.elts if isinstance(operand, (ast.Tuple, ast.List, ast.Set)) else [operand])
            if any(_is_actor_id(o) for o in expanded):
                others = [o for o in expanded if not _is_actor_id(o) and not isinstance(o, ast.Constant)]
                if any(_name(o) not in NOT_OWNERS for o in others):
                    lines.append(node.lineno)
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "in_"
            and any(_is_actor_id(a) for arg in node.args for a in ast.walk(arg))
            and _name(node.func.value) not in NOT_OWNERS
        ):
            lines.append(node.lineno)
    return sorted(set(lines))


def test_no_service_outside_policy_compares_an_owner_with_the_actor():
    found = {
        str(path.relative_to(SERVICES)): hits
        for path in sorted(SERVICES.rglob("*.py"))
        if path.name != "policy.py"
        for hits in [owner_comparisons(path.read_text(encoding="utf-8"))]
        if hits
    }
    assert found == {}, f"ownership decided outside policy.py (use policy.owns / owned_by / require_*_owner): {found}"


@pytest.mark.parametrize(
    "snippet",
    [
        "if deal.closer_id != actor.id: pass",
        "q = select(Company).where(Company.owner_id == actor.id)",
        "ok = actor.id == task.assignee_id",
        "if company.held_by_id not in (None, actor.id): pass",
        "mine = holder == actor.id",
        "q = Company.callback_user_id.in_([actor.id])",
    ],
)
def test_the_scan_finds_an_owner_compared_with_the_actor(snippet):
    assert owner_comparisons(snippet) == [1]


def test_the_scan_lets_authorship_and_self_checks_through():
    source = (
        "if user.id == actor.id: pass\n"
        "q = select(Draft).where(Draft.user_id == actor.id)\n"
        "if last.actor_id != actor.id: pass\n"
        "if actor.id is None: pass\n"
    )
    assert owner_comparisons(source) == []
