"""A manager leaves: pick the user, see what they hold, choose who receives it, confirm."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.widgets import Label, Select, Static

from kbase_tui.i18n import _
from kbase_tui.labels import role_label
from kbase_tui.protocol import transfer
from kbase_tui.protocol.transfer import PortfolioCounts, StaffMember, TransferResult

from ..widgets.confirm import ConfirmDialog
from ..widgets.form_dialog import DialogBody, ErrorLine, FormDialog

SPREAD = -1


class TransferDialog(FormDialog):
    """Ctrl+S transfers (after a confirmation); the user who leaves is disabled."""

    COMPACT = True

    def __init__(self) -> None:
        super().__init__()
        self.staff: list[StaffMember] = []
        self.counts: PortfolioCounts | None = None

    def compose(self) -> ComposeResult:
        with DialogBody():
            yield Static(Text(_("Transfer a portfolio: a manager leaves")), classes="dialog-title")
            yield Label(_("Who leaves"))
            yield Select([], prompt=_("Choose a user"), id="transfer-from")
            yield Static("", id="transfer-counts")
            yield Label(_("Who receives"))
            yield Select([], prompt=_("Choose a receiver"), id="transfer-to")
            yield ErrorLine()
            yield Static(
                Text(_("Ctrl+S transfers and disables the user; nothing is deleted. Esc cancels.")),
                classes="dialog-hint",
            )

    def on_mount(self) -> None:
        self.load(transfer.staff, done=self._staff)

    def _staff(self, staff: list[StaffMember]) -> None:
        self.staff = [s for s in staff if not s.disabled and s.id != self.actor.id]
        self.query_one("#transfer-from", Select).set_options(
            [(Text(f"{s.name} · {role_label(s.role)}"), s.id) for s in self.staff]
        )
        self.query_one("#transfer-from", Select).focus()

    @on(Select.Changed, "#transfer-from")
    def _leaver_chosen(self, event: Select.Changed) -> None:
        receiver = self.query_one("#transfer-to", Select)
        if not isinstance(event.value, int):
            # Nobody chosen: no figures, and none of the user chosen before may arrive late.
            self.forget_calls(transfer.portfolio)
            self.counts = None
            self.query_one("#transfer-counts", Static).update("")
            receiver.set_options([])
            return
        leaver = next(s for s in self.staff if s.id == event.value)
        colleagues = [s for s in self.staff if s.role == leaver.role and s.id != leaver.id]
        options = (
            [(_("Spread evenly over all active colleagues ({n})").format(n=len(colleagues)), SPREAD)]
            if colleagues
            else []
        )
        options += [(Text(s.name), s.id) for s in colleagues]
        # Always a place to go: the head of sales holds the portfolio until a new person starts.
        if leaver.role != "supervisor":
            options.append((_("Hold it myself until a new person starts"), self.actor.id))
        receiver.set_options(options)
        if colleagues:
            receiver.value = SPREAD
        elif options:
            receiver.value = self.actor.id
        self.call(transfer.portfolio, leaver.id, done=self._show_counts)

    def _show_counts(self, counts: PortfolioCounts) -> None:
        self.counts = counts
        text = _(
            "Companies: {companies} · open deals: {deals} · callbacks: {callbacks} · special offers: {offers} · "
            "open tasks: {tasks} · leads held now: {held}"
        ).format(
            companies=counts.companies,
            deals=counts.deals,
            callbacks=counts.callbacks,
            offers=counts.special_offers,
            tasks=counts.tasks,
            held=counts.held_leads,
        )
        self.query_one("#transfer-counts", Static).update(Text(text))

    def action_save(self) -> None:
        leaver = self.query_one("#transfer-from", Select).value
        receiver = self.query_one("#transfer-to", Select).value
        if not isinstance(leaver, int):
            self.show_error(_("Choose the user who leaves."))
            return
        if not isinstance(receiver, int):
            self.show_error(_("Choose who receives the portfolio."))
            return
        name = next(s.name for s in self.staff if s.id == leaver)
        question = _("Transfer everything of {name} and disable the account?").format(name=name)
        self.app.push_screen(ConfirmDialog(question), lambda yes: yes and self._transfer(leaver, receiver))

    def _transfer(self, leaver: int, receiver: int) -> None:
        self.call(
            transfer.transfer_portfolio,
            leaver,
            None if receiver == SPREAD else receiver,
            done=self._done,
            failed=lambda error: self.show_error(str(error)),
        )

    def _done(self, result: TransferResult) -> None:
        receivers = ", ".join(f"{name}: {n}" for _id, name, n in result.receivers)
        self.notify(
            _("Portfolio of {name} transferred ({receivers}); the account is disabled.").format(
                name=result.counts.user_name, receivers=receivers
            ),
            timeout=8,
            markup=False,
        )
        self.dismiss(result)


class PassOnDialog(FormDialog):
    """What the head of sales holds since someone left, handed to a new person of that role."""

    COMPACT = True

    def __init__(self) -> None:
        super().__init__()
        self.staff: list[StaffMember] = []

    def compose(self) -> ComposeResult:
        with DialogBody():
            yield Static(Text(_("Hand on a portfolio I hold to a new person")), classes="dialog-title")
            yield Static("", id="held-counts")
            yield Label(_("Who receives"))
            yield Select([], prompt=_("Choose a person"), id="held-to")
            yield ErrorLine()
            yield Static(
                Text(
                    _(
                        "The receiver gets what I hold for their role (a closer the deals, an account "
                        "manager the clients, a caller the callbacks). Ctrl+S hands it on, Esc cancels."
                    )
                ),
                classes="dialog-hint",
            )

    def on_mount(self) -> None:
        self.call(transfer.portfolio, self.actor.id, done=self._show_counts)
        self.load(transfer.staff, done=self._staff)

    def _show_counts(self, counts: PortfolioCounts) -> None:
        self.query_one("#held-counts", Static).update(
            Text(
                _(
                    "I hold: companies {companies} · open deals {deals} · callbacks {callbacks} · special offers {offers} "
                    "· open tasks {tasks}"
                ).format(
                    companies=counts.companies,
                    deals=counts.deals,
                    callbacks=counts.callbacks,
                    offers=counts.special_offers,
                    tasks=counts.tasks,
                )
            )
        )

    def _staff(self, staff: list[StaffMember]) -> None:
        self.staff = [s for s in staff if not s.disabled and s.role in ("caller", "closer", "account")]
        select = self.query_one("#held-to", Select)
        select.set_options([(Text(f"{s.name} · {role_label(s.role)}"), s.id) for s in self.staff])
        select.focus()

    def action_save(self) -> None:
        receiver = self.query_one("#held-to", Select).value
        if not isinstance(receiver, int):
            self.show_error(_("Choose who receives the portfolio."))
            return
        self.call(transfer.pass_on_held, receiver, done=self._done, failed=lambda error: self.show_error(str(error)))

    def _done(self, result: TransferResult) -> None:
        _id, name, n = result.receivers[0]
        self.notify(_("{n} companies handed to {name}.").format(n=n, name=name), timeout=8, markup=False)
        self.dismiss(result)
