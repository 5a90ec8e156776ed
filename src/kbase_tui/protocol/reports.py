"""Reports for the head of sales: a table, its charts and notes, and the names and labels around them.

A report is computed on the server (aggregated in SQL) and travels whole: the screen draws the
table and the charts from the `Report` it receives.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from kbase_tui.i18n import _

from .operations import operation
from .refusals import current_week
from .types import Code

METRICS = ("calls", "handovers", "refusals", "deals_won", "revenue", "orders")
PERIODS = ("day", "week", "month")

# A cell of a report's table as JSON carries it.  Amounts (Decimal), days (date) and moments
# (datetime) travel as strings: `Report.typed` lists those cells and the app reads them back as
# the same values, so a screen formats an amount as an amount.
WireCell = str | int | float | None
_KINDS = {"amount": Decimal, "moment": datetime.fromisoformat, "day": date.fromisoformat}


def _kind(value: object) -> str | None:
    if isinstance(value, Decimal):
        return "amount"
    if isinstance(value, datetime):
        return "moment"
    if isinstance(value, date):
        return "day"
    return None


@dataclass(frozen=True)
class Chart:
    kind: str  # bar | line
    title: str
    labels: tuple[str, ...]
    values: tuple[float, ...]
    x_label: str = ""
    y_label: str = ""
    # "count" (whole numbers: the axis has integer ticks) or "percent" (the axis runs to 100 at least, so a
    # 24 % bar looks like a quarter).
    unit: str = "count"
    # The sentence shown instead of the chart when it has nothing to draw (no labels, or every value zero).
    empty: str = ""


@dataclass(frozen=True)
class Report:
    name: str
    title: str
    date_from: date
    date_to: date
    columns: tuple[str, ...]
    rows: tuple[tuple[WireCell, ...], ...]  # and Decimal, date and datetime cells, listed in `typed`
    charts: tuple[Chart, ...] = field(default_factory=tuple)
    notes: tuple[str, ...] = field(default_factory=tuple)
    # (row, column, "amount" | "day" | "moment"): filled from the values where the report is made,
    # and used where it is decoded to turn those cells' strings back into values.
    typed: tuple[tuple[int, int, str], ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        if not self.typed:
            typed = tuple(
                (r, c, kind)
                for r, row in enumerate(self.rows)
                for c, value in enumerate(row)
                if (kind := _kind(value)) is not None
            )
            object.__setattr__(self, "typed", typed)
            return
        rows = [list(row) for row in self.rows]
        for r, c, kind in self.typed:
            if isinstance(rows[r][c], str):
                rows[r][c] = _KINDS[kind](rows[r][c])
        object.__setattr__(self, "rows", tuple(tuple(row) for row in rows))

    def column(self, name: str) -> list:
        index = self.columns.index(name)
        return [row[index] for row in self.rows]

    def row(self, first: object) -> tuple:
        return next(r for r in self.rows if r[0] == first)


def default_period(today: date | None = None) -> tuple[date, date]:
    """The period a report opens on: the current week, Monday to Sunday."""
    return current_week(today)


def report_titles() -> list[tuple[str, str]]:
    """(name, title) of every report, in the order of the reports screen's keys 1 to 7."""
    return [
        ("funnel", _("Sales funnel")),
        ("operators", _("Cold-call operators")),
        ("refusals", _("Refusal reasons")),
        ("clients", _("Clients by industry and channel")),
        ("abcde", _("ABCDE and Pareto")),
        ("targets", _("Targets against actuals")),
        ("lost", _("Lost clients and return plan")),
    ]


def metric_label(metric: str) -> str:
    return {
        "calls": _("calls"),
        "handovers": _("hand-overs"),
        "refusals": _("refusals"),
        "deals_won": _("first contracts"),
        "revenue": _("revenue"),
        "orders": _("orders"),
    }.get(metric, metric)


def period_label(period: str) -> str:
    return {"day": _("day"), "week": _("week"), "month": _("month")}.get(period, period)


# --- operations ------------------------------------------------------------------------


@operation("reports.run", reads=True)
def run(name: Code, date_from: date | None = None, date_to: date | None = None) -> Report:
    """One report by name (see `report_titles`) for the days given, inclusive; this week by default."""
