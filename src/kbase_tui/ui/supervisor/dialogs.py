"""Small dialogs of the supervisor's screens: special offer, shelve date, filters.

Forms of many fields: compact (one line a field), so a filter of seven fields fits in 80x24."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Input, Label, Select, Static, TextArea

from kbase_tui.formatting import today as business_today
from kbase_tui.i18n import _
from kbase_tui.protocol.refusals import CallerChoice, FilterChoices, RefusalFilter

from ..widgets.form_dialog import DialogBody, ErrorLine, FormDialog
from ..widgets.formats import parse_date, show_date


class OfferDialog(FormDialog):
    """Special offer: its text and, optionally, the one caller who will make it."""

    COMPACT = True

    def __init__(self, count: int, callers: list[CallerChoice]) -> None:
        super().__init__()
        self.count = count
        self.callers = callers

    def compose(self) -> ComposeResult:
        with DialogBody():
            yield Static(
                Text(_("Call back with a special offer ({n} selected)").format(n=self.count)), classes="dialog-title"
            )
            yield Label(_("Offer the caller will make"))
            yield TextArea(id="offer-text")
            yield Label(_("For one caller (optional)"))
            yield Select([(Text(c.name), c.id) for c in self.callers], prompt=_("Any caller"), id="offer-caller")
            yield ErrorLine()
            yield Static(Text(_("Ctrl+S saves, Esc cancels.")), classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one("#offer-text", TextArea).focus()

    def action_save(self) -> None:
        text = self.query_one("#offer-text", TextArea).text.strip()
        if not text:
            self.show_error(_("Write the special offer the caller will make."))
            return
        caller = self.query_one("#offer-caller", Select).value
        self.dismiss((text, caller if isinstance(caller, int) else None))


class ShelveDialog(FormDialog):
    COMPACT = True
    BINDINGS = [Binding("enter", "save", _("Save"), show=False, id="supervisor.shelve.enter")]

    def __init__(self, count: int, suggestion: date) -> None:
        super().__init__()
        self.count = count
        self.suggestion = suggestion

    def compose(self) -> ComposeResult:
        with DialogBody():
            yield Static(Text(_("Shelve until a date ({n} selected)").format(n=self.count)), classes="dialog-title")
            yield Label(_("Back in the queue on (dd.mm.yyyy)"))
            yield Input(show_date(self.suggestion), id="shelve-date")
            yield ErrorLine()
            yield Static(Text(_("Enter saves, Esc cancels.")), classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, _event: Input.Submitted) -> None:
        self.action_save()

    def action_save(self) -> None:
        try:
            day = parse_date(self.query_one(Input).value)
        except ValueError as error:
            self.show_error(str(error))
            return
        if day is None or day <= business_today():
            self.show_error(_("The shelving date must be in the future."))
            return
        self.dismiss(day)


class RefusalFilterDialog(FormDialog):
    """Filters of the refusal list: dates, reason, caller, channel, industry, decided or not."""

    COMPACT = True

    def __init__(self, current: RefusalFilter, choices: FilterChoices) -> None:
        super().__init__()
        self.current = current
        self.choices = choices

    def compose(self) -> ComposeResult:
        c = self.current
        with DialogBody():
            yield Static(Text(_("Filter the refusal list")), classes="dialog-title")
            yield Label(_("From (dd.mm.yyyy, empty: any)"))
            yield Input(show_date(c.date_from), id="flt-from")
            yield Label(_("To (dd.mm.yyyy, empty: any)"))
            yield Input(show_date(c.date_to), id="flt-to")
            yield Label(_("Reason"))
            yield Select(
                [(Text(label), code) for code, label in self.choices.reasons],
                prompt=_("Any reason"),
                value=c.reason_code or Select.NULL,
                id="flt-reason",
            )
            yield Label(_("Caller"))
            yield Select(
                [(Text(name), uid) for uid, name in self.choices.callers],
                prompt=_("Any caller"),
                value=c.caller_id if c.caller_id is not None else Select.NULL,
                id="flt-caller",
            )
            yield Label(_("Channel"))
            yield Select(
                [(Text(v), v) for v in self.choices.channels],
                prompt=_("Any channel"),
                value=c.channel or Select.NULL,
                id="flt-channel",
            )
            yield Label(_("Industry"))
            yield Select(
                [(Text(v), v) for v in self.choices.industries],
                prompt=_("Any industry"),
                value=c.industry or Select.NULL,
                id="flt-industry",
            )
            yield Label(_("Show"))
            yield Select(
                [(_("Waiting for a decision"), "undecided"), (_("Decided"), "decided"), (_("All"), "all")],
                value=c.status,
                allow_blank=False,
                id="flt-status",
            )
            yield ErrorLine()
            yield Static(Text(_("Ctrl+S applies, Esc cancels.")), classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one("#flt-from", Input).focus()

    def action_save(self) -> None:
        try:
            date_from = parse_date(self.query_one("#flt-from", Input).value)
            date_to = parse_date(self.query_one("#flt-to", Input).value)
        except ValueError as error:
            self.show_error(str(error))
            return

        def value(selector: str):
            v = self.query_one(selector, Select).value
            return None if v is Select.NULL else v

        self.dismiss(
            replace(
                self.current,
                date_from=date_from,
                date_to=date_to,
                reason_code=value("#flt-reason"),
                caller_id=value("#flt-caller"),
                channel=value("#flt-channel"),
                industry=value("#flt-industry"),
                status=value("#flt-status") or "undecided",
            )
        )
