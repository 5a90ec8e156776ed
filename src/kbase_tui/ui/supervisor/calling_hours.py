"""Calling hours: the call centre's calling window, its public holidays, the sales channels' own windows, and for
each time zone of the companies in the base whether calling is open there now.

The head of sales opens it from the desk (z), the administrator from the users screen (h).  e changes the call
centre's window, n gives a sales channel a window of its own, Enter changes the window of the channel under the
cursor and x takes it away (the channel keeps the call centre's window).  The dialog sends what was typed; the
server reads it and refuses with a sentence what it cannot read, and the dialog keeps the text.  The clocks on
the screen move on by themselves, and the screen asks the server again when a window opens or closes somewhere.
"""

from __future__ import annotations

import time as monotonic_clock
from datetime import datetime, timedelta

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.suggester import SuggestFromList
from textual.widgets import Checkbox, DataTable, Header, Input, Label, Static

from kbase_tui import timezones
from kbase_tui.formatting import country_name, format_client_time, format_day_month, quoted, zone_city
from kbase_tui.i18n import _
from kbase_tui.protocol import hours
from kbase_tui.protocol.hours import CallingHoursView, ChannelWindow, ZoneNow

from ..base import KbaseScreen
from ..widgets.confirm import ConfirmDialog
from ..widgets.footer import KeyFooter
from ..widgets.form_dialog import DialogBody, ErrorLine, FormDialog
from ..widgets.table import ListTable

TICK_SECONDS = 15
CHANNEL_MAX = 60  # as the company card keeps a channel


def window_text(days: str, hours_text: str, lunch: str) -> str:
    """A window in one line: "Mon-Fri, 09:00-18:00, lunch 13:00-14:00"."""
    text = f"{days}, {hours_text}"
    return text + ", " + _("lunch {hours}").format(hours=lunch) if lunch else text


class WindowDialog(FormDialog):
    """The call centre's window, or a sales channel's (a new one, or the one given)."""

    COMPACT = True

    def __init__(self, view: CallingHoursView, channel: ChannelWindow | None = None, *, for_channel: bool = False):
        super().__init__()
        self.view = view
        self.channel = channel
        self.for_channel = for_channel or channel is not None

    def compose(self) -> ComposeResult:
        view, channel = self.view, self.channel
        with DialogBody():
            if not self.for_channel:
                title = _("The call centre's calling window")
            elif channel is None:
                title = _("A sales channel's own calling window")
            else:
                title = _("Calling window of the channel {name}").format(name=channel.channel)
            yield Static(Text(title), classes="dialog-title")
            if self.for_channel and channel is None:
                yield Label(Text(_("Sales channel, as on the company cards")))
                yield Input(
                    "",
                    id="window-channel",
                    max_length=CHANNEL_MAX,
                    suggester=SuggestFromList(view.known_channels, case_sensitive=False),
                )
            if self.for_channel:
                yield Label(Text(_("Days (empty: the call centre's, {days})").format(days=view.days)))
                yield Input(channel.days if channel else "", id="window-days")
            else:
                yield Label(Text(_("Days (mon-fri, or mon, wed, fri)")))
                yield Input(view.days, id="window-days")
            yield Label(Text(_("Hours of the client's clock (9:00-18:00)")))
            yield Input(channel.hours if channel else ("" if self.for_channel else view.hours), id="window-hours")
            yield Label(Text(_("Lunch break (13:00-14:00; empty: none)")))
            yield Input(channel.lunch if channel else ("" if self.for_channel else view.lunch), id="window-lunch")
            if not self.for_channel:
                yield Label(Text(_("Public holidays of the country (RU; empty: none)")))
                yield Input(view.country, id="window-country", max_length=8)
                words = self._country_words(view.country)
                named = Static(words, id="window-country-name", classes="dialog-hint")
                named.display = bool(words.plain)
                yield named
            elif channel is None:
                yield Checkbox(Text(_("A channel no company has yet")), id="window-new")
            yield ErrorLine()
            yield Static(Text(_("Ctrl+S or Enter saves, Esc cancels.")), classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, _event: Input.Submitted) -> None:
        self.action_save()

    @on(Input.Changed, "#window-country")
    def _country_typed(self, event: Input.Changed) -> None:
        # The code is what is typed; the country it names is said in words under it.
        named = self.query_one("#window-country-name", Static)
        words = self._country_words(event.value)
        named.update(words)
        named.display = bool(words.plain)

    def _country_words(self, typed: str) -> Text:
        """The country a typed code names, when a holiday calendar exists for it; else that none does."""
        code = typed.strip().upper()
        if not code:
            return Text("")
        known = self.view.calendar_countries
        if known and code not in known:
            return Text(
                _(
                    "No public holiday calendar for the country {code}: write a two-letter code such as RU, BY or "
                    "KZ, or leave it empty for none."
                ).format(code=quoted(code[:8])),
                style="bold",
            )
        return Text(country_name(code))

    def _typed(self, name: str) -> str:
        return self.query_one(f"#window-{name}", Input).value

    def action_save(self) -> None:
        if not self.for_channel:
            self.save_with(
                hours.change_calling_window,
                self._typed("days"),
                self._typed("hours"),
                self._typed("lunch"),
                self._typed("country"),
            )
            return
        if self.channel is None:
            name, new = self._typed("channel"), self.query_one("#window-new", Checkbox).value
        else:
            name, new = self.channel.channel, False
        self.save_with(
            hours.change_channel_window, name, self._typed("days"), self._typed("hours"), self._typed("lunch"), new
        )


class CallingHoursScreen(KbaseScreen):
    CSS_PATH = "calling_hours.tcss"
    HELP = _(
        "The cold-call queue offers a company only while its own local time is inside the calling window: on the "
        "days, in the hours (the lunch break is a gap), and not on the public holidays of the country. e changes "
        "the call centre's window. A sales channel may have a window of its own (shops from 10, cafés in the "
        "evening): n gives one to a channel, Enter changes the one under the cursor, x takes it away. Below the "
        "window: every time zone of the companies in the base, how many companies are there, the time there now "
        "and whether calling is open. Agreed callbacks are kept whatever the window. Every change is in the audit "
        "log and reaches the queue within seconds."
    )
    BINDINGS = [
        Binding("e", "edit_centre", _("Change window"), id="supervisor.hours.edit"),
        Binding("n", "new_channel", _("Channel window"), id="supervisor.hours.channel_new"),
        Binding("enter", "edit_channel", _("Change"), id="supervisor.hours.channel_edit"),
        Binding("x", "remove_channel", _("Remove"), id="supervisor.hours.channel_remove"),
        Binding("f5", "reload", _("Refresh"), show=False, id="supervisor.hours.refresh"),
        Binding("escape", "back", _("Back"), id="supervisor.hours.back"),
        Binding("f1", "app.help", _("Keys"), id="supervisor.hours.help"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.view: CallingHoursView | None = None
        self.loaded_at = 0.0

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="hours-summary")
        yield Static(
            Text(_("Time zones of the companies: the call centre's window there now")), classes="hours-heading"
        )
        yield ListTable(id="hours-zones", cursor_type="row", zebra_stripes=True)
        yield Static(Text(_("Sales channels with a window of their own")), classes="hours-heading")
        yield ListTable(id="hours-channels", cursor_type="row", zebra_stripes=True)
        yield Static("", id="hours-status")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.title = _("Calling hours")
        zones = self.query_one("#hours-zones", DataTable)
        for label in (_("Time zone"), _("Time"), _("Companies"), _("In queue"), _("Calling now")):
            zones.add_column(label)
        channels = self.query_one("#hours-channels", DataTable)
        channels.add_column(_("Channel"), width=max(12, min(30, self.app.size.width - 60)))
        for label in (_("Days"), _("Hours"), _("Lunch"), _("Companies"), _("Open now")):
            channels.add_column(label)
        channels.focus()
        self.set_interval(TICK_SECONDS, self._tick)
        self.action_reload()

    def action_reload(self) -> None:
        self.call(hours.calling_window, done=self._show)

    # --- the clocks -----------------------------------------------------------------------

    def now(self) -> datetime:
        """The server's clock, moved on by the time since it was read: a terminal's own clock may be wrong."""
        assert self.view is not None
        return self.view.now + timedelta(seconds=monotonic_clock.monotonic() - self.loaded_at)

    def _tick(self) -> None:
        if self.view is None:
            return
        if self.view.changes_at is not None and self.now() >= self.view.changes_at:
            self.action_reload()
        else:
            self._draw()

    # --- showing --------------------------------------------------------------------------

    def _show(self, view: CallingHoursView) -> None:
        self.view = view
        self.loaded_at = monotonic_clock.monotonic()
        self._draw()

    def _draw(self) -> None:
        view = self.view
        if view is None:
            return
        now = self.now()
        summary = Text()
        summary.append(
            _("Now it is {time} at the call centre ({zone}).").format(
                time=format_client_time(now, view.centre_zone), zone=zone_city(view.centre_zone)
            ),
            style="bold",
        )
        summary.append(
            "\n"
            + _("The call centre's window: {window}.").format(window=window_text(view.days, view.hours, view.lunch))
        )
        if view.country:
            country = view.country_name or view.country  # the name in the reader's language; the code if unknown
            summary.append(" " + _("Public holidays of {country}.").format(country=country))
            if view.holidays:
                spans = [
                    (
                        format_day_month(h.first)
                        if h.first == h.last
                        else f"{format_day_month(h.first)}–{format_day_month(h.last)}"
                    )
                    + f" {h.name}"
                    for h in view.holidays
                ]
                summary.append("\n" + _("Next public holidays: {days}.").format(days="; ".join(spans)))
        else:
            summary.append(" " + _("No public holidays are kept."))
        self.query_one("#hours-summary", Static).update(summary)
        self._draw_zones(now)
        self._draw_channels()

    def _zone_label(self, zone: str) -> str:
        return zone_city(zone) or _("none (the call centre's clock)")

    def _calling_now(self, row: ZoneNow, zone: str, now: datetime) -> Text:
        if row.is_open:
            return Text(_("open"), style="bold green")
        if row.opens_at is None:
            return Text(_("closed"), style="red")
        there = timezones.zone(zone)
        opens = row.opens_at.astimezone(there)
        when = (
            opens.strftime("%H:%M")
            if opens.date() == now.astimezone(there).date()
            else f"{format_day_month(opens.date())} {opens.strftime('%H:%M')}"
        )
        return Text(_("closed, opens {when}").format(when=when), style="red")

    def _draw_zones(self, now: datetime) -> None:
        assert self.view is not None
        table = self.query_one("#hours-zones", DataTable)
        cursor = table.cursor_row
        table.clear()
        for n, row in enumerate(self.view.zones):
            zone = row.zone if timezones.is_zone(row.zone) else self.view.centre_zone
            table.add_row(
                Text(self._zone_label(row.zone), overflow="ellipsis", no_wrap=True),
                Text(format_client_time(now, zone)),
                Text(str(row.companies), justify="right"),
                Text(str(row.in_queue), justify="right"),
                self._calling_now(row, zone, now),
                key=str(n),
            )
        if self.view.zones:
            table.move_cursor(row=min(cursor, len(self.view.zones) - 1))

    def _draw_channels(self) -> None:
        assert self.view is not None
        table = self.query_one("#hours-channels", DataTable)
        cursor = table.cursor_row
        table.clear()
        for n, row in enumerate(self.view.channels):
            table.add_row(
                Text(row.channel, overflow="ellipsis", no_wrap=True),
                Text(row.days or _("the centre's"), style="" if row.days else "dim"),
                Text(row.hours),
                Text(row.lunch or "—", style="" if row.lunch else "dim"),
                Text(str(row.companies), justify="right"),
                Text(
                    _("{n} of {total} zones").format(n=row.open_zones, total=row.zones) if row.zones else "—",
                    style="bold green" if row.open_zones else "",
                ),
                key=str(n),
            )
        if self.view.channels:
            table.move_cursor(row=min(cursor, len(self.view.channels) - 1))
        else:
            self._status(_("Every sales channel keeps the call centre's window; n gives one a window of its own."))

    def _status(self, message: str, *, bold: bool = False) -> None:
        self.query_one("#hours-status", Static).update(Text(message, style="bold" if bold else ""))

    # --- changing -------------------------------------------------------------------------

    def _current_channel(self) -> ChannelWindow | None:
        if self.view is None or not self.view.channels:
            return None
        table = self.query_one("#hours-channels", DataTable)
        return self.view.channels[min(table.cursor_row, len(self.view.channels) - 1)]

    def _changed(self, view: CallingHoursView | None, message: str) -> None:
        if view is not None:
            self._show(view)
            self._status(message, bold=True)

    def action_edit_centre(self) -> None:
        if self.view is None or self.app.screen is not self:
            return
        self.app.push_screen(
            WindowDialog(self.view), lambda view: self._changed(view, _("The call centre's window is saved."))
        )

    def action_new_channel(self) -> None:
        if self.view is None or self.app.screen is not self:
            return
        self.app.push_screen(
            WindowDialog(self.view, for_channel=True),
            lambda view: self._changed(view, _("The channel's window is saved.")),
        )

    def action_edit_channel(self) -> None:
        channel = self._current_channel()
        if self.view is None or self.app.screen is not self:
            return
        if channel is None:
            self._status(_("No channel has a window of its own yet: n gives one."), bold=True)
            return
        self.app.push_screen(
            WindowDialog(self.view, channel),
            lambda view: self._changed(view, _("The window of {name} is saved.").format(name=channel.channel)),
        )

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        # Enter on a channel changes its window; on a zone, the call centre's window that zone is called in.
        if event.data_table.id == "hours-channels":
            self.action_edit_channel()
        else:
            self.action_edit_centre()

    def action_remove_channel(self) -> None:
        channel = self._current_channel()
        if self.view is None or self.app.screen is not self:
            return
        if channel is None:
            self._status(_("No channel has a window of its own yet: n gives one."), bold=True)
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.call(
                    hours.remove_channel_window,
                    channel.channel,
                    done=lambda view: self._changed(
                        view, _("{name} keeps the call centre's window again.").format(name=channel.channel)
                    ),
                )

        self.app.push_screen(
            ConfirmDialog(
                _("Take the own calling window away from {name}? It keeps the call centre's window again.").format(
                    name=channel.channel
                )
            ),
            answered,
        )

    def action_back(self) -> None:
        self.app.pop_screen()
