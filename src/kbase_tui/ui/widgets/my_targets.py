"""One line on a person's home screen: their own targets for the periods running now, and how far they are.

"Plan for the week: first contracts 2/5 · orders 1/5 │ for the month: revenue 1.5K/100K"; a target reached is green.
Hidden when the person has no target running.  The screen calls `refresh_targets` when it loads.
"""

from __future__ import annotations

from decimal import Decimal

from rich.text import Text
from textual.widgets import Static

from kbase_tui.i18n import _, pgettext
from kbase_tui.protocol import playbook
from kbase_tui.protocol.reports import metric_label

from ..base import ServiceCalls
from .formats import show_amount_short

AMOUNT_METRICS = ("revenue",)


def _figure(metric: str, value: Decimal | int) -> str:
    if metric in AMOUNT_METRICS:
        return show_amount_short(value)
    return str(int(value))


def _plan_for(period: str) -> str:
    # "План на месяц", not "План месяц": the period after "Plan" is said as what the plan is for.
    words = {
        "day": pgettext("plan for", "for today"),
        "week": pgettext("plan for", "for the week"),
        "month": pgettext("plan for", "for the month"),
    }
    return words.get(period, period)


def targets_text(rows) -> Text:
    """The line for these targets (sorted day, week, month by the service)."""
    text = Text(no_wrap=True, overflow="ellipsis")
    if not rows:
        return text
    text.append(_("Plan") + " ", style="bold")
    period = None
    for row in rows:
        if row.period != period:
            if period is not None:
                text.append(" │ ", style="dim")
            text.append(_plan_for(row.period) + ": ", style="dim")
            period = row.period
        else:
            text.append(" · ", style="dim")
        reached = row.value > 0 and row.actual >= row.value
        text.append(metric_label(row.metric) + " ")
        text.append(
            f"{_figure(row.metric, row.actual)}/{_figure(row.metric, row.value)}",
            style="bold green" if reached else "bold",
        )
    return text


class MyTargetsLine(ServiceCalls, Static):
    DEFAULT_CSS = """
    MyTargetsLine { height: 1; padding: 0 1; background: $boost; }
    MyTargetsLine.-empty { display: none; }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__("", **kwargs)
        self.rows: list = []
        self.add_class("-empty")

    def refresh_targets(self) -> None:
        self.call(playbook.my_targets, done=self._show)

    def _show(self, rows) -> None:
        self.rows = list(rows)
        self.set_class(not self.rows, "-empty")
        self.update(targets_text(self.rows))
