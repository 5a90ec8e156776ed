"""What a report's chart shows at a given width: the axis, the ticks, the labels and the legend.

Kept apart from plotext so that the rules a person reads a chart by can be tested as data: counts get whole
numbers on the axis, every axis starts at zero, a percentage axis runs to 100 at least, labels that do not fit
under their bar become numbers with a legend below, and a chart with nothing to draw becomes a sentence.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from kbase_tui.formatting import format_fraction
from kbase_tui.i18n import _
from kbase_tui.protocol.reports import Chart

# Columns the y axis and the frame take beside the bars (tick labels up to "100 %", the axis line, the border).
_AXIS_WIDTH = 8
_SHORT_NAME = 3


@dataclass(frozen=True)
class ChartPlan:
    kind: str  # bar | line | empty
    title: str
    values: tuple[float, ...] = ()
    # Bars: the name under each bar (the label itself, or its number when the labels do not fit).
    # Lines: the x positions 1..n get the labels in x_ticks (every k-th when they would overlap).
    bar_names: tuple[str, ...] = ()
    x_ticks: tuple[tuple[int, str], ...] = ()
    y_top: float = 0.0
    y_ticks: tuple[float, ...] = ()
    y_tick_labels: tuple[str, ...] = ()
    legend: tuple[str, ...] = field(default_factory=tuple)
    x_label: str = ""
    y_label: str = ""
    message: str = ""  # why there is nothing to draw (kind "empty")


def _count_step(top: float, max_ticks: int) -> int:
    """The smallest whole step of 1, 2 or 5 times a power of ten giving at most *max_ticks* intervals."""
    magnitude = 1
    while True:
        for factor in (1, 2, 5):
            step = factor * magnitude
            if math.ceil(top / step) <= max_ticks:
                return step
        magnitude *= 10


def _axis(unit: str, values: tuple[float, ...], height: int) -> tuple[float, tuple[float, ...], tuple[str, ...]]:
    """(top, ticks, tick labels) of the y axis, from zero."""
    highest = max(values) if values else 0.0
    # A tick every other row at most, so labels never touch; at least two intervals.
    max_ticks = max(2, min(5, (height - 4) // 2))
    if unit == "percent":
        top = max(100.0, math.ceil(highest / 25) * 25.0)
        step = 25.0 if top / 25 <= max_ticks else 50.0 if top / 50 <= max_ticks else top / 2
        ticks = tuple(step * i for i in range(int(top // step) + 1))
        return top, ticks, tuple(f"{format_fraction(tick, 1, trim=True)} %" for tick in ticks)
    step = _count_step(highest, max_ticks)
    top = float(max(step, math.ceil(highest / step) * step))
    ticks = tuple(float(step * i) for i in range(int(top // step) + 1))
    return top, ticks, tuple(str(int(tick)) for tick in ticks)


def _value_text(value: float, unit: str) -> str:
    if unit == "percent":
        return f"{format_fraction(value, 1, trim=True)} %"
    return format_fraction(value, 2, trim=True)


def plan(chart: Chart, width: int, height: int) -> ChartPlan:
    """How *chart* is drawn in a plot of *width* x *height* cells."""
    values = tuple(float(v) for v in chart.values)
    if not chart.labels or not any(values):
        return ChartPlan("empty", chart.title, message=chart.empty or _("Nothing to draw in this period."))
    top, ticks, tick_labels = _axis(chart.unit, values, height)
    room = max(1, width - _AXIS_WIDTH)
    common = {
        "title": chart.title,
        "values": values,
        "y_top": top,
        "y_ticks": ticks,
        "y_tick_labels": tick_labels,
        "x_label": chart.x_label,
        # The ticks of a percentage axis say "%" themselves: a "%" under the axis would only repeat them.
        "y_label": "" if chart.unit == "percent" and chart.y_label == "%" else chart.y_label,
    }
    if chart.kind == "line":
        longest = max(len(label) for label in chart.labels)
        fit = max(1, room // (longest + 2))
        every = max(1, math.ceil(len(chart.labels) / fit))
        x_ticks = tuple((n + 1, label) for n, label in enumerate(chart.labels) if n % every == 0)
        return ChartPlan("line", x_ticks=x_ticks, **common)
    per_bar = room // len(chart.labels)
    # Short names (classes A to E) stand under their bars. Longer ones become numbers with a legend below that
    # gives each name whole, with its value: plotext centres long names under bars a cell or two apart from run
    # to run, and a whole name ("Анна Кузнецова · hand-overs · week 02.03") rarely fits under a bar anyway.
    if max(len(label) for label in chart.labels) <= min(_SHORT_NAME, per_bar - 2):
        return ChartPlan("bar", bar_names=tuple(chart.labels), **common)
    numbers = tuple(str(n + 1) for n in range(len(chart.labels)))
    legend = tuple(
        f"{number}  {label} — {_value_text(value, chart.unit)}"
        for number, label, value in zip(numbers, chart.labels, values, strict=False)
    )
    return ChartPlan("bar", bar_names=numbers, legend=legend, **common)
