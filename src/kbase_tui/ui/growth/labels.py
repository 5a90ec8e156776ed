"""Words and small drawings shared by the growth screens: statuses, trends, shares."""

from __future__ import annotations

from decimal import Decimal

from rich.text import Text

from kbase_tui.i18n import _
from kbase_tui.labels import growth_metric_label as metric_label  # noqa: F401  (the growth screens' name)
from kbase_tui.labels import segment_kind_label  # noqa: F401

from ..widgets.formats import show_amount


def status_label(status: str) -> str:
    return {"missing": _("not bought"), "rare": _("too rarely")}.get(status, status)


def trend(now, before) -> Text:
    """↑ ↓ = of a figure against the year before ('' when there is nothing to compare)."""
    if now is None or before is None or (not now and not before):
        return Text("")
    if now > before:
        return Text("↑", style="bold green")
    if now < before:
        return Text("↓", style="bold red")
    return Text("=", style="dim")


def figure(label: str, now, before, shown) -> Text:
    text = Text()
    text.append(label, style="dim")
    text.append(shown(now) if now is not None else "—", style="bold")
    text.append(" ")
    text.append_text(trend(now, before))
    text.append(
        " " + _("(year before: {value})").format(value=shown(before) if before is not None else "—"), style="dim"
    )
    return text


def money(value: Decimal | None) -> str:
    return show_amount(value.quantize(1)) if value is not None else "—"


def share_text(done: Decimal, target: Decimal) -> Text:
    share = float(done / target) if target else 0.0
    return Text(f"{share:.0%}", style="bold green" if share >= 1 else ("bold yellow" if share >= 0.5 else "bold red"))
