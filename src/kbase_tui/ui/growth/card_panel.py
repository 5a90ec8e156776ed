"""The growth tab of the account card: the segment's standard, the client's white spots and its figures.

A white spot is a category of the standard the client does not buy, or buys less often than the
standard; the gap is what the missing purchases are worth, weighted by the client's potential.
The card's c key turns the highlighted spot into a cross-sell task (`cross_sell`).
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from kbase_tui.formatting import quoted
from kbase_tui.i18n import _
from kbase_tui.protocol import growth
from kbase_tui.protocol.growth import ClientGrowth

from ..base import ServiceCalls
from ..widgets.formats import show_date
from ..widgets.table import ListTable
from .labels import figure, money, segment_kind_label, status_label


def growth_summary(found: ClientGrowth) -> Text:
    f = found.figures
    text = Text(no_wrap=True, overflow="ellipsis")
    standard = found.standard
    if standard is None:
        text.append(_("No standard for this client's channel or industry: the head of sales sets one."), style="dim")
    else:
        text.append(_("Standard: "), style="dim")
        text.append(f"{segment_kind_label(standard.segment_kind)} {quoted(standard.segment)}", style="bold")
        text.append(
            _(" · every {n} d. · avg {amount} · {k} categories").format(
                n=standard.interval_days, amount=money(standard.average_order), k=len(standard.category_ids)
            ),
            style="dim",
        )
        if not found.potential:
            text.append("  " + _("potential not set: gaps weigh 0 (p sets it)"), style="yellow")
    text.append("\n")
    text.append_text(figure(_("Orders a year "), f.orders_now, f.orders_before, str))
    text.append("  ")
    text.append_text(figure(_("avg "), f.average_now, f.average_before, money))
    text.append("\n")
    text.append_text(figure(_("Categories bought "), f.breadth_now, f.breadth_before, str))
    return text


class GrowthPanel(ServiceCalls, Vertical):
    DEFAULT_CSS = """
    GrowthPanel { height: 1fr; }
    GrowthPanel #growth-summary { height: auto; max-height: 3; padding: 0 1; }
    GrowthPanel #growth-spots { height: 1fr; }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.found: ClientGrowth | None = None

    def compose(self) -> ComposeResult:
        yield Static("", id="growth-summary")
        yield ListTable(id="growth-spots", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        table = self.query_one(ListTable)
        # The category takes what the figures leave: a long name never pushes the gap off the screen.
        table.add_column(_("White spot"), width=12, key="category")
        table.add_column(_("Status"), width=13, key="status")
        table.add_column(_("Bought"), width=7, key="bought")
        table.add_column(_("Last"), width=10, key="last")
        table.add_column(_("Gap"), width=11, key="gap")
        table.fit_columns(lambda width: {"category": max(12, width - 55)})

    def load(self, company_id: int) -> None:
        self.call(growth.client_growth, company_id, done=self.show, group="growth-card", exclusive=True)

    def show(self, found: ClientGrowth) -> None:
        self.found = found
        self.query_one("#growth-summary", Static).update(growth_summary(found))
        table = self.query_one(DataTable)
        table.clear()
        for spot in found.spots:
            table.add_row(
                Text(spot.category_name),
                Text(status_label(spot.status), style="bold red" if spot.status == "missing" else "yellow"),
                Text(f"{spot.bought}/{spot.expected}", justify="right"),
                Text(show_date(spot.last_bought_at) if spot.last_bought_at else "—"),
                Text(money(spot.gap), justify="right"),
                key=str(spot.category_id),
            )
        if found.standard is not None and not found.spots:
            table.add_row(Text(_("No white spots: the client buys the whole standard."), style="green"), "", "", "", "")

    @property
    def selected_spot(self):
        if self.found is None or not self.found.spots:
            return None
        index = self.query_one(DataTable).cursor_row
        return self.found.spots[index] if 0 <= index < len(self.found.spots) else None
