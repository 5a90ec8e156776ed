"""The contact persons of one company, with add and edit.

Usage::

    from kbase_tui.ui.widgets.contacts import ContactsPanel

    yield ContactsPanel(company_id, id="contacts")     # in compose()
    panel.show(card.contacts)                           # fill from a CompanyCard you already loaded
    # or panel.reload() to fetch them through services.clients.open_card

Keys while it has focus: `a` (or Insert) adds a contact, Enter or `e` edits the highlighted one,
both through ContactEditor.  After a save the panel refreshes itself and posts
`ContactsPanel.Changed(contact)` so the screen can reload its history timeline.
Set `read_only=True` for viewers who may not edit.
"""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable

from kbase_tui.i18n import _

from ..base import ServiceCalls
from .contact_editor import ContactEditor
from .formats import show_date

# A name longer than this wraps onto the row's next lines: the phones beside it stay in sight at 80 columns.
NAME_WIDTH = 26


class ContactsPanel(ServiceCalls, DataTable):
    """A table of contact persons (decision-makers first).

    The phones come right after the name, one number a line (the row is as tall as its phones, or its
    wrapped name): a number is never broken in two nor pushed off the right edge, as on the caller's card."""

    BINDINGS = [
        Binding("a,insert", "add_contact", _("Add contact"), id="contacts.add"),
        Binding("e,enter", "edit_contact", _("Edit contact"), id="contacts.edit"),
    ]
    DEFAULT_CSS = """
    ContactsPanel { height: auto; max-height: 10; border: round $panel; }
    ContactsPanel:focus { border: round $accent; }
    """

    class Changed(Message):
        def __init__(self, panel: ContactsPanel, contact) -> None:
            super().__init__()
            self.panel = panel
            self.contact = contact

    def __init__(
        self,
        company_id: int | None = None,
        *,
        read_only: bool = False,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes, cursor_type="row", zebra_stripes=True)
        self.company_id = company_id
        self.read_only = read_only
        self.contacts: tuple = ()
        self.border_title = _("Contact persons")

    def on_mount(self) -> None:
        self._add_columns()
        self.show(self.contacts)

    def _add_columns(self) -> None:
        header = _("Name")
        longest = max((len(c.full_name) for c in self.contacts), default=0)
        self.add_column(header, key="name", width=min(NAME_WIDTH, max(len(header), longest)))
        self.add_column(_("Phones"), key="phones")
        self.add_column(_("ЛПР"), key="dm")
        self.add_column(_("Position"), key="position")
        self.add_column(_("E-mail"), key="email")
        self.add_column(_("Birthday"), key="birthday")

    def show(self, contacts) -> None:
        """Display these ContactInfo rows (keeps the cursor on the same contact)."""
        current = self.selected_contact
        self.contacts = tuple(contacts)
        if not self.columns:
            return
        from kbase_tui.phones import readable

        self.clear(columns=True)
        self._add_columns()  # the name column as wide as these names need, up to NAME_WIDTH
        for contact in self.contacts:
            self.add_row(
                Text(contact.full_name),
                Text("\n".join(readable(number) for number in contact.phones), no_wrap=True),
                Text("✓" if contact.is_decision_maker else ""),
                Text(contact.position),
                Text(contact.email),
                Text(show_date(contact.birthday)),
                key=str(contact.id),
                height=None,
            )
        if current is not None:
            for row, contact in enumerate(self.contacts):
                if contact.id == current.id:
                    self.move_cursor(row=row)

    def reload(self) -> None:
        from kbase_tui.protocol import clients

        if self.company_id is None:
            return
        self.call(clients.open_card, self.company_id, done=lambda card: self.show(card.contacts))

    @property
    def selected_contact(self):
        if not self.contacts or not self.row_count:
            return None
        row = self.cursor_row
        return self.contacts[row] if 0 <= row < len(self.contacts) else None

    def action_add_contact(self) -> None:
        if self.read_only or self.company_id is None:
            return
        self.app.push_screen(ContactEditor(self.company_id), self._saved)

    def action_edit_contact(self) -> None:
        contact = self.selected_contact
        if self.read_only or contact is None or self.company_id is None:
            return
        self.app.push_screen(ContactEditor(self.company_id, contact), self._saved)

    def _saved(self, contact) -> None:
        if contact is None:
            return
        others = [c for c in self.contacts if c.id != contact.id]
        self.show(sorted([*others, contact], key=lambda c: (not c.is_decision_maker, c.id)))
        for row, shown in enumerate(self.contacts):
            if shown.id == contact.id:
                self.move_cursor(row=row)
        self.post_message(self.Changed(self, contact))
