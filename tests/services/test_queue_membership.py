"""The queue rule has one owner: services/queue_membership.py sets `in_queue`, on every flush, and nothing else.

Every test with the `db` fixture also checks the stored `in_queue` against the rule when it ends
(tests/conftest.py), so each stage and status change the services make is checked where it is tested.
"""

from __future__ import annotations

import ast
import itertools
import re
from pathlib import Path

import pytest
from sqlalchemy import select

import kbase_tui
from kbase_tui.models import Category, Company, Stage
from kbase_tui.services import queue_membership

SOURCE = Path(kbase_tui.__file__).parent
OWNER = SOURCE / "services" / "queue_membership.py"
# Calls whose `in_queue=` keyword writes the column (a data class built from a company only reads it).
WRITING_CALLS = {"Company", "values", "update", "insert", "new_company"}
# An SQL SET clause naming in_queue (before its WHERE, where in_queue is only read).
SQL_WRITE = re.compile(r"\bSET\b(?:(?!\bWHERE\b)[^;])*\bin_queue\s*=", re.IGNORECASE | re.DOTALL)


def _callee(node: ast.Call) -> str:
    func = node.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def writes_in_queue(source: str) -> list[int]:
    """Lines of *source* that set `in_queue`: an attribute assignment, setattr, a keyword of a writing call or
    with a literal value, a dict key with a literal value, an SQL SET."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                for part in ast.walk(target):
                    if isinstance(part, ast.Attribute) and part.attr == "in_queue":
                        lines.append(node.lineno)
                    if (
                        isinstance(part, ast.Subscript)
                        and isinstance(part.slice, ast.Constant)
                        and part.slice.value == "in_queue"
                    ):
                        lines.append(node.lineno)
        elif isinstance(node, ast.Call):
            if _callee(node) == "setattr" and len(node.args) >= 2:
                name = node.args[1]
                if isinstance(name, ast.Constant) and name.value == "in_queue":
                    lines.append(node.lineno)
            for keyword in node.keywords:
                if keyword.arg == "in_queue" and (
                    _callee(node) in WRITING_CALLS or isinstance(keyword.value, ast.Constant)
                ):
                    lines.append(node.lineno)
        elif isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                if isinstance(key, ast.Constant) and key.value == "in_queue" and isinstance(value, ast.Constant):
                    lines.append(node.lineno)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and SQL_WRITE.search(node.value):
            lines.append(node.lineno)
    return sorted(set(lines))


def test_only_the_owner_sets_in_queue():
    found = {
        str(path.relative_to(SOURCE)): hits
        for path in sorted(SOURCE.rglob("*.py"))
        if path != OWNER and "migrations" not in path.parts
        for hits in [writes_in_queue(path.read_text(encoding="utf-8"))]
        if hits
    }
    assert found == {}, f"in_queue is set outside services/queue_membership.py: {found}"


@pytest.mark.parametrize(
    "snippet",
    [
        "company.in_queue = True",
        "setattr(company, 'in_queue', False)",
        "session.execute(update(t).values(in_queue=False))",
        "row = {'in_queue': True}",
        "row['in_queue'] = False",
        "company.update(stage='cold', in_queue=True)",
        "q = 'UPDATE company SET in_queue = 1 WHERE id = 3'",
    ],
)
def test_the_scan_finds_each_way_of_setting_it(snippet):
    assert writes_in_queue(snippet) == [1]


def test_the_scan_lets_reads_through():
    reads = (
        "card = Card(in_queue=company.in_queue)\n"
        "where = {'in_queue': Company.in_queue.is_(True)}\n"
        "q = 'SELECT id FROM company WHERE in_queue'\n"
        "q = 'UPDATE company SET held_until = :u WHERE id = :id AND in_queue = :yes'\n"
        "if not company.in_queue: pass\n"
    )
    assert writes_in_queue(reads) == []


STATES = list(
    itertools.product(
        [Stage.COLD, Stage.PIPELINE, Stage.ACCOUNT],
        [Category.POTENTIAL, Category.ACTIVE, Category.LOST, Category.REFUSED, Category.DO_NOT_CALL],
        [False, True],  # unreachable
        [False, True],  # needs_data_fix
        [False, True],  # merged into another company
    )
)


def expected(stage, category, unreachable, needs_fix, merged) -> bool:
    return stage == Stage.COLD and category == Category.POTENTIAL and not unreachable and not needs_fix and not merged


def test_every_state_is_in_the_queue_exactly_when_the_rule_says(db):
    with db.write() as session:
        keeper = Company(name="Keeper")
        session.add(keeper)
        session.flush()
        made = []
        for stage, category, unreachable, needs_fix, merged in STATES:
            company = Company(
                name=f"{stage}-{category}-{unreachable}-{needs_fix}-{merged}",
                stage=stage,
                category=category,
                unreachable=unreachable,
                needs_data_fix=needs_fix,
                merged_into_id=keeper.id if merged else None,
                in_queue=not expected(stage, category, unreachable, needs_fix, merged),  # wrong on purpose
            )
            session.add(company)
            made.append(company)
        session.flush()
        for company, state in zip(made, STATES, strict=True):
            assert company.in_queue is expected(*state), state
        ids = [c.id for c in made]
    with db.read() as session:
        stored = dict(session.execute(select(Company.id, Company.in_queue).where(Company.id.in_(ids))).all())
        assert [bool(stored[i]) for i in ids] == [expected(*s) for s in STATES]
        assert queue_membership.strays(session) == []
        # The SQL spelling of the rule (used by bulk writes) agrees with the Python one on every state.
        by_sql = set(session.execute(select(Company.id).where(queue_membership.condition())).scalars())
        assert {i for i, s in zip(ids, STATES, strict=True) if expected(*s)} == by_sql & set(ids)


def test_a_change_of_any_part_of_the_rule_moves_the_company(db):
    with db.write() as session:
        company = Company(name="ООО Ромашка")
        session.add(company)
        session.flush()
        assert company.in_queue
        for name, out, back in [
            ("stage", Stage.PIPELINE, Stage.COLD),
            ("category", Category.REFUSED, Category.POTENTIAL),
            ("unreachable", True, False),
            ("needs_data_fix", True, False),
        ]:
            setattr(company, name, out)
            session.flush()
            assert not company.in_queue, name
            setattr(company, name, back)
            session.flush()
            assert company.in_queue, name


def test_bulk_rows_take_the_value_from_the_same_rule():
    assert queue_membership.stamp({"stage": "cold", "category": "potential"})["in_queue"] is True
    assert (
        queue_membership.stamp({"stage": "cold", "category": "potential", "needs_data_fix": True})["in_queue"] is False
    )
    assert queue_membership.stamp({"stage": "cold", "category": "refused"})["in_queue"] is False
