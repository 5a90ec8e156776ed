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
from textual.containers import Horizontal, Vertical
from textual.widgets import Checkbox, Input, Label, Static

from kbase_tui.i18n import _

from .form_dialog import FormDialog
from .formats import DATE_FIELD_LENGTH, parse_date, show_date


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


class ContactEditor(FormDialog):
    """Add (contact=None) or edit a contact person; dismisses with ContactInfo or None."""

    CSS_PATH = "contact_editor.tcss"

    def __init__(self, company_id: int, contact=None) -> None:
        super().__init__()
        self.company_id = company_id
        self.contact = contact
        self.version = contact.version if contact else None

    def compose(self) -> ComposeResult:
        c = self.contact
        with Vertical(classes="dialog"):
            yield Static(_("Edit contact person") if c else _("New contact person"), classes="dialog-title")
            yield Label(_("Name"))
            yield Input(c.full_name if c else "", id="contact-name", max_length=200)
            # Two fields a row: the whole form, the checkbox and the buttons too, fits 80x24.
            with Horizontal(classes="row"):
                with Vertical():
                    yield Label(_("Position"))
                    yield Input(c.position if c else "", id="contact-position", max_length=200)
                with Vertical():
                    yield Label(_("Phones (comma-separated)"))
                    yield Input(_phones_text(c.phones) if c else "", id="contact-phones", max_length=300)
            with Horizontal(classes="row"):
                with Vertical():
                    yield Label(_("E-mail"))
                    yield Input(c.email if c else "", id="contact-email", max_length=200)
                with Vertical():
                    yield Label(_("Birthday (dd.mm.yyyy)"))
                    yield Input(
                        show_date(c.birthday) if c else "",
                        id="contact-birthday",
                        max_length=DATE_FIELD_LENGTH,
                        placeholder=_("dd.mm.yyyy"),
                    )
            # Shown only with something to say: an empty line would push the buttons off 80x24.
            yield Static("", id="contact-other").set_styles("display: none;")
            yield Checkbox(_("Decision-maker (ЛПР)"), c.is_decision_maker if c else False, id="contact-dm")
            yield from self.buttons()

    def on_mount(self) -> None:
        self.query_one("#contact-name", Input).focus()

    @on(Input.Submitted)
    def _next_field(self, event: Input.Submitted) -> None:
        if event.input.id == "contact-birthday":
            self.action_save()
        else:
            self.focus_next()

    def action_save(self) -> None:
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
        if self.contact is None:
            self.save_with(clients.add_contact, self.company_id, form, failed=self._failed)
        else:
            self.save_with(clients.update_contact, self.contact.id, self.version, form, failed=self._failed)

    def _failed(self, error) -> None:
        from kbase_tui.protocol.errors import StaleRecord

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
