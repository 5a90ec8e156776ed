"""Messages the app sends its screens."""

from __future__ import annotations

from textual.message import Message

from kbase_tui.protocol.session import PushEvent


class ServerPush(Message):
    """The server pushed an event (a hand-over, an alarm, a change): a screen that shows it refreshes."""

    def __init__(self, event: PushEvent) -> None:
        super().__init__()
        self.event = event
