"""One base for every form dialog (ui/widgets/form_dialog.py): no feature grows its own again.

The rule, held over every module under kbase_tui/ui:

- no dialog styles built by formatting a CSS template per class (`DIALOG_CSS.format(cls=...)`): the frame,
  labels, hint and error lines come from form_dialog.tcss, a dialog's extras from the .tcss beside its screen;
- no dialog base but `KbaseModal` and `FormDialog`: a dialog class nobody else derives from;
- one submit action, `save`: a dialog that binds Ctrl+S is a `FormDialog` and binds it to `save` under the id
  `dialog.save`; Enter bound on a form dialog saves through `save` too; no dialog has an `accept`-like action.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
from pathlib import Path

from textual.binding import Binding
from textual.screen import ModalScreen

import kbase_tui.ui
from kbase_tui.ui.base import KbaseModal
from kbase_tui.ui.widgets.form_dialog import FormDialog

UI = Path(kbase_tui.ui.__file__).parent
BASES = {KbaseModal, FormDialog}
# Other names a submit action went by: a form dialog saves by `save` only.
SUBMIT_SYNONYMS = {"accept", "submit", "confirm", "ok", "apply", "commit", "done", "finish"}


def _css_template(node: ast.AST) -> bool:
    """A CSS template: a name ending in CSS, or a string with CSS's doubled braces."""
    if isinstance(node, ast.Name):
        return node.id.upper().endswith("CSS")
    return isinstance(node, ast.Constant) and isinstance(node.value, str) and "{{" in node.value


def _formats(node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format"


def _styles_from_format(node: ast.AST) -> bool:
    """`CSS = ...` or `DEFAULT_CSS = ...` with a `.format(...)` in what is assigned."""
    return (
        isinstance(node, ast.Assign)
        and any(isinstance(target, ast.Name) and target.id in ("CSS", "DEFAULT_CSS") for target in node.targets)
        and any(_formats(part) for part in ast.walk(node.value))
    )


def css_templates(source: str) -> list[int]:
    """Lines that build styles from a template per class: `DIALOG_CSS`, a CSS template's `.format(...)`, or
    styles (`CSS`, `DEFAULT_CSS`) assigned from a `.format(...)`."""
    return sorted(
        {
            node.lineno
            for node in ast.walk(ast.parse(source))
            if (isinstance(node, ast.Name) and node.id == "DIALOG_CSS")
            or (_formats(node) and _css_template(node.func.value))  # type: ignore[attr-defined]
            or _styles_from_format(node)
        }
    )


def dialog_classes() -> dict[str, type]:
    """Every dialog (ModalScreen subclass) defined under kbase_tui.ui, as "module:Class"."""
    found: dict[str, type] = {}
    for info in pkgutil.walk_packages(kbase_tui.ui.__path__, "kbase_tui.ui."):
        module = importlib.import_module(info.name)
        for _name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, ModalScreen) and cls.__module__ == info.name:
                found[f"{cls.__module__}:{cls.__qualname__}"] = cls
    return found


def _bindings(cls: type) -> list[Binding]:
    return [b for keys in cls._merge_bindings().key_to_bindings.values() for b in keys]  # type: ignore[attr-defined]


def _keys(binding: Binding) -> set[str]:
    return {key.strip() for key in binding.key.split(",")}


def broken_rules(classes: dict[str, type]) -> list[str]:
    """What breaks the one-base rule among these dialog classes, one sentence each."""
    problems = []
    for name, cls in sorted(classes.items()):
        if cls in BASES:
            continue
        heirs = [other for other_name, other in classes.items() if other is not cls and issubclass(other, cls)]
        if heirs:
            problems.append(f"{name} is a dialog base of its own (derive from FormDialog)")
        actions = {attr[len("action_") :] for attr in vars(cls) if attr.startswith("action_")}
        for synonym in sorted(actions & SUBMIT_SYNONYMS):
            problems.append(f"{name} has a second submit action: action_{synonym} (the form dialog's is save)")
        for binding in _bindings(cls):
            if "ctrl+s" in _keys(binding):
                if not issubclass(cls, FormDialog):
                    problems.append(f"{name} binds Ctrl+S but is no FormDialog")
                elif binding.action != "save" or binding.id != "dialog.save":
                    problems.append(f"{name} binds Ctrl+S to {binding.action} ({binding.id}), not save (dialog.save)")
            if issubclass(cls, FormDialog) and "enter" in _keys(binding) and binding.action != "save":
                problems.append(f"{name} binds Enter to {binding.action}: a form dialog submits through save")
    return problems


def test_no_module_under_ui_builds_dialog_styles_from_a_template():
    found = {
        str(path.relative_to(UI)): hits
        for path in sorted(UI.rglob("*.py"))
        for hits in [css_templates(path.read_text(encoding="utf-8"))]
        if hits
    }
    assert found == {}, f"dialog styles from a template (use FormDialog and a .tcss): {found}"


def test_every_dialog_keeps_to_the_one_form_dialog_base():
    classes = dialog_classes()
    assert "kbase_tui.ui.widgets.form_dialog:FormDialog" in classes
    assert broken_rules(classes) == []


# Dialogs with a text field that are no forms: typing there finds, it saves nothing.
FINDERS = {"kbase_tui.ui.widgets.find_dialog:FindClientDialog"}


def test_every_dialog_with_a_text_field_is_a_form_dialog():
    typed_into = {
        name
        for name, cls in dialog_classes().items()
        if "compose" in vars(cls)
        and any(f"{field}(" in inspect.getsource(cls.compose) for field in ("Input", "TextArea"))
    }
    assert len(typed_into) > 30
    assert sorted(name for name in typed_into - FINDERS if not issubclass(dialog_classes()[name], FormDialog)) == []


# --- the scans find what they are for -------------------------------------------------------------------------


def test_the_source_scan_finds_a_css_template():
    source = (
        'DIALOG_CSS = """\n{cls} {{ align: center middle; }}\n"""\n'
        "class A:\n"
        '    DEFAULT_CSS = DIALOG_CSS.format(cls="A")\n'
        "class B:\n"
        '    DEFAULT_CSS = FRAME.format(name="B") + "B Label { width: 100%; }"\n'
        "class C:\n"
        '    DEFAULT_CSS = "{c} {{ align: center middle; }}".format(c="C")\n'
    )
    assert css_templates(source) == [1, 5, 7, 9]
    # A sentence with a {cls} in it is no style.
    assert css_templates('DEFAULT_CSS = "A { align: center middle; }"\nx = _("class {cls}").format(cls=k)\n') == []


def test_the_class_rule_finds_a_base_of_its_own_and_a_second_submit_action():
    class OwnBase(KbaseModal):
        BINDINGS = [Binding("ctrl+s", "accept", "Save", id="feature.dialog.save")]

        def action_accept(self) -> None:
            self.dismiss(None)

    class OwnDialog(OwnBase):
        pass

    class SavesOnEnterElsewhere(FormDialog):
        BINDINGS = [Binding("enter", "apply", "Apply", id="feature.apply")]

        def action_apply(self) -> None:
            self.dismiss(None)

    class Proper(FormDialog):
        BINDINGS = [Binding("enter", "save", "Save", show=False, id="feature.enter")]

        def action_save(self) -> None:
            self.dismiss(None)

    problems = broken_rules(
        {"t:OwnBase": OwnBase, "t:OwnDialog": OwnDialog, "t:Else": SavesOnEnterElsewhere, "t:Proper": Proper}
    )
    assert problems == [
        "t:Else has a second submit action: action_apply (the form dialog's is save)",
        "t:Else binds Enter to apply: a form dialog submits through save",
        "t:OwnBase is a dialog base of its own (derive from FormDialog)",
        "t:OwnBase has a second submit action: action_accept (the form dialog's is save)",
        "t:OwnBase binds Ctrl+S but is no FormDialog",
        "t:OwnDialog binds Ctrl+S but is no FormDialog",
    ]
