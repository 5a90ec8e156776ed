"""Source checks for translatable text (AST scan of src/kbase_tui; no guessing at run time).

1. A plain string literal shown to the user through a Textual widget, notify(), a Binding
   description, a command-palette entry or a screen title must go through `_()`.
2. `_()` gets a literal: an f-string, `+`, `%` or `.format()` inside `_()` cannot be extracted.
3. Text translated at import time is frozen in the language of that moment.  `_()` may run at
   import time only as a class attribute (BINDINGS, TITLE, HELP, a tuple of labels ...): those
   are translated again on a language switch (kbase_tui.ui.language).  Elsewhere at module
   level, in default arguments or in decorators, use `N_()` and translate where shown.

What this cannot see: a literal passed through a variable, or a widget called by another name.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "src" / "kbase_tui"

# Calls whose first positional argument is text on the screen.
TEXT_FIRST_ARG = {
    "Static",
    "Label",
    "Button",
    "Checkbox",
    "RadioButton",
    "TabPane",
    "Tab",
    "Collapsible",
    "Link",
    "notify",
    "show_error",
    "ErrorLine",
    "set_status",
    "SystemCommand",
    "Option",
    "ListItem",
    "Text",
    "Content",
}
# Keyword arguments that are text on the screen, whatever the call.
TEXT_KEYWORDS = {"placeholder", "tooltip", "description", "title", "prompt", "label", "help", "border_title", "message"}
# Attributes assigned text on the screen.
TEXT_ATTRIBUTES = {"title", "sub_title", "border_title", "border_subtitle", "tooltip", "TITLE", "SUB_TITLE", "HELP"}
# Text that is the same in every language.
UNTRANSLATED_OK = {"kbase", "ЛПР", "ИНН", "OK"}

TRANSLATE = {"_", "ngettext", "pgettext"}


def _python_files(*parts: str) -> list[Path]:
    base = PACKAGE.joinpath(*parts)
    return sorted(path for path in base.rglob("*.py") if "migrations" not in path.parts)


def _name(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def _is_user_text(node: ast.AST) -> bool:
    """A plain literal with at least two letters (not an id, a key name, a markup-only or empty string)."""
    if isinstance(node, ast.JoinedStr):
        literal = "".join(v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str))
    elif isinstance(node, ast.Constant) and isinstance(node.value, str):
        literal = node.value
    else:
        return False
    text = re.sub(r"\[/?[a-z $#@=.\-0-9]*\]", "", literal).strip()  # Rich markup tags
    if text in UNTRANSLATED_OK or len(re.findall(r"[^\W\d_]", text)) < 2:
        return False
    # Paths and file names are examples, not words: "/home/…/leads.csv".
    if re.fullmatch(r"[~/.][^\s]*", text):
        return False
    # Key names are the same in every language: "ctrl+s", "shift+tab".
    return not re.fullmatch(r"((ctrl|shift|alt)\+)+\S+", text)


def _where(path: Path, node: ast.AST) -> str:
    return f"{path.relative_to(ROOT)}:{node.lineno}"


class _Finder(ast.NodeVisitor):
    def __init__(self, path: Path) -> None:
        self.path = path
        self.literals: list[str] = []

    def visit_Call(self, node: ast.Call) -> None:
        name = _name(node.func)
        if name in TRANSLATE or name == "N_":
            return  # inside _(): fine (checked by another test)
        if name in TEXT_FIRST_ARG and node.args and _is_user_text(node.args[0]):
            self.literals.append(f"{_where(self.path, node)} {name}({ast.unparse(node.args[0])[:60]})")
        if name == "Binding" and len(node.args) >= 3 and _is_user_text(node.args[2]):
            self.literals.append(f"{_where(self.path, node)} Binding(... {ast.unparse(node.args[2])[:60]})")
        if name == "SystemCommand" and len(node.args) >= 2 and _is_user_text(node.args[1]):
            self.literals.append(f"{_where(self.path, node)} SystemCommand(... {ast.unparse(node.args[1])[:60]})")
        if name in ("add_column", "add_columns"):
            for arg in node.args:
                if _is_user_text(arg):
                    self.literals.append(f"{_where(self.path, node)} {name}({ast.unparse(arg)[:60]})")
        for keyword in node.keywords:
            if keyword.arg in TEXT_KEYWORDS and _is_user_text(keyword.value):
                self.literals.append(f"{_where(self.path, node)} {keyword.arg}={ast.unparse(keyword.value)[:60]}")
        self.generic_visit(node)

    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            name = (
                target.id if isinstance(target, ast.Name) else target.attr if isinstance(target, ast.Attribute) else ""
            )
            if name in TEXT_ATTRIBUTES and _is_user_text(node.value):
                self.literals.append(f"{_where(self.path, node)} {name} = {ast.unparse(node.value)[:60]}")
        self.generic_visit(node)


def test_ui_text_goes_through_the_catalog():
    found: list[str] = []
    for path in _python_files("ui"):
        finder = _Finder(path)
        finder.visit(ast.parse(path.read_text(encoding="utf-8"), filename=str(path)))
        found += finder.literals
    assert not found, f"{len(found)} texts on screen without _():\n" + "\n".join(found)


def test_cli_help_and_messages_go_through_the_catalog():
    found: list[str] = []
    for path in _python_files("cli"):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = _name(node.func)
            if name in ("add_parser", "add_argument", "ArgumentParser", "add_subparsers"):
                for keyword in node.keywords:
                    if keyword.arg in ("help", "description", "title", "epilog") and _is_user_text(keyword.value):
                        found.append(f"{_where(path, node)} {keyword.arg}={ast.unparse(keyword.value)[:60]}")
            if (
                name in ("print", "SystemExit")
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and _is_user_text(node.args[0])
            ):
                found.append(f"{_where(path, node)} {name}({ast.unparse(node.args[0])[:60]})")
    assert not found, f"{len(found)} CLI texts without _():\n" + "\n".join(found)


def test_translate_calls_get_a_literal():
    """`_(f"...")`, `_("a" + b)`, `_("x".format())` cannot be extracted into the catalog."""
    wrong: list[str] = []
    for path in _python_files():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and _name(node.func) in ("_", "N_", "ngettext", "pgettext")
                and isinstance(node.func, ast.Name)
            ):
                count = 2 if node.func.id in ("ngettext", "pgettext") else 1
                for arg in node.args[:count]:
                    if isinstance(arg, (ast.JoinedStr, ast.BinOp)) or (
                        isinstance(arg, ast.Call) and _name(arg.func) == "format"
                    ):
                        wrong.append(f"{_where(path, node)} {ast.unparse(node)[:80]}")
    assert not wrong, "Give _() a literal and call .format() on its result:\n" + "\n".join(wrong)


# --- import-time translation ------------------------------------------------------------------

_RETRANSLATABLE_CALLS = {"Binding", "Group"}


def _retranslatable(node: ast.AST, depth: int = 0) -> bool:
    """A class attribute value that kbase_tui.ui.language can translate again."""
    if isinstance(node, ast.Call):
        name = _name(node.func)
        if name in TRANSLATE and isinstance(node.func, ast.Name):
            return True
        if name in _RETRANSLATABLE_CALLS:
            return all(_retranslatable(arg, depth) or not _has_translate(arg) for arg in node.args) and all(
                _retranslatable(k.value, depth) or not _has_translate(k.value) for k in node.keywords
            )
        return not _has_translate(node)
    if isinstance(node, (ast.List, ast.Tuple)) and depth < 2:
        return all(_retranslatable(item, depth + 1) for item in node.elts)
    if isinstance(node, ast.Dict) and depth < 2:
        return all(_retranslatable(item, depth + 1) for item in node.values)
    return not _has_translate(node)


def _has_translate(node: ast.AST) -> bool:
    return any(
        isinstance(sub, ast.Call) and isinstance(sub.func, ast.Name) and sub.func.id in TRANSLATE
        for sub in ast.walk(node)
    )


def _import_time_translations(tree: ast.Module, path: Path) -> list[str]:
    found: list[str] = []

    def scan(statements: list[ast.stmt], in_class: bool) -> None:
        for statement in statements:
            if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
                for expr in [*statement.decorator_list, *statement.args.defaults, *statement.args.kw_defaults]:
                    if expr is not None and _has_translate(expr):
                        found.append(f"{_where(path, expr)} default argument or decorator: {ast.unparse(expr)[:70]}")
                continue
            if isinstance(statement, ast.ClassDef):
                for expr in [*statement.decorator_list, *statement.bases, *(k.value for k in statement.keywords)]:
                    if _has_translate(expr):
                        found.append(f"{_where(path, expr)} class header: {ast.unparse(expr)[:70]}")
                scan(statement.body, True)
                continue
            if in_class and isinstance(statement, (ast.Assign, ast.AnnAssign)) and statement.value is not None:
                if not _retranslatable(statement.value):
                    found.append(f"{_where(path, statement)} class attribute: {ast.unparse(statement)[:70]}")
                continue
            if isinstance(statement, (ast.If, ast.Try, ast.With, ast.For, ast.While)):
                for field in ("test", "iter", "items"):
                    value = getattr(statement, field, None)
                    if isinstance(value, ast.AST) and _has_translate(value):
                        found.append(f"{_where(path, statement)} {ast.unparse(value)[:70]}")
                for block in ("body", "orelse", "finalbody"):
                    scan(getattr(statement, block, []) or [], in_class)
                for handler in getattr(statement, "handlers", []) or []:
                    scan(handler.body, in_class)
                continue
            if _has_translate(statement):
                # Lambdas are evaluated later; everything else here runs at import.
                calls = [
                    sub
                    for sub in ast.walk(statement)
                    if isinstance(sub, ast.Call)
                    and isinstance(sub.func, ast.Name)
                    and sub.func.id in TRANSLATE
                    and not any(sub in ast.walk(lam) for lam in ast.walk(statement) if isinstance(lam, ast.Lambda))
                ]
                for call in calls:
                    where = "class body" if in_class else "module level"
                    found.append(f"{_where(path, call)} {where}: {ast.unparse(call)[:70]}")

    scan(tree.body, False)
    return found


def test_no_text_is_frozen_at_import_time():
    found: list[str] = []
    for path in _python_files():
        if path.name == "i18n.py":
            continue
        found += _import_time_translations(ast.parse(path.read_text(encoding="utf-8"), filename=str(path)), path)
    assert not found, (
        "Translated at import time, so it would not follow a language switch; use N_() there and _() where it is "
        "shown:\n" + "\n".join(found)
    )


@pytest.mark.parametrize(
    "source, bad",
    [
        ('LABEL = _("Name")', True),
        ('def f(x=_("Name")): pass', True),
        ('def f():\n    return _("Name")', False),
        ('class S:\n    BINDINGS = [Binding("a", "b", _("Name"))]', False),
        ('class S:\n    TITLE = _("Name")', False),
        ('class S:\n    HELP = _("a") + _("b")', True),
        ('class S:\n    HELP = _("a {x}").format(x=1)', True),
        ('class S:\n    COLUMNS = ((_("Name"), 20), (_("City"), 10))', False),
        ('F = lambda: _("Name")', False),
        ('LABELS = {"a": N_("Name")}', False),
    ],
)
def test_the_import_time_check_itself(source, bad):
    assert bool(_import_time_translations(ast.parse(source), PACKAGE / "x.py")) is bad


@pytest.mark.parametrize(
    "source, bad",
    [
        ('Static("Hello there")', True),
        ('Static(_("Hello there"))', False),
        ('Static("", id="x")', False),
        ('self.notify("Saved")', True),
        ('Binding("s", "save", "Save")', True),
        ('Binding("s", "save", _("Save"))', False),
        ('Input(placeholder="dd.mm.yyyy")', True),
        ('Input(id="login-box")', False),
        ('Static("kbase", id="t")', False),
        ('self.title = "Pipeline"', True),
    ],
)
def test_the_literal_check_itself(source, bad):
    finder = _Finder(PACKAGE / "x.py")
    finder.visit(ast.parse(source))
    assert bool(finder.literals) is bad
