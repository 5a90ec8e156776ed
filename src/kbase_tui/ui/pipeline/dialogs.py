"""Dialogs of the pipeline: won, lost, reassign, supervisor's comment.

Each saves through the pipeline service itself (Ctrl+S, or Enter where the form ends) and dismisses with the
result (None on Esc).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from kbase_tui.formatting import today as business_today
from kbase_tui.i18n import _
from kbase_tui.protocol import pipeline

from ..widgets.form_dialog import FormDialog
from ..widgets.formats import DATE_FIELD_LENGTH, parse_amount, parse_date, show_amount, show_date


class WonDialog(FormDialog):
    """Contract signed: date, amount, what was ordered, and the account manager who takes the client."""

    def __init__(self, deal_id: int, company_name: str, expected_amount: Decimal, *, today: date | None = None) -> None:
        super().__init__()
        self.deal_id = deal_id
        self.company_name = company_name
        self.expected_amount = expected_amount
        self.today = today or business_today()
        self.managers: list = []

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(
                Text(_("Contract signed: {company}").format(company=self.company_name)), classes="dialog-title"
            )
            yield Label(_("Contract date (dd.mm.yyyy)"))
            yield Input(show_date(self.today), id="won-date", max_length=DATE_FIELD_LENGTH)
            yield Label(_("Contract amount"))
            yield Input(
                show_amount(self.expected_amount) if self.expected_amount else "", id="won-amount", max_length=20
            )
            yield Label(_("What was ordered (optional)"))
            yield Input(id="won-items", max_length=2000)
            yield Label(_("Account manager who takes the client"))
            yield OptionList(id="won-manager", markup=False)
            yield from self.buttons(_("Signed (ctrl+s)"))

    def on_mount(self) -> None:
        # The fields are filled in the order shown: the date first (today, typed over when it differs).
        self.query_one("#won-date", Input).focus()
        self.load(pipeline.account_managers, done=self._managers)

    def _managers(self, managers) -> None:
        self.managers = list(managers)
        box = self.query_one("#won-manager", OptionList)
        box.clear_options()
        if not managers:
            box.add_option(Option(Text(_("no active account manager"), style="red"), disabled=True))
            return
        for index, manager in enumerate(managers):
            line = Text(manager.name)
            line.append("  " + _("accounts: {n}").format(n=manager.load), style="dim")
            if index == 0:
                line.append("  " + _("(default: fewest accounts)"), style="italic")
            box.add_option(Option(line, id=str(manager.id)))
        box.highlighted = 0

    @on(Input.Submitted)
    def _next(self, event: Input.Submitted) -> None:
        self.focus_next()

    @on(OptionList.OptionSelected, "#won-manager")
    def _manager_chosen(self) -> None:
        self.action_save()

    def action_save(self) -> None:
        try:
            when = parse_date(self.query_one("#won-date", Input).value)
            amount = parse_amount(self.query_one("#won-amount", Input).value)
        except ValueError as error:
            self.show_error(str(error))
            return
        if when is None:
            self.show_error(_("Enter the contract date."))
            return
        if amount <= 0:
            self.show_error(_("Enter the contract amount."))
            return
        box = self.query_one("#won-manager", OptionList)
        manager_id = None
        if self.managers and box.highlighted is not None and box.highlighted > 0:
            manager_id = self.managers[box.highlighted].id  # a chosen one; the first is the default rule
        self.save_with(
            pipeline.win_deal,
            self.deal_id,
            when,
            amount,
            account_manager_id=manager_id,
            items=self.value("#won-items"),
            done=self._won,
        )

    def _won(self, result) -> None:
        self.app.notify(
            _("{company} goes to account manager {name}.").format(
                company=self.company_name, name=result.account_manager_name
            ),
            timeout=6,
        )
        self.dismiss(result)


class LostDialog(FormDialog):
    """The deal is lost: a reason from the configured list and a comment."""

    def __init__(self, deal_id: int, company_name: str) -> None:
        super().__init__()
        self.deal_id = deal_id
        self.company_name = company_name
        self.reasons: list = []

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Text(_("Deal lost: {company}").format(company=self.company_name)), classes="dialog-title")
            yield Label(_("Reason (1–9 or arrows)"))
            yield OptionList(id="lost-reason", markup=False)
            yield Label(_("Comment"))
            yield Input(id="lost-comment", max_length=2000)
            yield from self.buttons(_("Lost (ctrl+s)"))

    def on_mount(self) -> None:
        self.query_one("#lost-reason", OptionList).focus()
        self.load(pipeline.lost_reasons, done=self._reasons)

    def _reasons(self, reasons) -> None:
        self.reasons = list(reasons)
        box = self.query_one("#lost-reason", OptionList)
        box.clear_options()
        for index, reason in enumerate(self.reasons):
            box.add_option(Option(Text(f"{index + 1} {reason.label}"), id=reason.code))
        if self.reasons:
            box.highlighted = 0

    def on_key(self, event) -> None:
        if self.text_typed_on_a_list(
            event, "#lost-comment", _("The text went into the comment: now choose the reason by its number.")
        ):
            return
        if isinstance(self.focused, OptionList) and event.character and event.character.isdigit():
            index = int(event.character) - 1
            if 0 <= index < len(self.reasons):
                self.query_one("#lost-reason", OptionList).highlighted = index
                self.query_one("#lost-comment", Input).focus()
                event.stop()

    @on(OptionList.OptionSelected, "#lost-reason")
    def _reason_chosen(self) -> None:
        self.query_one("#lost-comment", Input).focus()

    @on(Input.Submitted, "#lost-comment")
    def action_save(self) -> None:
        box = self.query_one("#lost-reason", OptionList)
        if not self.reasons or box.highlighted is None:
            self.show_error(_("Choose a reason."))
            return
        self.save_with(
            pipeline.lose_deal, self.deal_id, self.reasons[box.highlighted].code, self.value("#lost-comment")
        )


class ReassignDialog(FormDialog):
    """Supervisor: give the deal to another closer, with an optional comment."""

    def __init__(self, deal_id: int, company_name: str, current_closer_id: int | None) -> None:
        super().__init__()
        self.deal_id = deal_id
        self.company_name = company_name
        self.current_closer_id = current_closer_id
        self.closers: list = []

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Text(_("Reassign: {company}").format(company=self.company_name)), classes="dialog-title")
            yield Label(_("To first-sale manager"))
            yield OptionList(id="reassign-closer", markup=False)
            yield Label(_("Comment (optional)"))
            yield Input(id="reassign-comment", max_length=2000)
            yield from self.buttons(_("Reassign (ctrl+s)"))

    def on_mount(self) -> None:
        self.query_one("#reassign-closer", OptionList).focus()
        self.load(pipeline.closers, done=self._closers)

    def _closers(self, closers) -> None:
        self.closers = [c for c in closers if c.id != self.current_closer_id]
        box = self.query_one("#reassign-closer", OptionList)
        box.clear_options()
        for closer in self.closers:
            line = Text(closer.name)
            line.append("  " + _("open deals: {n}").format(n=closer.load), style="dim")
            box.add_option(Option(line, id=str(closer.id)))
        if self.closers:
            box.highlighted = 0

    @on(OptionList.OptionSelected, "#reassign-closer")
    def _chosen(self) -> None:
        self.query_one("#reassign-comment", Input).focus()

    @on(Input.Submitted, "#reassign-comment")
    def action_save(self) -> None:
        box = self.query_one("#reassign-closer", OptionList)
        if not self.closers or box.highlighted is None:
            self.show_error(_("Choose a first-sale manager."))
            return
        self.save_with(
            pipeline.reassign_deal, self.deal_id, self.closers[box.highlighted].id, self.value("#reassign-comment")
        )


class CommentDialog(FormDialog):
    """Supervisor: a comment the closer sees on the board, the card and in the history."""

    def __init__(self, deal_id: int, company_name: str, current: str = "") -> None:
        super().__init__()
        self.deal_id = deal_id
        self.company_name = company_name
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(
                Text(_("Comment for the closer: {company}").format(company=self.company_name)), classes="dialog-title"
            )
            yield Input(self.current, id="comment-text", max_length=2000)
            yield from self.buttons(_("Save (Enter)"))

    def on_mount(self) -> None:
        self.query_one("#comment-text", Input).focus()

    @on(Input.Submitted, "#comment-text")
    def action_save(self) -> None:
        self.save_with(pipeline.comment_deal, self.deal_id, self.value("#comment-text"))
