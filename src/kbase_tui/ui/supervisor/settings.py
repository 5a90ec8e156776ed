"""Settings: the tunables of the queue, the accounts and security, each with its default, range and unit.

The head of sales opens it from the desk (o), the administrator from the users screen (o) and sees the security
ones. Enter changes the row under the cursor; the server checks the value and refuses one out of range with a
sentence, which the dialog shows while keeping what was typed.
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Header, Input, Label, Static

from kbase_tui.i18n import _
from kbase_tui.protocol import settings
from kbase_tui.protocol.errors import KbaseError
from kbase_tui.protocol.settings import SettingRow

from ..base import KbaseScreen
from ..widgets.footer import KeyFooter
from ..widgets.form_dialog import DialogBody, ErrorLine, FormDialog
from ..widgets.table import ListTable


def group_label(group: str) -> str:
    return {"queue": _("Queue"), "accounts": _("Deals and accounts"), "security": _("Security")}.get(group, group)


class SettingDialog(FormDialog):
    """One setting: its value typed, checked by the server on Ctrl+S; a refusal leaves the text as typed."""

    COMPACT = True

    def __init__(self, row: SettingRow) -> None:
        super().__init__()
        self.row = row

    def compose(self) -> ComposeResult:
        row = self.row
        with DialogBody():
            yield Static(Text(row.label), classes="dialog-title")
            yield Label(Text(_("Value ({unit}, {range})").format(unit=row.unit, range=row.range_text)))
            yield Input(row.value, id="setting-value")
            yield Static(
                Text(
                    _("Default: {default}. Now: {value}. A change applies {applies}.").format(
                        default=row.default, value=row.value, applies=row.applies
                    )
                ),
                classes="dialog-hint",
            )
            yield ErrorLine()
            yield Static(Text(_("Ctrl+S saves, Ctrl+R types the default, Esc cancels.")), classes="dialog-hint")

    BINDINGS = [Binding("ctrl+r", "default", _("Default"), id="supervisor.setting.default")]

    def on_mount(self) -> None:
        self.query_one("#setting-value", Input).focus()

    def action_default(self) -> None:
        self.query_one("#setting-value", Input).value = self.row.default

    def on_input_submitted(self, _event) -> None:
        self.action_save()

    def action_save(self) -> None:
        typed = self.query_one("#setting-value", Input).value
        self.call(
            settings.change_setting,
            self.row.key,
            typed,
            self.row.role,
            done=self.dismiss,
            failed=self._refused,
        )

    def _refused(self, error: KbaseError) -> None:
        self.show_error(str(error))


class SettingsScreen(KbaseScreen):
    CSS_PATH = "supervisor.tcss"
    HELP = _(
        "Every setting with its value, default, unit and range. Enter changes the one under the cursor (Ctrl+S "
        "saves, Ctrl+R types the default); a value out of range is refused and nothing changes. Every change is "
        "in the audit log with the old and the new value. Rows in grey are for the administrator to change."
    )
    BINDINGS = [
        Binding("enter", "edit", _("Change"), id="supervisor.settings.edit"),
        Binding("f5", "reload", _("Refresh"), show=False, id="supervisor.settings.refresh"),
        Binding("escape", "back", _("Back"), id="supervisor.settings.back"),
        Binding("f1", "app.help", _("Keys"), id="supervisor.settings.help"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[SettingRow] = []

    def compose(self) -> ComposeResult:
        yield Header()
        yield ListTable(id="settings-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="settings-row")
        yield Static("", id="settings-status")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.title = _("Settings")
        table = self.query_one(DataTable)
        # The name, the value and the default fit an 80-column screen with their headings whole ("По умолчанию"
        # was pushed off its edge by a long list of pauses); what does not fit is cut with "…" and the line
        # under the table gives the whole row under the cursor.  Unit, range, when it applies and the group
        # follow to the right (the table scrolls sideways).
        value = max(12, cell_len(_("Value")))
        default = max(12, cell_len(_("Default")))
        table.add_column(_("Setting"), key="setting")
        table.add_column(_("Value"), key="value", width=value)
        table.add_column(_("Default"), key="default", width=default)
        for label in (_("Unit"), _("Range"), _("Applies"), _("Group")):
            table.add_column(label)

        def widths(width: int) -> dict[str, int]:
            room = width - 2 - 6  # the scrollbar, the three columns' padding
            wide = max(0, min(26, (room - 48) // 2))  # a wider screen shows the list of pauses whole
            shown = {"value": max(value, wide), "default": max(default, wide)}
            return {"setting": max(24, min(48, room - shown["value"] - shown["default"])), **shown}

        table.fit_columns(widths)
        table.focus()
        self.action_reload()

    def action_reload(self) -> None:
        self.call(settings.list_settings, done=self._show)

    def _show(self, rows: list[SettingRow]) -> None:
        self.rows = list(rows)
        table = self.query_one(DataTable)
        cursor = table.cursor_row
        table.clear()
        for n, r in enumerate(self.rows):
            dim = "" if r.editable else "dim"
            changed = "bold" if r.value != r.default else ""
            table.add_row(
                Text(r.label, style=dim, overflow="ellipsis", no_wrap=True),
                Text(r.value, style=f"{changed} {dim}".strip(), justify="right"),
                Text(r.default, style=dim, justify="right"),
                Text(r.unit, style=dim),
                Text(r.range_text, style=dim),
                Text(r.applies, style=dim),
                Text(group_label(r.group), style=dim),
                key=str(n),
            )
        if self.rows:
            table.move_cursor(row=min(cursor, len(self.rows) - 1))
            self._describe(table.cursor_row)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._describe(event.cursor_row)

    def _describe(self, index: int) -> None:
        if not 0 <= index < len(self.rows):
            return
        r = self.rows[index]
        line = _("{label}: {value} {unit} (default {default}; {range}; applies {applies}).").format(
            label=r.label, value=r.value, unit=r.unit, default=r.default, range=r.range_text, applies=r.applies
        )
        hint = _("Enter: change.") if r.editable else _("Only the administrator changes this one.")
        self.query_one("#settings-row", Static).update(Text(f"{line} {hint}"))

    def action_edit(self) -> None:
        table = self.query_one(DataTable)
        if not self.rows or self.app.screen is not self:
            return
        row = self.rows[table.cursor_row]
        if not row.editable:
            self.query_one("#settings-status", Static).update(
                Text(_("Only the administrator changes this one."), style="bold")
            )
            return
        self.app.push_screen(SettingDialog(row), self._changed)

    def on_data_table_row_selected(self, _event) -> None:
        self.action_edit()

    def _changed(self, row: SettingRow | None) -> None:
        if row is not None:
            self.query_one("#settings-status", Static).update(
                Text(_("{label}: now {value} {unit}.").format(label=row.label, value=row.value, unit=row.unit))
            )
            self.action_reload()

    def action_back(self) -> None:
        self.app.pop_screen()
