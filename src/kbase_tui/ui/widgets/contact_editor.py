"""Dialog to add or edit one contact person, saving through services.clients.

Usage::

    from kbase_tui.ui.widgets.contact_editor import ContactEditor

    self.app.push_screen(ContactEditor(company_id), self._saved)          # add
    self.app.push_screen(ContactEditor(company_id, contact), self._saved) # edit (contact: ContactInfo)

The dialog saves by itself (`clients.add_contact` / `clients.update_contact` with the version it
was opened with) and dismisses with the saved `ContactInfo`, or None on Escape.  When someone else
saved the contact first (StaleRecord) it shows their version beside yours and keeps your input:
ctrl+s again then overwrites with what is in the form, knowingly.
Fields: name, position, phones (comma-separated, any readable format, stored E.164),
e-mail, birthday dd.mm.yyyy, decision-maker (ЛПР) checkbox.  Keys: ctrl+s save, Esc cancel.
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Checkbox, Input, Label, Static

from kbase_tui.i18n import _

from ..base import KbaseModal
from .formats import parse_date, show_date


def _phones_text(numbers) -> str:
    from kbase_tui.phones import readable

    return ", ".join(readable(n) for n in numbers)


def describe_contact(contact) -> str:
    parts = [contact.full_name]
    if contact.position:
        parts.append(contact.position)
    if contact.is_decision_maker:
        parts.append(_("decision-maker"))
    if contact.phones:
        parts.append(_phones_text(contact.phones))
    if contact.email:
        parts.append(contact.email)
    if contact.birthday:
        parts.append(show_date(contact.birthday))
    return " · ".join(parts)


class ContactEditor(KbaseModal):
    """Add (contact=None) or edit a contact person; dismisses with ContactInfo or None."""

    BINDINGS = [
        Binding("ctrl+s", "save", _("Save"), id="contact.save", priority=True),
        Binding("escape", "cancel", _("Cancel"), id="contact.cancel"),
    ]
    DEFAULT_CSS = """
    ContactEditor { align: center middle; }
    ContactEditor > Vertical { width: 76; max-width: 100%; height: auto; max-height: 100%; border: thick $primary;
        background: $surface; padding: 0 1; }
    ContactEditor .title { text-style: bold; }
    ContactEditor Label { margin-top: 0; color: $text-muted; }
    ContactEditor Input { margin: 0; }
    ContactEditor #contact-error { color: $error; height: auto; }
    ContactEditor #contact-other { color: $warning; height: auto; }
    ContactEditor Horizontal { height: auto; }
    ContactEditor .pair > Vertical { width: 1fr; height: auto; }
    ContactEditor Button { margin-right: 1; }
    """

    def __init__(self, company_id: int, contact=None) -> None:
        super().__init__()
        self.company_id = company_id
        self.contact = contact
        self.version = contact.version if contact else None
        self._saving = False

    def compose(self) -> ComposeResult:
        c = self.contact
        with Vertical():
            yield Static(_("Edit contact person") if c else _("New contact person"), classes="title")
            yield Label(_("Name"))
            yield Input(c.full_name if c else "", id="contact-name", max_length=200)
            # Two fields a row: the whole form, the checkbox and the buttons too, fits 80x24.
            with Horizontal(classes="pair"):
                with Vertical():
                    yield Label(_("Position"))
                    yield Input(c.position if c else "", id="contact-position", max_length=200)
                with Vertical():
                    yield Label(_("Phones (comma-separated)"))
                    yield Input(_phones_text(c.phones) if c else "", id="contact-phones", max_length=300)
            with Horizontal(classes="pair"):
                with Vertical():
                    yield Label(_("E-mail"))
                    yield Input(c.email if c else "", id="contact-email", max_length=200)
                with Vertical():
                    yield Label(_("Birthday (dd.mm.yyyy)"))
                    yield Input(
                        show_date(c.birthday) if c else "",
                        id="contact-birthday",
                        max_length=10,
                        placeholder=_("dd.mm.yyyy"),
                    )
            # Shown only with something to say: two empty lines would push the buttons off 80x24.
            yield Static("", id="contact-other").set_styles("display: none;")
            yield Static("", id="contact-error").set_styles("display: none;")
            yield Checkbox(_("Decision-maker (ЛПР)"), c.is_decision_maker if c else False, id="contact-dm")
            with Horizontal():
                yield Button(_("Save (ctrl+s)"), id="contact-save", variant="primary")
                yield Button(_("Cancel (Esc)"), id="contact-cancel")

    def on_mount(self) -> None:
        self.query_one("#contact-name", Input).focus()

    def show_error(self, message: str) -> None:
        error = self.query_one("#contact-error", Static)
        error.update(Text(message))
        error.display = bool(message)

    @on(Input.Submitted)
    def _next_field(self, event: Input.Submitted) -> None:
        if event.input.id == "contact-birthday":
            self.action_save()
        else:
            self.focus_next()

    @on(Button.Pressed, "#contact-save")
    def action_save(self) -> None:
        if self._saving:
            return
        from kbase_tui.protocol import clients

        try:
            birthday = parse_date(self.query_one("#contact-birthday", Input).value)
        except ValueError as error:
            self.show_error(str(error))
            self.query_one("#contact-birthday", Input).focus()
            return
        form = clients.ContactForm(
            full_name=self.query_one("#contact-name", Input).value,
            position=self.query_one("#contact-position", Input).value,
            is_decision_maker=self.query_one("#contact-dm", Checkbox).value,
            phones=[p for p in self.query_one("#contact-phones", Input).value.split(",") if p.strip()],
            email=self.query_one("#contact-email", Input).value,
            birthday=birthday,
        )
        self._saving = True
        self.show_error(_("Saving…"))
        if self.contact is None:
            self.call(clients.add_contact, self.company_id, form, done=self._saved, failed=self._failed)
        else:
            self.call(
                clients.update_contact, self.contact.id, self.version, form, done=self._saved, failed=self._failed
            )

    def _saved(self, contact) -> None:
        self._saving = False
        self.dismiss(contact)

    def _failed(self, error) -> None:
        from kbase_tui.protocol.errors import StaleRecord

        self._saving = False
        if isinstance(error, StaleRecord) and error.current is not None:
            current = error.current
            self.version = current.version
            other = self.query_one("#contact-other", Static)
            other.update(
                Text(_("Saved meanwhile by someone else: {contact}").format(contact=describe_contact(current)))
            )
            other.display = True
            self.show_error(_("Your input is kept. Press ctrl+s to save it over theirs, or Esc to drop it."))
            return
        self.show_error(str(error))

    @on(Button.Pressed, "#contact-cancel")
    def action_cancel(self) -> None:
        self.close_unless_typed()
