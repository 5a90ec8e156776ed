"""Dialogs of the caller's screen: callback time, refusal reason, hand-over, bad data, confirm, my callbacks.

Each dialog returns the details for `queue.record_outcome` as a dict (None on Esc); the screen
records the outcome.  Lists (reasons, closers, callbacks) are loaded through services.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from kbase_tui import timezones
from kbase_tui.formatting import format_both_clocks, parse_date
from kbase_tui.i18n import _

from ..base import KbaseModal
from ..widgets.form_dialog import ErrorLine, FormDialog
from ..widgets.formats import DATE_FIELD_LENGTH, show_datetime

CALLBACK_HOUR = 10  # "tomorrow" means tomorrow at 10:00 on the caller's clock
NIGHT_ENDS, NIGHT_STARTS = 8, 22  # a callback before 08:00 or from 22:00 on the client's clock is at night there


def parse_local_datetime(raw: str) -> datetime:
    """'07.03.2026 14:30' (or '7.3.26 14:30', '2026-03-07 14:30') typed on the caller's clock -> aware UTC.

    The typist's zone (kbase_tui.timezones.reader_zone), never the computer's: 15:30 typed by a
    caller in Moscow is 15:30 Moscow time wherever the app or the server runs.
    """
    value = " ".join((raw or "").split())
    for pattern in ("%d.%m.%Y %H:%M", "%d.%m.%y %H:%M", "%Y-%m-%d %H:%M", "%d.%m.%Y %H.%M"):
        try:
            typed = datetime.strptime(value, pattern)
        except ValueError:
            continue
        return timezones.typed(typed.date(), typed.time())
    shaped = re.fullmatch(r"(\d{1,2}[./]\d{1,2}[./]\d{2,4}|\d{4}-\d{1,2}-\d{1,2}) (\d{1,2})[:.](\d{2})", value)
    if shaped:
        parse_date(shaped.group(1))  # a date the calendar lacks ("31.02.2027") says so, not "write it as"
        if int(shaped.group(2)) > 23 or int(shaped.group(3)) > 59:
            raise ValueError(_("No such time: {text}").format(text=f"{shaped.group(2)}:{shaped.group(3)}"))
    raise ValueError(_("Write the date and time as dd.mm.yyyy hh:mm"))


def quick_times(now: datetime | None = None, client_zone: str = "") -> list[tuple[str, datetime]]:
    """The quick choices on the caller's clock, each also shown on the client's when it differs."""
    now = timezones.in_reader_zone(now or datetime.now(UTC)).replace(second=0, microsecond=0)
    tomorrow = timezones.typed(now.date() + timedelta(days=1), time(CALLBACK_HOUR))
    in_hour = (now + timedelta(hours=1)).astimezone(UTC)

    def shown(when: datetime) -> str:
        return format_both_clocks(when, client_zone) if client_zone else show_datetime(when)

    return [
        (_("In one hour ({when})").format(when=shown(in_hour)), in_hour),
        (_("Tomorrow at 10:00 ({when})").format(when=shown(tomorrow)), tomorrow),
    ]


class CallbackDialog(FormDialog):
    """When to call back: type dd.mm.yyyy hh:mm and Enter, or Enter alone for the highlighted quick choice.

    The time box has the focus from the start and every digit goes into it: a typed date is never
    taken for a quick choice (it used to be, when 1 and 2 picked them).  ↑/↓ move between the quick
    choices; Enter (or Ctrl+S) on an empty box takes the highlighted one ("in one hour" at first).
    """

    BINDINGS = [
        Binding("up", "move(-1)", _("Previous quick choice"), id="queue.callback.up", priority=True),
        Binding("down", "move(1)", _("Next quick choice"), id="queue.callback.down", priority=True),
    ]

    def __init__(
        self, company_name: str, *, now: datetime | None = None, client_zone: str = "", city: str = ""
    ) -> None:
        super().__init__()
        self.company_name = company_name
        self.client_zone = client_zone if timezones.is_zone(client_zone) else ""
        self.city = city
        self.choices = quick_times(now, self.client_zone)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Text(_("Call back: {company}").format(company=self.company_name)), classes="dialog-title")
            yield Label(_("Type the date and time (dd.mm.yyyy hh:mm) and press Enter"))
            yield Input(placeholder=_("dd.mm.yyyy hh:mm"), id="callback-at", max_length=DATE_FIELD_LENGTH)
            # The typed time is on the caller's clock: what it is at the client shows as it is typed.
            yield Static("", id="callback-client-time")
            yield Label(_("Or, with the box empty, Enter takes the highlighted choice (↑/↓ to change it)"))
            yield OptionList(
                *[Option(Text(label), id=str(n)) for n, (label, _when) in enumerate(self.choices)],
                id="callback-quick",
                markup=False,
            )
            yield ErrorLine()

    def on_mount(self) -> None:
        box = self.query_one("#callback-quick", OptionList)
        box.highlighted = 0
        box.can_focus = False  # the typed time keeps the focus; the list is chosen with ↑/↓
        self.query_one("#callback-at", Input).focus()

    def action_move(self, step: int) -> None:
        box = self.query_one("#callback-quick", OptionList)
        box.highlighted = max(0, min(len(self.choices) - 1, (box.highlighted or 0) + step))

    def action_quick(self, index: int) -> None:
        self.dismiss({"callback_at": self.choices[index][1]})

    @on(OptionList.OptionSelected, "#callback-quick")
    def _picked(self, event: OptionList.OptionSelected) -> None:
        self.action_quick(int(event.option.id))

    @on(Input.Changed, "#callback-at")
    def _client_time(self, event: Input.Changed) -> None:
        self.query_one("#callback-client-time", Static).update(self.client_time(event.value))

    def client_time(self, typed: str) -> Text:
        """ "at the client 16:30, Самара" for a time typed on the caller's clock, with a warning at night there."""
        if not self.client_zone:
            return Text("")
        try:
            when = parse_local_datetime(typed)
        except ValueError:
            return Text("")
        theirs = when.astimezone(timezones.zone(self.client_zone))
        same_day = theirs.date() == timezones.in_reader_zone(when).date()
        at = theirs.strftime("%H:%M" if same_day else "%d.%m.%Y %H:%M")
        words = (
            _("at the client {time}, {city}").format(time=at, city=self.city)
            if self.city
            else _("at the client {time}").format(time=at)
        )
        text = Text(words, style="dim")
        if not NIGHT_ENDS <= theirs.hour < NIGHT_STARTS:
            text.append("  " + _("night at the client: is that the time you agreed?"), style="bold yellow")
        return text

    @on(Input.Submitted, "#callback-at")
    def _typed(self) -> None:
        self.action_save()

    def action_save(self) -> None:
        typed = self.value("#callback-at")
        if not typed.strip():
            self.action_quick(self.query_one("#callback-quick", OptionList).highlighted or 0)
            return
        try:
            when = parse_local_datetime(typed)
        except ValueError as error:
            self.show_error(str(error))
            return
        if when <= datetime.now(UTC):
            self.show_error(_("The callback time must be in the future."))
            return
        self.dismiss({"callback_at": when})


class RefusalDialog(FormDialog):
    """The reason by its number key, then an optional comment and Enter (or Ctrl+S)."""

    def __init__(self, company_name: str) -> None:
        super().__init__()
        self.company_name = company_name
        self.reasons: list = []
        self.chosen = None

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Text(_("Refused: {company}").format(company=self.company_name)), classes="dialog-title")
            yield Label(_("Reason: press its number"))
            yield OptionList(id="refusal-reasons", markup=False)
            yield Label(_("Comment (optional), then Enter"))
            yield Input(id="refusal-comment", max_length=2000)
            yield ErrorLine()

    def on_mount(self) -> None:
        from kbase_tui.protocol import queue

        self.query_one("#refusal-reasons", OptionList).focus()
        self.load(queue.refusal_reasons, done=self._reasons)

    def _reasons(self, reasons) -> None:
        self.reasons = list(reasons)
        box = self.query_one("#refusal-reasons", OptionList)
        box.clear_options()
        for number, reason in enumerate(self.reasons, 1):
            box.add_option(Option(Text(f"{number}  {reason.label}"), id=reason.code))
        box.highlighted = 0 if self.reasons else None

    def on_key(self, event) -> None:
        if self.text_typed_on_a_list(
            event, "#refusal-comment", _("The text went into the comment: now choose the reason by its number.")
        ):
            return
        if isinstance(self.focused, Input) or not event.character or not event.character.isdigit():
            return
        index = int(event.character) - 1
        if 0 <= index < len(self.reasons):
            event.stop()
            self._choose(index)

    def _choose(self, index: int) -> None:
        self.chosen = self.reasons[index]
        box = self.query_one("#refusal-reasons", OptionList)
        box.highlighted = index
        self.query_one("#refusal-comment", Input).focus()
        self.show_error("")

    @on(OptionList.OptionSelected, "#refusal-reasons")
    def _picked(self, event: OptionList.OptionSelected) -> None:
        self._choose(event.option_index)

    @on(Input.Submitted, "#refusal-comment")
    def action_save(self) -> None:
        if self.chosen is None:
            self.show_error(_("Choose the reason of the refusal."))
            self.query_one("#refusal-reasons", OptionList).focus()
            return
        self.dismiss({"reason_code": self.chosen.code, "comment": self.value("#refusal-comment")})


class HandoverDialog(FormDialog):
    """Interested: what the client needs (optional); Enter (or Ctrl+S) hands over to the highlighted closer."""

    BINDINGS = [
        Binding("up", "move(-1)", _("Previous closer"), id="queue.handover.up", priority=True),
        Binding("down", "move(1)", _("Next closer"), id="queue.handover.down", priority=True),
    ]

    def __init__(self, company_name: str) -> None:
        super().__init__()
        self.company_name = company_name
        self.closers: list = []

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(
                Text(_("Hand over to a closer: {company}").format(company=self.company_name)), classes="dialog-title"
            )
            yield Label(_("Closer (↑/↓ to pick another; the first has the fewest open deals)"))
            yield OptionList(id="handover-closers", markup=False)
            yield Label(_("What the client needs (optional), then Enter"))
            yield Input(id="handover-comment", max_length=2000)
            yield ErrorLine()

    def on_mount(self) -> None:
        from kbase_tui.protocol import queue

        self.query_one("#handover-comment", Input).focus()
        self.load(queue.handover_closers, done=self._closers)

    def _closers(self, closers) -> None:
        self.closers = list(closers)
        box = self.query_one("#handover-closers", OptionList)
        box.clear_options()
        if not self.closers:
            box.add_option(Option(Text(_("no active closer: tell the supervisor"), style="red"), disabled=True))
            return
        for index, closer in enumerate(self.closers):
            line = Text(closer.name)
            line.append("  " + _("open deals: {n}").format(n=closer.open_deals), style="dim")
            if index == 0:
                line.append("  " + _("(default)"), style="italic")
            box.add_option(Option(line, id=str(closer.id)))
        box.highlighted = 0

    def action_move(self, step: int) -> None:
        box = self.query_one("#handover-closers", OptionList)
        if not self.closers:
            return
        current = box.highlighted or 0
        box.highlighted = max(0, min(len(self.closers) - 1, current + step))

    @on(Input.Submitted, "#handover-comment")
    def action_save(self) -> None:
        if not self.closers:
            self.show_error(_("There is no active closer to hand the lead to; tell the supervisor."))
            return
        index = self.query_one("#handover-closers", OptionList).highlighted or 0
        closer = self.closers[index]
        # The default closer is chosen by the service at the moment of the hand-over.
        self.dismiss({"comment": self.value("#handover-comment"), "closer_id": None if index == 0 else closer.id})


class CommentDialog(FormDialog):
    """A required comment (wrong number / bad data), then Enter (or Ctrl+S)."""

    def __init__(self, company_name: str, outcome_label: str) -> None:
        super().__init__()
        self.company_name = company_name
        self.outcome_label = outcome_label

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Text(f"{self.outcome_label}: {self.company_name}"), classes="dialog-title")
            yield Label(_("What is wrong? (for the supervisor), then Enter"))
            yield Input(id="comment-text", max_length=2000)
            yield ErrorLine()

    def on_mount(self) -> None:
        self.query_one("#comment-text", Input).focus()

    @on(Input.Submitted, "#comment-text")
    def action_save(self) -> None:
        comment = self.value("#comment-text")
        if not comment.strip():
            self.show_error(_("Write what is wrong with the number or the data."))
            return
        self.dismiss({"comment": comment})


class CallbacksDialog(KbaseModal):
    """The caller's own callbacks: time and company name; Enter takes the highlighted one.

    A list to pick from, not a form: Esc closes it (nothing is typed here).
    """

    CSS_PATH = "queue.tcss"
    BINDINGS = [Binding("escape", "cancel", _("Cancel"), id="queue.callbacks.cancel")]

    def __init__(self) -> None:
        super().__init__()
        self.callbacks: list = []

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(_("My callbacks")), classes="dialog-title")
            yield OptionList(id="callbacks-list", markup=False)
            yield Static(
                Text(_("Enter: take it now (the current lead goes back to the queue)    Esc: close")),
                classes="dialog-hint",
            )
            yield ErrorLine()

    def on_mount(self) -> None:
        from kbase_tui.protocol import queue

        self.query_one("#callbacks-list", OptionList).focus()
        self.load(queue.my_callbacks, done=self._loaded, failed=lambda e: self.query_one(ErrorLine).show(str(e)))

    def _loaded(self, callbacks) -> None:
        self.callbacks = list(callbacks)
        box = self.query_one("#callbacks-list", OptionList)
        box.clear_options()
        if not self.callbacks:
            box.add_option(Option(Text(_("You have no callbacks."), style="dim"), disabled=True))
            return
        for item in self.callbacks:
            line = Text(
                format_both_clocks(item.callback_at, item.time_zone)
                if item.time_zone
                else show_datetime(item.callback_at),
                style="bold yellow" if item.due else "",
            )
            line.append("  ")
            line.append(item.company_name)
            if item.due:
                line.append("  " + _("due"), style="yellow")
            if item.taken_by_other:
                line.append("  " + _("another caller is on it"), style="red")
            box.add_option(Option(line, id=str(item.company_id), disabled=item.taken_by_other))
        box.highlighted = 0

    @on(OptionList.OptionSelected, "#callbacks-list")
    def _picked(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(int(event.option.id))
