"""Nothing a user or an import file wrote can drive the terminal.

Screens show data through `rich.text.Text` (never markup), so `[bold red]x[/]`
and `[link=...]` appear literally.  Text, however, keeps escape and control
characters: an ESC from a company name would reach the terminal as a real
escape sequence (clear the screen, set the window title, fake a prompt), and
a right-to-left override would reverse the rest of the line.  `clean_input`
removes them on the way in, but data already in the database, or written by
another program, must be safe too.

`ControlCharacterFilter` is a Textual line filter applied by the app to every
rendered line of every widget: it drops C0 and C1 control characters, DEL,
bidirectional overrides and invisible zero-width characters.  All of them
occupy zero cells, so dropping them never moves anything else on screen;
the printable part (`[2J` of `ESC [2J`) stays visible.
"""

from __future__ import annotations

import re

from rich.segment import Segment
from textual.color import Color
from textual.filter import LineFilter

# C0 controls, DEL and C1 controls; Arabic letter mark, LRM/RLM, the bidi embeddings,
# overrides and isolates; zero-width space, word joiner, BOM; line/paragraph separators.
UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200b\u200e\u200f\u202a-\u202e\u2028\u2029\u2060\u2066-\u2069\ufeff]")


def neutralise(text: str) -> str:
    """*text* without the characters that could act on the terminal or reorder the line."""
    return UNSAFE.sub("", text) if UNSAFE.search(text) else text


class ControlCharacterFilter(LineFilter):
    """Drops terminal control and bidi characters from every rendered segment."""

    def apply(self, segments: list[Segment], background: Color) -> list[Segment]:
        search = UNSAFE.search
        if not any(search(segment.text) for segment in segments if not segment.control):
            return segments
        return [
            segment
            if segment.control or not search(segment.text)
            else Segment(UNSAFE.sub("", segment.text), segment.style, segment.control)
            for segment in segments
        ]
