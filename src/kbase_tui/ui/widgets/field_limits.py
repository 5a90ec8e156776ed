"""A field that is full says so.

Textual's Input drops what would make its value longer than `max_length` and only rings the bell, which
most terminals over SSH do not sound: the margin of an order kept "Круг стальной 20" of "Круг стальной 20
мм", and nobody was told.  `say_when_a_field_is_full` makes every Input of the app say it in a toast (once
every few seconds while the person goes on typing), in the reader's language.
"""

from __future__ import annotations

from time import monotonic

from kbase_tui.i18n import ngettext

# While the person goes on typing into a full field: the toast again after this long, not at every key.
SAY_AGAIN_AFTER = 3.0


def say_when_a_field_is_full() -> None:
    """Install once, before the first Input is used (KbaseApp.__init__)."""
    from textual.widgets import Input

    original = Input.restricted
    if getattr(original, "kbase_says_full", False):
        return

    def restricted(self: Input) -> None:
        original(self)
        if not self.max_length or len(self.value) < self.max_length:
            return  # refused for its kind (a digit field), not for its length: the field shows why
        now = monotonic()
        if now - getattr(self, "_kbase_said_full", float("-inf")) < SAY_AGAIN_AFTER:
            return
        self._kbase_said_full = now  # type: ignore[attr-defined]
        self.app.notify(
            ngettext(
                "The field holds at most {n} character: what you typed beyond that was not taken.",
                "The field holds at most {n} characters: what you typed beyond that was not taken.",
                self.max_length,
            ).format(n=self.max_length),
            severity="warning",
            timeout=5,
        )

    restricted.kbase_says_full = True  # type: ignore[attr-defined]
    Input.restricted = restricted  # type: ignore[method-assign]
