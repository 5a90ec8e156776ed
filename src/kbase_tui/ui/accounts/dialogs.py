"""Dialogs of the account manager's work: order, follow-up call, quality check, potential, lost,
requirements, reassign.

Each saves through an operation of `protocol.accounts` itself (on the server, off the event loop)
and dismisses with its result, or None on Esc.  ctrl+s saves; Enter in the last field saves too.
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Label, OptionList, Static, TextArea
from textual.widgets.option_list import Option

from kbase_tui.formatting import parse_signed_amount
from kbase_tui.formatting import today as business_today
from kbase_tui.i18n import _
from kbase_tui.protocol import accounts
from kbase_tui.protocol.accounts import follow_up_results

from ..widgets.form_dialog import DialogBody, FormDialog, ReadsAs
from ..widgets.formats import DATE_FIELD_LENGTH, parse_amount, parse_date, show_amount, show_date


class OrderDialog(FormDialog):
    """A new order: date (today unless changed), amount, margin if known, what was ordered.

    ctrl+a adds a line from the catalog (a product or a category, with quantity, amount and margin);
    with lines, the order's amount and margin are their sums.  A typed amount or margin is never replaced
    by the lines: an empty field shows the lines' sum (and follows further lines), a typed one stays, and
    saving refuses while it differs from the lines' sum, saying both figures."""

    CSS_PATH = "accounts.tcss"
    BINDINGS = [Binding("ctrl+a", "add_line", _("Add line"), id="accounts.order.add_line", priority=True)]

    def __init__(self, company_id: int, company_name: str) -> None:
        super().__init__()
        self.company_id = company_id
        self.company_name = company_name
        self.lines: list = []
        self.line_names: list[str] = []
        # What the lines last put into the amount and margin fields: such a field follows the next line,
        # one the person typed into does not.
        self.filled_by_lines: dict[str, str] = {}

    def compose(self) -> ComposeResult:
        with DialogBody():
            yield Static(Text(_("New order: {name}").format(name=self.company_name)), classes="dialog-title")
            with Horizontal(classes="row"):
                with Vertical():
                    yield Label(_("Date (dd.mm.yyyy)"))
                    yield Input(
                        show_date(business_today()),
                        id="order-date",
                        max_length=DATE_FIELD_LENGTH,
                        validators=[ReadsAs(parse_date)],
                        validate_on=["blur"],
                    )
                with Vertical():
                    yield Label(_("Amount"))
                    yield Input(
                        id="order-amount", max_length=20, validators=[ReadsAs(parse_amount)], validate_on=["blur"]
                    )
                with Vertical():
                    yield Label(_("Margin (if known)"))
                    yield Input(
                        id="order-margin",
                        max_length=20,
                        validators=[ReadsAs(parse_signed_amount)],
                        validate_on=["blur"],
                    )
            yield Label(_("What was ordered"))
            yield Input(id="order-items", max_length=2000)
            yield Static(Text(_("Lines: none (ctrl+a adds one from the catalog)")), id="order-lines")
            yield from self.buttons()

    def on_mount(self) -> None:
        # The fields are filled in the order shown: the date first (today, typed over when it differs).
        self.query_one("#order-date", Input).focus()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "order-items":
            self.action_save()
        else:
            self.focus_next()

    def action_add_line(self) -> None:
        from ..growth.dialogs import OrderLineDialog

        self.app.push_screen(OrderLineDialog(), self._line_added)

    def _line_added(self, result) -> None:
        if result is None:
            return
        line, name = result
        self.lines.append(line)
        self.line_names.append(name)
        total, margin = self._lines_sums()
        self._follow_lines("#order-amount", show_amount(total))
        self._follow_lines("#order-margin", show_amount(margin) if margin is not None else "")
        text = Text(_("Lines:"), style="bold")
        for n, (item, label) in enumerate(zip(self.lines, self.line_names, strict=True), start=1):
            text.append(f"\n{n}. ")
            text.append(label)
            if item.quantity is not None:
                text.append(f" × {item.quantity.normalize():f}")
            text.append(f"  {show_amount(item.amount)}", style="bold")
        text.append("\n" + _("Lines add up to {amount}").format(amount=show_amount(total)), style="bold")
        if margin is not None:
            text.append(", " + _("margin {amount}").format(amount=show_amount(margin)))
        self.query_one("#order-lines", Static).update(text)
        self.query_one("#order-items", Input).focus()

    def _lines_sums(self):
        from decimal import Decimal

        total = sum((x.amount for x in self.lines), start=Decimal(0))
        margins = [x.margin for x in self.lines if x.margin is not None]
        return total, (sum(margins, start=Decimal(0)) if margins else None)

    def _follow_lines(self, field_id: str, shown: str) -> None:
        field = self.query_one(field_id, Input)
        if field.value.strip() in ("", self.filled_by_lines.get(field_id, "")):
            field.value = shown
            self.filled_by_lines[field_id] = shown

    def _typed_margin(self):
        return parse_signed_amount(self.value("#order-margin"))

    def action_save(self) -> None:
        from decimal import Decimal

        try:
            ordered_at = parse_date(self.value("#order-date"))
            amount = parse_amount(self.value("#order-amount"))
            margin = self._typed_margin()
        except ValueError as error:
            self.show_error(str(error))
            return
        if ordered_at is None:
            self.show_error(_("Enter the order date."))
            return
        if self.lines:
            total, lines_margin = self._lines_sums()
            if amount and amount != total:
                self.show_error(
                    _("The amount {typed} differs from the lines' sum {total}: correct one or the other.").format(
                        typed=show_amount(amount), total=show_amount(total)
                    )
                )
                self.query_one("#order-amount", Input).focus()
                return
            if margin is not None and margin != lines_margin:
                self.show_error(
                    _("The margin {typed} differs from the lines' margin {total}: correct one or the other.").format(
                        typed=show_amount(margin), total=show_amount(lines_margin) if lines_margin is not None else "—"
                    )
                )
                self.query_one("#order-margin", Input).focus()
                return
            self.save_with(
                accounts.record_order, self.company_id, ordered_at, total, self.value("#order-items"), lines=self.lines
            )
            return
        if amount <= Decimal("0"):
            self.show_error(_("Enter the order amount."))
            self.query_one("#order-amount", Input).focus()
            return
        self.save_with(
            accounts.record_order, self.company_id, ordered_at, amount, self.value("#order-items"), margin=margin
        )


class FollowUpDialog(FormDialog):
    """A follow-up call by the segment's script: result, next purchase, next follow-up, notes."""

    # The script, six results, two dates, the notes and the buttons in 80x24: accounts.tcss draws the results
    # without a frame and the dates one line each.
    CSS_PATH = "accounts.tcss"

    def __init__(self, company_id: int, company_name: str) -> None:
        super().__init__()
        self.company_id = company_id
        self.company_name = company_name

    def compose(self) -> ComposeResult:
        with DialogBody():
            yield Static(Text(_("Follow-up call: {name}").format(name=self.company_name)), classes="dialog-title")
            yield Static("", id="fu-script", classes="script")
            yield Label(_("Result (↑↓)"))
            yield OptionList(
                *(Option(Text(label), id=code) for code, label in follow_up_results().items()), id="fu-result"
            )
            with Horizontal(classes="row"):
                with Vertical():
                    yield Label(_("Next purchase (client's word)"))
                    yield Input(id="fu-purchase", max_length=DATE_FIELD_LENGTH, placeholder=_("dd.mm.yyyy"))
                with Vertical():
                    yield Label(_("Next follow-up"))
                    yield Input(id="fu-next", max_length=DATE_FIELD_LENGTH, placeholder=_("default"))
            yield Label(_("Notes (what was offered, what they said)"))
            yield TextArea(id="fu-notes", soft_wrap=True, show_line_numbers=False)
            yield from self.buttons()

    def on_mount(self) -> None:
        result = self.query_one("#fu-result", OptionList)
        result.highlighted = 0
        result.focus()
        self.call(accounts.follow_up_script, self.company_id, done=self._script)

    def _script(self, script) -> None:
        text = Text()
        if script.template_phrase:
            text.append(script.template_phrase)
        if script.key_question:
            text.append("\n» ")
            text.append(script.key_question, style="bold")
        self.query_one("#fu-script", Static).update(text)

    @on(OptionList.OptionSelected, "#fu-result")
    def _result_chosen(self) -> None:
        self.query_one("#fu-purchase", Input).focus()

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.focus_next()

    def action_save(self) -> None:
        option_list = self.query_one("#fu-result", OptionList)
        if option_list.highlighted is None:
            self.show_error(_("Choose the result of the call."))
            return
        result = option_list.get_option_at_index(option_list.highlighted).id
        try:
            purchase = parse_date(self.value("#fu-purchase"))
            next_call = parse_date(self.value("#fu-next"))
        except ValueError as error:
            self.show_error(str(error))
            return
        self.save_with(
            accounts.record_follow_up,
            self.company_id,
            result,
            self.query_one("#fu-notes", TextArea).text,
            next_purchase_at=purchase,
            next_follow_up_at=next_call,
        )


class ScoreInput(Input):
    """The score box: one digit 1-5.  Any other character typed there is refused and the dialog says why.

    It never goes on to the comment: a key either stays in the field it was typed in or is refused
    aloud ("7" once went into the comment, the score stayed empty and the next Tab, meant for the
    comment, went to the buttons, where the comment typed next was lost).
    """

    async def _on_key(self, event) -> None:
        character = event.character
        if event.is_printable and character and not (character in "12345" and not self.value):
            event.stop()
            event.prevent_default()
            self.app.bell()
            if character in "12345":
                message = _("The score is one digit: Backspace to change it, Tab to the comment.")
            else:
                message = _("The score is 1 to 5; Tab goes to the comment.")
            self.screen.show_error(message)  # type: ignore[attr-defined]
        # Otherwise Input's own key handler runs next (Textual calls each class's handler in turn).


class QualityDialog(FormDialog):
    """The satisfaction call after an order: score 1-5 (a digit key), Tab, a comment; Enter saves both."""

    def __init__(self, task) -> None:
        super().__init__()
        self.check = task

    def compose(self) -> ComposeResult:
        t = self.check
        with DialogBody():
            yield Static(Text(_("Quality check: {name}").format(name=t.company_name)), classes="dialog-title")
            about = (
                _("Order of {date}: {amount}").format(date=show_date(t.order_date), amount=show_amount(t.order_amount))
                if t.order_id
                else t.text
            )
            yield Static(Text(about))
            yield Label(_("Was the client satisfied? Score 1 (no) – 5 (fully)"))
            yield ScoreInput(id="quality-score", max_length=1, restrict=r"[1-5]?")
            yield Label(_("Comment, then Enter"))
            # Not selected on focus: the character that moved the focus here is already in it.
            yield Input(id="quality-comment", max_length=2000, select_on_focus=False)
            yield from self.buttons()

    def on_mount(self) -> None:
        self.query_one("#quality-score", Input).focus()

    @on(Input.Submitted, "#quality-score")
    @on(Input.Submitted, "#quality-comment")
    def action_save(self) -> None:
        score = self.value("#quality-score")
        if not score:
            self.show_error(_("The score is from 1 to 5."))
            self.query_one("#quality-score", Input).focus()
            return
        self.save_with(accounts.record_quality_check, self.check.id, int(score), self.value("#quality-comment"))


class PotentialDialog(FormDialog):
    def __init__(self, company_id: int, company_name: str, current: int) -> None:
        super().__init__()
        self.company_id = company_id
        self.company_name = company_name
        self.current = current

    def compose(self) -> ComposeResult:
        with DialogBody():
            yield Static(Text(_("Potential: {name}").format(name=self.company_name)), classes="dialog-title")
            yield Label(_("How much more could the client buy? 0 (nothing) – 100 (much more)"))
            yield Input(str(self.current), id="potential", max_length=3, restrict=r"[0-9]*")
            yield from self.buttons()

    def on_mount(self) -> None:
        self.query_one("#potential", Input).focus()

    @on(Input.Submitted)
    def action_save(self) -> None:
        text = self.value("#potential").strip()
        if not text:
            self.show_error(_("The potential is a number from 0 to 100."))
            return
        self.save_with(accounts.set_potential, self.company_id, int(text))


class LostDialog(FormDialog):
    """Mark a client lost with a reason; a return task is created."""

    def __init__(self, company_id: int, company_name: str) -> None:
        super().__init__()
        self.company_id = company_id
        self.company_name = company_name

    def compose(self) -> ComposeResult:
        with DialogBody():
            yield Static(Text(_("Lost client: {name}").format(name=self.company_name)), classes="dialog-title")
            yield Label(_("Reason"))
            yield OptionList(id="lost-reason")
            yield Label(_("Comment"))
            yield Input(id="lost-comment", max_length=2000)
            yield from self.buttons()

    def on_mount(self) -> None:
        self.load(accounts.lost_reasons, done=self._reasons)

    def _reasons(self, reasons) -> None:
        option_list = self.query_one("#lost-reason", OptionList)
        for reason in reasons:
            option_list.add_option(Option(Text(reason.label), id=reason.code))
        option_list.highlighted = 0
        option_list.focus()

    @on(OptionList.OptionSelected)
    def _chosen(self) -> None:
        self.query_one("#lost-comment", Input).focus()

    @on(Input.Submitted)
    def action_save(self) -> None:
        option_list = self.query_one("#lost-reason", OptionList)
        if option_list.highlighted is None:
            self.show_error(_("Choose a reason."))
            return
        code = option_list.get_option_at_index(option_list.highlighted).id
        self.save_with(accounts.mark_lost, self.company_id, code, self.value("#lost-comment"))


class RequirementsDialog(FormDialog):
    CSS_PATH = "accounts.tcss"

    def __init__(self, company_id: int, company_name: str, text: str) -> None:
        super().__init__()
        self.company_id = company_id
        self.company_name = company_name
        self.text = text

    def compose(self) -> ComposeResult:
        with DialogBody():
            yield Static(Text(_("Requirements: {name}").format(name=self.company_name)), classes="dialog-title")
            yield Label(_("What the client buys, terms, wishes"))
            yield TextArea(self.text, id="requirements", soft_wrap=True, show_line_numbers=False)
            yield from self.buttons()

    def on_mount(self) -> None:
        self.query_one("#requirements", TextArea).focus()

    def action_save(self) -> None:
        self.save_with(accounts.update_requirements, self.company_id, self.query_one("#requirements", TextArea).text)


class ReassignDialog(FormDialog):
    """The supervisor gives an account to another account manager (history and tasks go with it)."""

    def __init__(self, company_id: int, company_name: str, owner_id: int | None) -> None:
        super().__init__()
        self.company_id = company_id
        self.company_name = company_name
        self.owner_id = owner_id

    def compose(self) -> ComposeResult:
        with DialogBody():
            yield Static(Text(_("Reassign: {name}").format(name=self.company_name)), classes="dialog-title")
            yield Label(_("To account manager (accounts now)"))
            yield OptionList(id="reassign-to")
            yield Label(_("Comment"))
            yield Input(id="reassign-comment", max_length=2000)
            yield from self.buttons()

    def on_mount(self) -> None:
        self.load(accounts.managers, done=self._managers)

    def _managers(self, managers) -> None:
        option_list = self.query_one("#reassign-to", OptionList)
        for manager in managers:
            if manager.id == self.owner_id:
                continue
            option_list.add_option(Option(Text(f"{manager.name}  ({manager.accounts})"), id=str(manager.id)))
        if option_list.option_count:
            option_list.highlighted = 0
        option_list.focus()

    @on(OptionList.OptionSelected)
    def _chosen(self) -> None:
        self.query_one("#reassign-comment", Input).focus()

    @on(Input.Submitted)
    def action_save(self) -> None:
        option_list = self.query_one("#reassign-to", OptionList)
        if option_list.highlighted is None:
            self.show_error(_("Choose an active account manager."))
            return
        manager_id = int(option_list.get_option_at_index(option_list.highlighted).id)
        self.save_with(accounts.reassign_account, self.company_id, manager_id, self.value("#reassign-comment"))
