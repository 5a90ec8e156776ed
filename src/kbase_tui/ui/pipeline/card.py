"""The deal card: company, contact persons, requirements, next step, expected amount, whole history.

Fields save with ctrl+s under a version check: if someone else saved the deal first, their
values are shown beside yours and nothing is overwritten until you press ctrl+s again.
"""

from __future__ import annotations

from datetime import date

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Header, Input, Label, Static, TextArea

from kbase_tui.i18n import _
from kbase_tui.labels import category_label
from kbase_tui.protocol import pipeline
from kbase_tui.protocol.errors import StaleRecord
from kbase_tui.protocol.session import CHANGED

from ..base import KbaseScreen
from ..messages import ServerPush
from ..widgets.contacts import ContactsPanel
from ..widgets.footer import KeyFooter
from ..widgets.formats import DATE_FIELD_LENGTH, parse_amount, parse_date, show_amount, show_date
from ..widgets.history import HistoryTimeline


class DealForm(VerticalScroll):
    """The deal's fields.  The field being typed in stays in view whenever the form's room or content
    changes (the deal's text fills the requirements box, the history beside it arrives later, the terminal
    is resized), scrolled from the top by the least that shows it: the same view whatever order these came in."""

    def keep_focus_in_view(self) -> None:
        focused = self.screen.focused
        if focused is not None and self in focused.ancestors:
            self.scroll_to(y=0, animate=False, immediate=True)
            self.scroll_to_widget(focused, animate=False, immediate=True)

    def on_resize(self, _event) -> None:
        self.keep_focus_in_view()


class DealCardScreen(KbaseScreen):
    CSS_PATH = "pipeline.tcss"
    HELP = _(
        "The deal card. Tab moves between fields, the contacts and the history. ctrl+s saves the requirements, "
        "next step, due date and expected amount. In the contacts: a adds, Enter or e edits."
    )
    BINDINGS = [
        Binding("ctrl+s", "save", _("Save"), id="card.save", priority=True),
        Binding("f2,alt+n", "note", _("Note/call/meeting"), id="card.note"),
        Binding("f3,alt+c", "add_contact", _("Add contact"), id="card.contact"),
        Binding("alt+right", "move(1)", _("Stage →"), show=False, id="card.forward"),
        Binding("alt+left", "move(-1)", _("← Stage"), show=False, id="card.back"),
        Binding("f6,alt+w", "won", _("Won"), id="card.won"),
        Binding("f7,alt+x", "lost", _("Lost"), id="card.lost"),
        Binding("escape", "back", _("Back"), id="card.back_to_board"),
        Binding("f1", "app.help", _("Keys"), id="card.help"),
    ]

    def __init__(self, deal_id: int, *, today: date | None = None) -> None:
        super().__init__()
        self.deal_id = deal_id
        self.today = today
        self.card = None
        self._saving = False

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="card-top"):
            yield Static("", id="card-company")
            yield Static("", id="card-deal")
        with Horizontal(id="card-body"):
            with DealForm(id="card-left"):
                yield Label(_("Client's requirements"))
                yield TextArea(id="card-requirements", soft_wrap=True, show_line_numbers=False)
                yield Label(_("Next step"))
                yield Input(id="card-next-step", max_length=500)
                with Horizontal(classes="card-row"):
                    with Vertical():
                        yield Label(_("Due (dd.mm.yyyy)"))
                        yield Input(id="card-due", max_length=DATE_FIELD_LENGTH, placeholder=_("dd.mm.yyyy"))
                    with Vertical():
                        yield Label(_("Expected amount"))
                        yield Input(id="card-amount", max_length=20)
                yield Static("", id="card-message")
                yield ContactsPanel(id="card-contacts")
            yield HistoryTimeline(loader=pipeline.deal_history, id="card-history")
        yield KeyFooter()

    # Keys typed before the card arrives wait for it: its values would otherwise replace them.
    keys_wait = True

    def on_mount(self) -> None:
        self.title = _("Deal")
        self.load()

    def on_resize(self) -> None:
        self.set_class(self.size.width < 110, "-narrow")

    def load(self) -> None:
        self.call(pipeline.deal_card, self.deal_id, done=self._show, failed=self._load_failed)

    def on_server_push(self, message: ServerPush) -> None:
        """The deal was given to someone else meanwhile: loading it again says so and closes the card."""
        event = message.event
        if (
            event.type == CHANGED
            and event.what == "board"
            and self.card is not None
            and event.company_id == self.card.company.id
        ):
            self.load()

    def _load_failed(self, error) -> None:
        self.keys_wait = False
        self.notify(str(error), severity="error", timeout=6)
        self.dismiss_card()

    def _show(self, card) -> None:
        first = self.card is None
        self.keys_wait = False
        if not first and self.dirty:
            # Loaded again (someone changed the deal) while this person has unsaved input: their
            # text stays; ctrl+s then meets the version check and shows the other values beside it.
            self.message(_("The deal was changed meanwhile; your input is kept: ctrl+s saves it."), "yellow")
            return
        self.card = card
        company, deal = card.company, card.deal
        self.title = company.name
        head = Text()
        head.append(company.name, style="bold")
        head.append("\n")
        details = [
            x
            for x in (
                _("INN {inn}").format(inn=company.inn) if company.inn else "",
                company.city,
                company.industry,
                company.channel,
                category_label(company.category),
            )
            if x
        ]
        head.append(" · ".join(details), style="dim")
        if company.phones:
            from kbase_tui.phones import readable

            for phone in company.phones:  # one a line: a line break inside a number misleads
                head.append("\n☎ " + readable(phone))
        for extra in (company.email, company.website):
            if extra:
                head.append("\n" + extra)
        self.query_one("#card-company", Static).update(head)
        self._show_deal_status(deal)
        self._fill_form(deal)
        contacts = self.query_one(ContactsPanel)
        contacts.company_id = company.id
        contacts.read_only = deal.status != "open"
        contacts.show(card.contacts)
        self.query_one(HistoryTimeline).reload(deal.id)
        if first:
            self.query_one("#card-next-step", Input).focus(scroll_visible=False)
            self.call_after_refresh(self.query_one(DealForm).keep_focus_in_view)

    def _show_deal_status(self, deal) -> None:
        text = Text()
        text.append(_("Stage: "), style="dim")
        text.append(deal.stage_label, style="bold magenta")
        if deal.status != "open":
            text.append(f"  ({deal.status})", style="bold")
        text.append("\n")
        text.append(_("Closer: "), style="dim")
        text.append(deal.closer_name or "—")
        if deal.handed_over_by_name:
            text.append("  ")
            text.append(_("handed over by: "), style="dim")
            text.append(deal.handed_over_by_name)
        text.append("\n")
        text.append(_("In the pipeline since: "), style="dim")
        text.append(show_date(deal.created_at))
        if deal.supervisor_comment:
            text.append("\n! ", style="bold yellow")
            text.append(deal.supervisor_comment, style="yellow")
        self.query_one("#card-deal", Static).update(text)

    def _fill_form(self, deal) -> None:
        self.query_one("#card-requirements", TextArea).text = deal.requirements
        self.query_one("#card-next-step", Input).value = deal.next_step
        self.query_one("#card-due", Input).value = show_date(deal.next_step_due)
        self.query_one("#card-amount", Input).value = show_amount(deal.expected_amount) if deal.expected_amount else ""
        self.deal_version = deal.version
        self.message("")

    def message(self, text: str, style: str = "") -> None:
        self.query_one("#card-message", Static).update(Text(text, style=style))

    # --- saving -----------------------------------------------------------------------
    def _form(self):
        return pipeline.DealForm(
            requirements=self.query_one("#card-requirements", TextArea).text,
            next_step=self.query_one("#card-next-step", Input).value,
            next_step_due=parse_date(self.query_one("#card-due", Input).value),
            expected_amount=parse_amount(self.query_one("#card-amount", Input).value),
        )

    @property
    def dirty(self) -> bool:
        if self.card is None:
            return False
        deal = self.card.deal
        try:
            form = self._form()
        except ValueError:
            return True
        return (form.requirements.strip(), form.next_step.strip(), form.next_step_due, form.expected_amount) != (
            deal.requirements,
            deal.next_step,
            deal.next_step_due,
            deal.expected_amount,
        )

    @on(Input.Submitted, "#card-next-step, #card-due, #card-amount")
    def action_save(self) -> None:
        if self.card is None or self._saving:
            return
        try:
            form = self._form()
        except ValueError as error:
            self.message(str(error), "bold red")
            return
        self._saving = True
        self.call(
            pipeline.update_deal, self.deal_id, self.deal_version, form, done=self._saved, failed=self._save_failed
        )

    def _saved(self, deal) -> None:
        from dataclasses import replace

        self._saving = False
        self.card = replace(self.card, deal=deal)
        self.deal_version = deal.version
        self._show_deal_status(deal)
        self.message(_("Saved."), "green")
        self.query_one(HistoryTimeline).reload()

    def _save_failed(self, error) -> None:
        self._saving = False
        if isinstance(error, StaleRecord) and error.current is not None:
            other = error.current
            from dataclasses import replace

            self.card = replace(self.card, deal=other)
            self.deal_version = other.version
            self._show_deal_status(other)
            lines = [_("Someone else saved this deal meanwhile. Their version:")]
            lines.append(_("Requirements: {text}").format(text=other.requirements or "—"))
            lines.append(
                _("Next step: {text} ({due})").format(
                    text=other.next_step or "—", due=show_date(other.next_step_due) or "—"
                )
            )
            lines.append(_("Expected amount: {amount}").format(amount=show_amount(other.expected_amount)))
            lines.append(_("Your input is kept: ctrl+s saves it over theirs."))
            self.message("\n".join(lines), "yellow")
            self.query_one(HistoryTimeline).reload()
            return
        self.message(str(error), "bold red")

    # --- other actions --------------------------------------------------------------------
    def action_note(self) -> None:
        if self.card is None:
            return
        from ..widgets.note_dialog import AddNoteDialog

        self.app.push_screen(
            AddNoteDialog(self.deal_id, saver=pipeline.add_deal_note, title=self.card.company.name), self._noted
        )

    def _noted(self, entry) -> None:
        if entry is not None:
            self.query_one(HistoryTimeline).reload()

    @on(ContactsPanel.Changed)
    def _contacts_changed(self) -> None:
        self.query_one(HistoryTimeline).reload()

    def action_add_contact(self) -> None:
        self.query_one(ContactsPanel).action_add_contact()

    def action_move(self, step: int) -> None:
        if self.card is None:
            return
        self.call(
            pipeline.move_deal,
            self.deal_id,
            step,
            expected_stage=self.card.deal.stage_code,
            done=lambda _s: self.load(),
        )

    def action_won(self) -> None:
        if self.card is None or self.card.deal.status != "open":
            return
        from .dialogs import WonDialog

        self.app.push_screen(
            WonDialog(self.deal_id, self.card.company.name, self.card.deal.expected_amount, today=self.today),
            self._deal_closed,
        )

    def action_lost(self) -> None:
        if self.card is None or self.card.deal.status != "open":
            return
        from .dialogs import LostDialog

        self.app.push_screen(LostDialog(self.deal_id, self.card.company.name), self._deal_closed)

    def _deal_closed(self, result) -> None:
        if result is not None:
            self.dismiss_card()  # the closer has no access any more

    def action_back(self) -> None:
        # The same question as every dialog's Esc with typed text (ui/base.py): Y drops the input.
        if self.dirty and self.card is not None and self.card.deal.status == "open":
            from ..widgets.confirm import DiscardDialog

            self.app.push_screen(DiscardDialog(), lambda discard: discard and self.dismiss_card())
            return
        self.dismiss_card()

    def dismiss_card(self) -> None:
        if self.app.screen is self:
            self.app.pop_screen()
