"""Every service function that opens a write transaction records an audit event (directly or through a
helper of its module), unless it is listed below with the reason it needs none.

The scan reads the source (AST): a function containing `with <db>.write()` must call `audit.record`, or call
a function of the same module that does.  A new write function without an audit call fails this test until it
audits or is added here with a reason.  Writes outside `db.write()` (raw connections) are listed too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import kbase_tui.services as services

ROOT = Path(services.__file__).resolve().parent

# function -> why it writes without an audit event
NO_AUDIT_NEEDED = {
    "drafts.save_draft": "the user's own unsent typing (restored after a dropped connection); no client data changes",
    "drafts.discard_draft": "removes the user's own unsent typing",
    "queue.renew_lease": "extends a hold the audited lead_claimed started; no data changes",
    "setup._load_defaults": "shipped defaults into empty reference tables at start-up (after the schema migration)",
}
# modules that write through raw connections, and why
RAW_WRITERS = {
    "dbcopy": "kbase db copy: the server owner copies the whole database (the audit chain included) into an empty "
    "PostgreSQL database; not audited in the copy (gap: see the report)",
}


def _functions(tree: ast.Module) -> dict[str, ast.FunctionDef]:
    return {node.name: node for node in tree.body if isinstance(node, ast.FunctionDef)}


def _calls(node: ast.AST) -> set[str]:
    return {ast.unparse(c.func) for c in ast.walk(node) if isinstance(c, ast.Call)}


def _writes(function: ast.FunctionDef) -> bool:
    return any(
        isinstance(node, ast.With) and any(ast.unparse(item.context_expr).endswith(".write()") for item in node.items)
        for node in ast.walk(function)
    )


# Shared helpers in other modules that record the event themselves (proved below).
AUDITING_HELPERS = {"record_card_view": "clients"}


def _audits(name: str, functions: dict[str, ast.FunctionDef], seen: frozenset = frozenset()) -> bool:
    function = functions.get(name)
    if function is None or name in seen:
        return False
    calls = _calls(function)
    if any(call.endswith("audit.record") or call.split(".")[-1] in AUDITING_HELPERS for call in calls):
        return True
    return any(_audits(call, functions, seen | {name}) for call in calls if call in functions)


def unaudited_writers() -> list[str]:
    found = []
    for path in sorted(ROOT.glob("*.py")):
        functions = _functions(ast.parse(path.read_text(encoding="utf-8")))
        for name, function in functions.items():
            if path.stem == "audit":
                continue
            if _writes(function) and not _audits(name, functions):
                found.append(f"{path.stem}.{name}")
    return found


def test_the_shared_auditing_helpers_do_record():
    for helper, module in AUDITING_HELPERS.items():
        functions = _functions(ast.parse((ROOT / f"{module}.py").read_text(encoding="utf-8")))
        assert any(c.endswith("audit.record") for c in _calls(functions[helper])), helper


def test_every_write_function_records_an_audit_event():
    missing = [name for name in unaudited_writers() if name not in NO_AUDIT_NEEDED]
    assert missing == [], f"write functions without audit.record: {missing}"


def test_the_exemptions_are_still_needed():
    assert set(NO_AUDIT_NEEDED) <= set(unaudited_writers())


def test_raw_connection_writers_are_known():
    raw = sorted(
        path.stem
        for path in ROOT.glob("*.py")
        if path.stem not in ("db", "doctor") and "raw_connection()" in path.read_text(encoding="utf-8")
    )
    assert raw == sorted(RAW_WRITERS)


def test_the_scan_finds_a_write_without_audit():
    tree = ast.parse(
        "def good(db):\n    with db.write() as s:\n        helper(s)\n"
        "def helper(s):\n    audit.record(s, 'x', 'y')\n"
        "def bad(db):\n    with db.write() as s:\n        s.add(1)\n"
    )
    functions = _functions(tree)
    assert _audits("good", functions) and not _audits("bad", functions) and _writes(functions["bad"])
