"""Choose a time zone: Russia's zones west to east, each with its offset from Moscow, or none.

Returns the IANA name ('' for "none": the call centre's zone for a person, a fresh guess from the
phones and the city for a company), or None on Esc.
"""

from __future__ import annotations

from datetime import UTC, datetime

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from kbase_tui import timezones
from kbase_tui.formatting import zone_city
from kbase_tui.i18n import _

from ..base import KbaseModal


def zone_label(name: str, now: datetime | None = None) -> str:
    """'Vladivostok (MSK+7, now 22:30)': the zone's city in the reader's language."""
    moment = now or datetime.now(UTC)
    shift = timezones.offset_hours(name, moment, against=timezones.zone("Europe/Moscow"))
    msk = _("MSK") + (f"{shift:+g}" if shift else "")
    return _("{zone} ({msk}, now {time})").format(
        zone=zone_city(name), msk=msk, time=moment.astimezone(timezones.zone(name)).strftime("%H:%M")
    )


class ZoneDialog(KbaseModal):
    DEFAULT_CSS = """
    ZoneDialog { align: center middle; }
    ZoneDialog > Vertical { width: 64; max-width: 100%; height: auto; max-height: 100%; border: thick $primary;
        background: $surface; padding: 0 1; }
    ZoneDialog OptionList { height: auto; max-height: 20; }
    """
    BINDINGS = [Binding("escape", "cancel", _("Cancel"), id="zone.cancel")]

    def __init__(self, title: str, none_label: str, current: str = "") -> None:
        super().__init__()
        self.heading = title
        self.none_label = none_label
        self.current = current
        self.names = ["", *timezones.russian_zones()]
        if current and current not in self.names:
            self.names.append(current)

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(self.heading), classes="dialog-title")
            yield OptionList(
                *[Option(Text(zone_label(n) if n else self.none_label), id=str(i)) for i, n in enumerate(self.names)],
                id="zone-list",
                markup=False,
            )
            yield Static(Text(_("Enter chooses, Esc cancels.")), classes="dialog-hint")

    def on_mount(self) -> None:
        box = self.query_one(OptionList)
        box.highlighted = self.names.index(self.current) if self.current in self.names else 0
        box.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.names[int(event.option.id)])

    def action_cancel(self) -> None:
        self.close_unless_typed()
