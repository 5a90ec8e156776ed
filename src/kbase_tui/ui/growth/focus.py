"""Focus targets: the head of sales sets, per period, "category X to segment Y" (an amount or a number of
clients), for every account manager or one; each account manager sees their progress on their own list.
"""

from __future__ import annotations

from datetime import timedelta

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Header, Input, Label, Select, Static

from kbase_tui.formatting import today as business_today
from kbase_tui.i18n import _
from kbase_tui.protocol import catalog, growth, targets

from ..base import KbaseScreen
from ..widgets.confirm import ConfirmDialog
from ..widgets.footer import KeyFooter
from ..widgets.form_dialog import DialogBody, ErrorLine, FormDialog
from ..widgets.formats import DATE_FIELD_LENGTH, parse_amount, parse_date, show_date
from ..widgets.table import ListTable
from .labels import metric_label, money, segment_kind_label, share_text


def target_name(target) -> str:
    name = target.category_name
    if target.segment:
        name += f" → {target.segment}"
    return name


def shown_value(metric: str, value) -> str:
    return money(value) if metric == "amount" else str(int(value))


def focus_line(progress) -> Text:
    """One line for the account manager's list: each focus target of today, done of target and the share."""
    text = Text(no_wrap=True, overflow="ellipsis")
    if not progress:
        return text
    text.append(_("Focus: "), style="bold")
    for n, p in enumerate(progress):
        if n:
            text.append("  ·  ", style="dim")
        text.append(target_name(p.target))
        text.append(
            f" {shown_value(p.target.metric, p.done)}/{shown_value(p.target.metric, p.target.value)} ", style="dim"
        )
        text.append_text(share_text(p.done, p.target.value))
    return text


class FocusTargetDialog(FormDialog):
    COMPACT = True

    def compose(self) -> ComposeResult:
        today = business_today()
        with DialogBody():
            yield Static(Text(_("Set a focus target")), classes="dialog-title")
            yield Label(_("Category"))
            yield Select([], prompt=_("Choose a category"), id="focus-category")
            yield Label(_("Segment"))
            yield Select(
                [(segment_kind_label(k), k) for k in ("", "channel", "industry")],
                value="",
                allow_blank=False,
                id="focus-kind",
            )
            yield Select([], prompt=_("Every client"), id="focus-segment")
            yield Label(_("Counted as"))
            yield Select(
                [(metric_label(m), m) for m in ("amount", "clients")],
                value="amount",
                allow_blank=False,
                id="focus-metric",
            )
            yield Label(_("Target"))
            yield Input(id="focus-value", max_length=20)
            yield Label(_("From and to (dd.mm.yyyy)"))
            yield Input(show_date(today), id="focus-from", max_length=DATE_FIELD_LENGTH)
            yield Input(show_date(today + timedelta(days=30)), id="focus-to", max_length=DATE_FIELD_LENGTH)
            yield Label(_("For"))
            yield Select([], prompt=_("Each account manager"), id="focus-manager")
            yield ErrorLine()
            yield Static(Text(_("Ctrl+S saves, Esc cancels.")), classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one("#focus-category", Select).focus()
        self.call(catalog.categories, done=self._categories)
        self.call(targets.people, done=self._people)

    def _categories(self, found) -> None:
        self.query_one("#focus-category", Select).set_options([(Text(c.name), c.id) for c in found])

    def _people(self, people) -> None:
        managers = [p for p in people if p.role == "account"]
        self.query_one("#focus-manager", Select).set_options([(Text(p.name), p.id) for p in managers])

    @on(Select.Changed, "#focus-kind")
    def _kind(self, event: Select.Changed) -> None:
        segment = self.query_one("#focus-segment", Select)
        if event.value in ("channel", "industry"):
            self.call(
                growth.segments, event.value, done=lambda found: segment.set_options([(Text(s), s) for s in found])
            )
        else:
            self.forget_calls(growth.segments)  # every client: a channel's list on its way must not show
            segment.set_options([])

    def action_save(self) -> None:
        category = self.query_one("#focus-category", Select).value
        if not isinstance(category, int):
            self.show_error(_("Choose a category."))
            return
        kind = self.query_one("#focus-kind", Select).value
        segment = self.query_one("#focus-segment", Select).value
        segment = segment if isinstance(segment, str) else ""
        if kind and not segment:
            self.show_error(_("Choose the segment."))
            return
        manager = self.query_one("#focus-manager", Select).value
        try:
            value = parse_amount(self.query_one("#focus-value", Input).value)
            start = parse_date(self.query_one("#focus-from", Input).value)
            end = parse_date(self.query_one("#focus-to", Input).value)
        except ValueError as error:
            self.show_error(str(error))
            return
        if start is None or end is None:
            self.show_error(_("The period ends before it starts."))
            return
        self.save_with(
            growth.save_focus_target,
            start,
            end,
            category,
            self.query_one("#focus-metric", Select).value,
            value,
            segment_kind=kind if segment else "",
            segment=segment,
            manager_id=manager if isinstance(manager, int) else None,
        )


class FocusTargets(KbaseScreen):
    CSS_PATH = "growth.tcss"
    HELP = _(
        "Focus targets of today with each account manager's progress: a category to a segment over a period, "
        "counted as the amount of order lines or the number of clients who bought it. n sets a target, x deletes "
        "the highlighted one. The texts advise changing focus every one to three months. Esc goes back."
    )
    BINDINGS = [
        Binding("n", "new", _("Set target"), id="growth.focus.new"),
        Binding("x", "delete", _("Delete"), id="growth.focus.delete"),
        Binding("f5", "reload", _("Refresh"), show=False, id="growth.focus.refresh"),
        Binding("escape", "back", _("Back"), id="growth.focus.back"),
        Binding("f1", "app.help", _("Keys"), id="growth.focus.help"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.rows: list = []

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="focus-summary")
        yield ListTable(id="focus-table", cursor_type="row", zebra_stripes=True)
        yield KeyFooter()

    def on_mount(self) -> None:
        self.title = _("Focus targets")
        table = self.query_one(ListTable)
        for label, key, width in (
            (_("Target"), "target", 16),
            (_("Period"), "period", 11),
            (_("Manager"), "manager", 12),
            (_("Done"), "done", 10),
            (_("Of"), "of", 10),
            ("%", "share", 5),
        ):
            table.add_column(label, key=key, width=width)
        # The target's name takes what the others leave (the table stays as wide as the screen) and wraps
        # onto more lines rather than being cut: at 80 columns that is 17.  The manager's name has room for
        # a name and a surname on one line once the screen is wide.
        table.fit_columns(
            lambda width: {
                "target": max(16, width - 63 - (12 if width >= 120 else 0)),
                "manager": 24 if width >= 120 else 12,
            }
        )
        table.focus()
        self.action_reload()

    def resumed(self) -> None:
        self.action_reload()

    def action_reload(self) -> None:
        self.call(growth.focus_progress, done=self._show, group="focus", exclusive=True)
        self.call(growth.focus_targets, done=self._summary, group="focus-targets", exclusive=True)

    def _summary(self, found) -> None:
        today = business_today()
        later = [t for t in found if t.starts_on > today]
        text = Text(_("Targets now and to come: {n}").format(n=len(found)))
        if later:
            text.append(" · " + _("starting later: {n}").format(n=len(later)), style="dim")
        self.query_one("#focus-summary", Static).update(text)

    def _show(self, progress) -> None:
        self.rows = list(progress)
        table = self.query_one(ListTable)
        table.clear()
        for n, p in enumerate(self.rows):
            table.add_row(
                Text(target_name(p.target) + f" ({metric_label(p.target.metric)})"),
                Text(f"{show_date(p.target.starts_on)[:5]}–{show_date(p.target.ends_on)[:5]}"),
                Text(p.manager_name),
                Text(shown_value(p.target.metric, p.done), justify="right", no_wrap=True),
                Text(shown_value(p.target.metric, p.target.value), justify="right", no_wrap=True),
                share_text(p.done, p.target.value),
                key=str(n),
                height=None,  # as tall as the target's wrapped name
            )

    def action_new(self) -> None:
        self.app.push_screen(FocusTargetDialog(), lambda saved: self.action_reload() if saved else None)

    def action_delete(self) -> None:
        index = self.query_one(DataTable).cursor_row
        if not 0 <= index < len(self.rows):
            return
        target = self.rows[index].target
        self.app.push_screen(
            ConfirmDialog(_("Delete the focus target {name}?").format(name=target_name(target))),
            lambda yes: yes and self.call(growth.delete_focus_target, target.id, done=lambda _r: self.action_reload()),
        )

    def action_back(self) -> None:
        self.app.pop_screen()
