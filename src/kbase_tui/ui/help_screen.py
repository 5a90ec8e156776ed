"""F1: the keys of the screen it was opened from, generated from its BINDINGS."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Static

from kbase_tui.i18n import _

from .widgets.table import ListTable


def _key_label(app, key: str) -> str:
    return app.get_key_display(Binding(key, ""))


class HelpScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape,f1,q", "close_help", _("Close"), id="help.close", priority=True),
    ]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll { width: 90%; max-width: 100; height: 90%; border: thick $primary; background: $surface; padding: 0 1; }
    HelpScreen #help-title { text-style: bold; padding-bottom: 1; }
    HelpScreen DataTable { height: auto; }
    """

    def __init__(self, target: Screen) -> None:
        super().__init__()
        self.target = target

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(
                Text(_("Keys: {screen}").format(screen=self.target.title or self.target.__class__.__name__)),
                id="help-title",
            )
            help_text = getattr(self.target, "HELP", "")
            if help_text:
                yield Static(Text(help_text), id="help-text")
            yield ListTable(id="help-keys", cursor_type="row", zebra_stripes=True)
            keymap_file = getattr(self.app, "keymap_file", "")
            yield Static(
                Text(
                    _("Keys changed for this installation by {file}.").format(file=keymap_file)
                    if keymap_file
                    else _("The id moves a key to another in the installation's keymap file (the guides say how).")
                ),
                id="help-keymap",
            )

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns(_("Key"), _("Action"), _("Id"))
        seen: set[str] = set()
        # The screen's own keys first (the caller's outcome keys before anything: help_rank), then those
        # of the focused widget (scrolling and the like), the app's last.
        screen_rank = getattr(self.target, "help_rank", None)

        def rank(item) -> tuple[int, int]:
            _key, active = item
            node = active.node
            where = 0 if node is self.target else 2 if node is self.app else 1
            return where, screen_rank(active.binding) if screen_rank is not None and where == 0 else 0

        for key, active in sorted(self.target.active_bindings.items(), key=rank):
            binding = active.binding
            # _() again: Textual's own widgets describe their keys in English (ui/textual_texts.py).
            description = _(binding.description) if binding.description else binding.action
            if getattr(binding, "system", False) or key in ("tab", "shift+tab", "ctrl+c", "super+c"):
                continue
            row_key = f"{key}:{binding.action}"
            if row_key in seen:
                continue
            seen.add(row_key)
            table.add_row(Text(_key_label(self.app, key)), Text(description), Text(binding.id or ""))
        table.focus()

    def action_close_help(self) -> None:
        self.dismiss(None)
