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

from rich.cells import cell_len
from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable

from kbase_tui.i18n import _, pgettext

from ..base import ServiceCalls
from .contact_editor import ContactEditor
from .formats import show_date

# A name longer than this wraps onto the row's next lines: the phones beside it stay in sight at 80 columns.
NAME_WIDTH = 26
# Room kept for the vertical scrollbar, which shows once the contacts outgrow the panel.
SCROLLBAR = 2


class ContactsPanel(ServiceCalls, DataTable):
    """A table of contact persons (decision-makers first).

    The phones come right after the name, one number a line (the row is as tall as its phones, or its
    wrapped name): a number is never broken in two nor pushed off the right edge, as on the caller's card.

    The columns are chosen from the panel's own width, and again on every resize: when the six columns do
    not fit (at 80 columns they take about 110), the birthday goes under the name and the e-mail under
    the phones, and if need be the position under the name too, so that nothing needs sideways scrolling;
    a wide panel shows them in columns of their own."""

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
        self.mounted = False
        self.columns_shown: tuple = ()  # the columns' (key, width) as last laid out

    def on_mount(self) -> None:
        self.mounted = True
        self.show(self.contacts)

    def on_resize(self, event) -> None:
        if event.size.width and self._columns(event.size.width) != self.columns_shown:
            self.show(self.contacts)

    def _columns(self, width: int) -> tuple:
        """(key, header, width) of each column for a panel *width* wide (a width of None: as wide as its cells)."""
        from kbase_tui.phones import readable

        padding = 2 * self.cell_padding

        def longest(header: str, values) -> int:
            return max((cell_len(header), *(cell_len(line) for value in values for line in value.splitlines())))

        contacts = self.contacts
        name = min(NAME_WIDTH, longest(_("Name"), [c.full_name for c in contacts]))
        phones = longest(_("Phones"), [readable(n) for c in contacts for n in c.phones])
        dm = cell_len(pgettext("decision maker, a column heading", "DM"))
        birthday = longest(_("Birthday"), [show_date(c.birthday) for c in contacts])
        position = longest(_("Position"), [c.position for c in contacts])
        email = longest(_("E-mail"), [c.email for c in contacts])
        room = width - SCROLLBAR
        if name + phones + dm + position + email + birthday + 6 * padding <= room:
            return (
                ("name", _("Name"), name),
                ("phones", _("Phones"), None),
                ("dm", pgettext("decision maker, a column heading", "DM"), None),
                ("position", _("Position"), None),
                ("email", _("E-mail"), None),
                ("birthday", _("Birthday"), None),
            )
        # Narrower: the birthday under the name and the e-mail under the phones, and where even that does not
        # fit the position under the name too; an e-mail longer than the room left folds onto the next line
        # rather than running off the edge.
        reach_header = _("Phones, e-mail")
        born = [self._born(c) for c in contacts]
        name = min(NAME_WIDTH, max(name, longest("", born)))
        reach = max(cell_len(reach_header), phones, email)
        if name + reach + dm + position + 4 * padding <= room:
            return (
                ("name", _("Name"), name),
                ("reach", reach_header, reach),
                ("dm", pgettext("decision maker, a column heading", "DM"), None),
                ("position", _("Position"), None),
            )
        name = min(NAME_WIDTH, max(name, longest(_("Name, position"), [c.position for c in contacts])))
        left = room - name - dm - 3 * padding
        reach = max(cell_len(reach_header), phones, min(reach, left))
        return (
            ("name", _("Name, position"), name),
            ("reach", reach_header, reach),
            ("dm", pgettext("decision maker, a column heading", "DM"), None),
        )

    @staticmethod
    def _born(contact) -> str:
        return _("born {date}").format(date=show_date(contact.birthday)) if contact.birthday else ""

    def _cells(self, contact, keys) -> list[Text]:
        from kbase_tui.phones import readable

        phones = "\n".join(readable(number) for number in contact.phones)
        name = Text(contact.full_name)
        reach = Text(phones, no_wrap=True)
        if "position" not in keys and contact.position:
            name.append("\n" + contact.position, style="dim")
        if "birthday" not in keys and contact.birthday:
            name.append("\n" + self._born(contact), style="dim")
        if "email" not in keys and contact.email:
            # Folded, not cut: the phones above never wrap (the column is as wide as the longest number).
            reach = Text(phones + ("\n" if phones else "") + contact.email, overflow="fold")
        cells = {
            "name": name,
            "phones": reach,
            "reach": reach,
            "dm": Text("✓" if contact.is_decision_maker else ""),
            "position": Text(contact.position),
            "email": Text(contact.email),
            "birthday": Text(show_date(contact.birthday)),
        }
        return [cells[key] for key in keys]

    def show(self, contacts) -> None:
        """Display these ContactInfo rows (keeps the cursor on the same contact)."""
        current = self.selected_contact
        self.contacts = tuple(contacts)
        if not self.mounted:
            return
        width = self.size.width or self.app.size.width - 2  # before the first layout: across the screen
        columns = self._columns(width)
        self.columns_shown = columns
        self.clear(columns=True)
        for key, header, column_width in columns:
            self.add_column(header, key=key, width=column_width)
        keys = [key for key, _header, _width in columns]
        for contact in self.contacts:
            self.add_row(*self._cells(contact, keys), key=str(contact.id), height=None)
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
