"""A client's card that its reader may only read: a summary, the contact persons and the whole history.

The second responsible person of a key client and a specialist on a task both see such a card, each for as long as
the server lets them; a refusal (the access has ended) closes it with a sentence saying why.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Header, Static

from kbase_tui.protocol.errors import AccessDenied

from ..base import KbaseScreen
from .contacts import ContactsPanel
from .footer import KeyFooter
from .history import HistoryTimeline


class ReadOnlyClientCard(KbaseScreen):
    """Subclasses name the operations (`card_operation`, `history_operation`), the ids of the top, contacts and
    history (their screens' .tcss), the sentence for an ended access, and draw the top from the card (`summary`)."""

    card_operation: object = None
    history_operation: object = None
    widget_ids = ("card-top", "card-contacts", "card-history")
    no_longer_yours = ""

    def __init__(self, company_id: int) -> None:
        super().__init__()
        self.company_id = company_id
        self.card = None

    def compose(self) -> ComposeResult:
        yield Header()
        top, contacts, history = self.widget_ids
        yield Static("", id=top)
        yield ContactsPanel(read_only=True, id=contacts)
        yield HistoryTimeline(loader=self.history_operation, id=history)
        yield KeyFooter()

    def load(self) -> None:
        self.call(self.card_operation, self.company_id, done=self._show, failed=self._refused)

    def _refused(self, error) -> None:
        if isinstance(error, AccessDenied):
            self.app.notify(self.no_longer_yours, timeout=6)
        else:
            self.app.notify(str(error), severity="error", timeout=6, markup=False)
        self.leave()

    def leave(self) -> None:
        self.app.pop_screen()

    def summary(self, card) -> Text:
        raise NotImplementedError

    def _show(self, card) -> None:
        self.card = card
        self.title = card.company.name
        self.query_one(f"#{self.widget_ids[0]}", Static).update(self.summary(card))
        contacts = self.query_one(ContactsPanel)
        contacts.company_id = card.company.id
        contacts.show(card.contacts)
        history = self.query_one(HistoryTimeline)
        history.reload(card.company.id)
        history.focus()  # the contacts are read here, not edited: their keys stay out of the footer
