"""A field that is full says so.

Textual's Input drops what would make its value longer than `max_length` and only rings the bell, which
most terminals over SSH do not sound: the margin of an order kept "Круг стальной 20" of "Круг стальной 20
мм", and nobody was told.  A paste longer than the room left was refused whole, the field not even full, and
nothing said at all.  `say_when_a_field_is_full` makes every Input of the app take what fits and say the rest
was not taken, in a toast (once every few seconds while the person goes on typing), in the reader's language.
"""

from __future__ import annotations

from time import monotonic

from kbase_tui.i18n import ngettext

# While the person goes on typing into a full field: the toast again after this long, not at every key.
SAY_AGAIN_AFTER = 3.0


def _say_full(field) -> None:
    now = monotonic()
    if now - getattr(field, "_kbase_said_full", float("-inf")) < SAY_AGAIN_AFTER:
        return
    field._kbase_said_full = now
    field.app.notify(
        ngettext(
            "The field holds at most {n} character: what you typed beyond that was not taken.",
            "The field holds at most {n} characters: what you typed beyond that was not taken.",
            field.max_length,
        ).format(n=field.max_length),
        severity="warning",
        timeout=5,
    )


def say_when_a_field_is_full() -> None:
    """Install once, before the first Input is used (KbaseApp.__init__)."""
    from textual.widgets import Input

    original_restricted = Input.restricted
    if getattr(original_restricted, "kbase_says_full", False):
        return
    original_replace = Input.replace

    def restricted(self: Input) -> None:
        original_restricted(self)
        if self.max_length and len(self.value) >= self.max_length:
            _say_full(self)
        # else refused for its kind (a digit field), not for its length: the field shows why

    def replace(self: Input, text: str, start: int, end: int) -> None:
        # A paste (or any text of more than one character) longer than the room left: what fits goes in.
        start, end = sorted((max(0, start), min(len(self.value), end)))
        room = self.max_length - (len(self.value) - (end - start)) if self.max_length else len(text)
        if 0 < room < len(text):
            before = self.value
            original_replace(self, text[:room], start, end)
            if self.value != before:
                _say_full(self)
                return
        original_replace(self, text, start, end)

    restricted.kbase_says_full = True  # type: ignore[attr-defined]
    Input.restricted = restricted  # type: ignore[method-assign]
    Input.replace = replace  # type: ignore[method-assign]
