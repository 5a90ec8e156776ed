"""Textual's command palette with its own words in the reader's language.

Textual writes "No matches found" in English when a search finds nothing; it adds that line to
the palette's list with `add_option`.  `CommandPalette` builds the list in its `compose`, so this
palette composes Textual's and puts a list of its own in place of Textual's, one that says it in
the reader's language.  The placeholder of the search line is an argument (ui/app.py passes it).
"""

from __future__ import annotations

from typing import Self

from rich.align import Align
from rich.text import Text
from textual.app import ComposeResult
from textual.command import CommandList, CommandPalette
from textual.visual import VisualType
from textual.widgets.option_list import Option

from kbase_tui.i18n import _


class _CommandList(CommandList):
    def add_option(self, option: Option | VisualType | None = None) -> Self:
        if isinstance(option, Option) and option.id == CommandPalette._NO_MATCHES:
            option = Option(Align.center(Text(_("No matches found"), style="not bold")), disabled=True, id=option.id)
        return super().add_option(option)


class Palette(CommandPalette):
    """The command palette (Ctrl+P) and the theme search, worded in the reader's language."""

    def compose(self) -> ComposeResult:
        for widget in super().compose():
            yield _CommandList() if type(widget) is CommandList else widget
