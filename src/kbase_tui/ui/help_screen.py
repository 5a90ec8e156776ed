"""F1: the keys of the screen it was opened from, generated from its BINDINGS."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Static

from kbase_tui.i18n import _

from .widgets.table import ListTable, cell_len_of


def _key_label(app, key: str) -> str:
    return app.get_key_display(Binding(key, ""))


def _share(room: int, wants: dict[str, int]) -> dict[str, int]:
    """Column widths within *room*: each as wide as it wants while they fit, else the id shrinks first (to
    12), then the action (to 20), then the key."""
    widths = dict(wants)
    over = sum(widths.values()) - room
    for column, least in (("id", 12), ("action", 20), ("key", 1)):
        give = max(0, min(over, widths[column] - min(least, widths[column])))
        widths[column] -= give
        over -= give
    return widths


class HelpScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape,f1,q", "close_help", _("Close"), id="help.close", priority=True),
    ]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll { width: 90%; max-width: 100; height: 90%; border: thick $primary; background: $surface; padding: 0 1; }
    HelpScreen #help-title { text-style: bold; padding-bottom: 1; }
    HelpScreen DataTable { height: auto; width: 1fr; }
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
        headings = {"key": _("Key"), "action": _("Action"), "id": _("Id")}
        for column, heading in headings.items():
            table.add_column(heading, key=column)
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
        # The columns share the frame's width: one too wide for it was cut at the frame's edge mid-word
        # ("card.back_to_b").  Now the id gives way first, then the action; what is cut ends in "…".
        texts = {column: [heading] for column, heading in headings.items()}
        for row in table.rows:
            for column, cell in zip(headings, table.get_row(row), strict=True):
                texts[column].append(cell.plain)
        wants = {column: cell_len_of(*values) for column, values in texts.items()}
        # The room leaves out each column's padding and the table's own scrollbar (a long list scrolls).
        padding = 2 * table.cell_padding * len(wants)
        table.fit_columns(lambda width: _share(width - padding - table.styles.scrollbar_size_vertical, wants))
        table.focus()

    def action_close_help(self) -> None:
        self.dismiss(None)
