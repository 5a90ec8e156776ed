"""Targets per user: set a day, week or month plan and see the actual beside it."""

from __future__ import annotations

from datetime import date, timedelta

from rich.cells import cell_len
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Header, Input, Label, Select, Static

from kbase_tui.formatting import format_fraction, format_span
from kbase_tui.formatting import today as business_today
from kbase_tui.i18n import _
from kbase_tui.labels import role_label
from kbase_tui.protocol import targets
from kbase_tui.protocol.reports import METRICS, PERIODS, metric_label, period_label
from kbase_tui.protocol.targets import Person, TargetRow

from ..base import KbaseScreen
from ..widgets.confirm import ConfirmDialog
from ..widgets.footer import KeyFooter
from ..widgets.form_dialog import DialogBody, ErrorLine, FormDialog
from ..widgets.formats import parse_date, show_amount, show_date
from ..widgets.table import ListTable
from .reports import format_value


class TargetDialog(FormDialog):
    COMPACT = True

    def __init__(self, people: list[Person], today: date) -> None:
        super().__init__()
        self.people = people
        self.today = today

    def compose(self) -> ComposeResult:
        with DialogBody():
            yield Static(Text(_("Set a target")), classes="dialog-title")
            yield Label(_("User"))
            yield Select(
                [(Text(f"{p.name} · {role_label(p.role)}"), p.id) for p in self.people],
                prompt=_("Choose a user"),
                id="target-user",
            )
            yield Label(_("Metric"))
            yield Select([(metric_label(m), m) for m in METRICS], value="calls", allow_blank=False, id="target-metric")
            yield Label(_("Period"))
            yield Select([(period_label(p), p) for p in PERIODS], value="week", allow_blank=False, id="target-period")
            yield Label(_("Starting (dd.mm.yyyy; weeks start on Monday, months on the 1st)"))
            yield Input(show_date(self.today), id="target-start")
            yield Label(_("Value"))
            yield Input("", id="target-value", type="integer")
            yield ErrorLine()
            yield Static(Text(_("Ctrl+S saves, Esc cancels.")), classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one("#target-user", Select).focus()

    def action_save(self) -> None:
        user = self.query_one("#target-user", Select).value
        if not isinstance(user, int):
            self.show_error(_("Choose a user."))
            return
        try:
            start = parse_date(self.query_one("#target-start", Input).value)
        except ValueError as error:
            self.show_error(str(error))
            return
        raw = self.query_one("#target-value", Input).value.strip()
        if start is None or not raw.isdigit():
            self.show_error(_("Give the starting day and a whole number."))
            return
        self.dismiss(
            (
                user,
                self.query_one("#target-metric", Select).value,
                self.query_one("#target-period", Select).value,
                start,
                int(raw),
            )
        )


class TargetsEditor(KbaseScreen):
    CSS_PATH = "supervisor.tcss"
    HELP = _(
        "Targets of this month and last month with what was achieved. n sets or changes a target "
        "(the same user, metric, period and start replaces the old value), x deletes the one under the cursor."
    )
    BINDINGS = [
        Binding("n", "new", _("Set target"), id="supervisor.targets.new"),
        Binding("x", "delete", _("Delete"), id="supervisor.targets.delete"),
        Binding("f5", "reload", _("Refresh"), show=False, id="supervisor.targets.refresh"),
        Binding("escape", "back", _("Back"), id="supervisor.targets.back"),
        Binding("f1", "app.help", _("Keys"), id="supervisor.targets.help"),
    ]

    def __init__(self, *, today: date | None = None) -> None:
        super().__init__()
        self.today = today or business_today()

    def compose(self) -> ComposeResult:
        yield Header()
        yield ListTable(id="targets-table", cursor_type="row", zebra_stripes=True)
        yield KeyFooter()

    def on_mount(self) -> None:
        self.title = _("Targets per user")
        table = self.query_one(DataTable)
        # One short column for the dates (this month's and last month's targets: the year is plain), and "%" as
        # the last header, so that every column shows whole at 80 columns.
        for label, key in (
            (_("User"), "user"),
            (_("Metric"), "metric"),
            (_("Dates"), "dates"),
            (_("Target"), "target"),
            (_("Actual"), "actual"),
            ("%", "done"),
        ):
            table.add_column(label, key=key)
        table.focus()
        self.action_reload()

    def action_reload(self) -> None:
        first = (self.today.replace(day=1) - timedelta(days=1)).replace(day=1)
        self.call(targets.list_targets, first, self.today + timedelta(days=62), done=self._show)

    def _show(self, rows: list[TargetRow]) -> None:
        table = self.query_one(DataTable)
        table.clear()
        for r in rows:
            done = round(100 * float(r.actual) / r.value, 1) if r.value else 0.0
            table.add_row(
                Text(r.user_name),
                Text(metric_label(r.metric)),
                Text(format_span(r.starts_on, r.ends_on)),
                Text(show_amount(r.value), justify="right"),
                Text(format_value(r.actual), justify="right"),
                Text(format_fraction(done, 1), justify="right", style="bold red" if done < 50 else ""),
                key=str(r.id),
            )
        table.fit_columns(self._widths)

    def _widths(self, width: int) -> dict[str, int]:
        """The figures as wide as their widest value (a cut "41,7" read "41,"); the user's name and the metric
        share what they leave, shortened with "…" (a name is whole in the detail of its target)."""
        table = self.query_one(ListTable)
        wide = {str(column.key.value): cell_len(column.label.plain) for column in table.ordered_columns}
        for row in table.rows:
            for column, cell in zip(table.ordered_columns, table.get_row(row), strict=True):
                plain = cell.plain if isinstance(cell, Text) else str(cell)
                wide[str(column.key.value)] = max(wide[str(column.key.value)], cell_len(plain))
        figures = {key: wide[key] for key in ("dates", "target", "actual", "done")}
        room = width - sum(figures.values()) - 2 * table.cell_padding * len(wide)
        metric = min(wide["metric"], max(10, room - min(wide["user"], 14)))
        return {**figures, "metric": metric, "user": max(6, min(wide["user"], room - metric))}

    def action_new(self) -> None:
        self.call(
            targets.people,
            done=lambda people: self.app.push_screen(TargetDialog(people, self.today), self._save),
            holds_keys=True,
        )

    def _save(self, values) -> None:
        if values:
            user, metric, period, start, value = values
            self.call(targets.set_target, user, metric, period, start, value, done=lambda _row: self.action_reload())

    def action_delete(self) -> None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        self.app.push_screen(
            ConfirmDialog(_("Delete this target?")),
            lambda yes: yes and self.call(targets.delete_target, int(key), done=lambda _r: self.action_reload()),
        )

    def action_back(self) -> None:
        self.app.pop_screen()
