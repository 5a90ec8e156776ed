"""The key footer of kbase screens: the screen's shown keys drawn as one line by one widget.

Textual's Footer mounts one widget per key, each styled by the whole stylesheet, and does it
again every time the screen's bindings are updated (every focus change).  Opening a list screen
paid for that twice, 25–40 ms of the main thread on this machine (docs/performance.md).  This
footer keeps the shown keys as data and draws them in a single line: a change of keys is a
repaint of one line, nothing is mounted.  It looks and behaves like Textual's (the same theme
colours, a click on a key presses it, a disabled key rings the bell, the command palette key at
the right edge) and reads the same bindings, so F1 help, the palette and the footer agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import groupby

from rich.style import Style
from rich.text import Text
from textual import events
from textual.screen import Screen
from textual.widget import Widget

from kbase_tui.i18n import _


def _words(description: str) -> str:
    """A binding's description in the reader's language (never `_("")`: gettext's answer to it is the header)."""
    return _(description) if description else description


@dataclass(frozen=True)
class FooterItem:
    """One key as the footer shows it (a group of keys shares one description)."""

    key: str  # what a click presses
    key_display: str
    description: str
    enabled: bool
    tooltip: str = ""


class KeyFooter(Widget, can_focus=False):
    ALLOW_SELECT = False
    COMPONENT_CLASSES = {"key-footer--key", "key-footer--description", "key-footer--hover", "key-footer--rule"}
    DEFAULT_CSS = """
    KeyFooter {
        dock: bottom;
        height: 1;
        color: $footer-foreground;
        background: $footer-background;
    }
    KeyFooter > .key-footer--key {
        color: $footer-key-foreground;
        background: $footer-key-background;
        text-style: bold;
    }
    KeyFooter > .key-footer--description {
        color: $footer-description-foreground;
        background: $footer-description-background;
    }
    KeyFooter > .key-footer--hover { background: $block-hover-background; }
    KeyFooter > .key-footer--rule { color: $foreground 20%; }
    """

    def __init__(
        self,
        *,
        show_command_palette: bool = True,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.show_command_palette = show_command_palette
        self.items: tuple[FooterItem, ...] = ()
        self.palette: FooterItem | None = None
        self._hover: int | None = None
        self._places: list[
            tuple[int, int, int]
        ] = []  # (first cell, end cell, item index) as last drawn; the palette is len(items)

    # --- the keys -------------------------------------------------------------------------
    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self.bindings_changed)
        self.bindings_changed(self.screen)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def bindings_changed(self, screen: Screen) -> None:
        if not self.is_attached or screen is not self.screen:
            return
        items, palette = self.shown_keys(screen)
        if (items, palette) != (self.items, self.palette):
            self.items, self.palette = items, palette
            # What was under the pointer is another key now: no click or highlight lands on a key
            # until the new line is drawn and the mouse moves.
            self._places = []
            self._hover = None
            self.tooltip = None
            self.refresh()

    def shown_keys(self, screen: Screen) -> tuple[tuple[FooterItem, ...], FooterItem | None]:
        """The keys to show, as Textual's Footer picks them: bindings with show=True, one per action
        (the first key bound to it), the keys of a group side by side under the group's description."""
        app = screen.app
        by_action: dict[str, tuple] = {}
        for node, binding, enabled, tooltip in screen.active_bindings.values():
            if not binding.show and binding.action == "select_cursor" and node is not screen:
                # A focused table's Enter (hidden) shadows the screen's Enter; the screen runs its own
                # action on the table's RowSelected, so the footer says what Enter does there.
                binding, enabled, tooltip = self._screen_binding(screen, binding.key) or (binding, enabled, tooltip)
            if binding.show and binding.action not in by_action:
                by_action[binding.action] = (binding, enabled, tooltip)
        items: list[FooterItem] = []
        for group, run in groupby(by_action.values(), key=lambda entry: entry[0].group):
            members = list(run)
            if group is not None and len(members) > 1:  # a group's keys side by side, its description after
                for number, (member, enabled, tooltip) in enumerate(members, 1):
                    items.append(
                        FooterItem(
                            member.key,
                            app.get_key_display(member),
                            _words(group.description) if number == len(members) else "",
                            enabled,
                            tooltip or _words(member.description),
                        )
                    )
            else:
                items += [
                    # _() again: Textual's own widgets describe their keys in English ("Dismiss menu" of a
                    # Select's list; ui/textual_texts.py), kbase's own are translated already.
                    FooterItem(binding.key, app.get_key_display(binding), _words(binding.description), enabled, tooltip)
                    for binding, enabled, tooltip in members
                ]
        palette = None
        if self.show_command_palette and app.ENABLE_COMMAND_PALETTE:
            found = screen.active_bindings.get(app.COMMAND_PALETTE_BINDING)
            if found is not None:
                _node, binding, enabled, tooltip = found
                palette = FooterItem(
                    binding.key,
                    app.get_key_display(binding),
                    binding.description,
                    enabled,
                    binding.tooltip or binding.description,
                )
        return tuple(items), palette

    @staticmethod
    def _screen_binding(screen: Screen, key: str) -> tuple | None:
        """The screen's own shown binding of *key*, with whether it is enabled, as active_bindings gives it."""
        for binding in screen._bindings.key_to_bindings.get(key, ()):
            if not binding.show:
                continue
            state = screen.app._check_action_state(binding.action, screen)
            if state is False:
                return None
            return binding, bool(state), binding.tooltip
        return None

    @property
    def descriptions(self) -> list[str]:
        """What the footer says, key by key (the palette key last): for tests and translations."""
        return [item.description for item in (*self.items, *((self.palette,) if self.palette else ()))]

    # --- drawing --------------------------------------------------------------------------
    def _piece(
        self, item: FooterItem, hovered: bool, key_style: Style, description_style: Style, hover_style: Style
    ) -> Text:
        dim = Style(dim=True) if not item.enabled else Style()
        over = hover_style if hovered else Style()
        piece = Text()  # spans, not the Text's own style: that would lay the key's bold under the description
        piece.append(f" {item.key_display} ", style=key_style + dim + over)
        if item.description:
            piece.append(f"{item.description} ", style=description_style + dim + over)
        return piece

    # Keys that stay on a narrow footer when the others do not fit: the way back and the help.
    PINNED_KEYS = ("escape", "f1")

    def _order_for(self, room: int, sizes: list[int]) -> tuple[list[int], bool]:
        """Which items to draw in which order within *room* cells, and whether some were left out.

        All in their order when they fit.  Otherwise Esc and F1 keep their place at the end of the
        line (the rest of the keys are in F1 help) and the others fill what is left, in order.
        """
        if sum(sizes) <= room:
            return list(range(len(sizes))), False
        pinned = [i for i, item in enumerate(self.items) if item.key.split(",")[0] in self.PINNED_KEYS]
        left = room - sum(sizes[i] for i in pinned) - 1  # one cell for the "…" that says keys are missing
        shown: list[int] = []
        for index, size in enumerate(sizes):
            if index in pinned:
                continue
            if size > left:
                break
            shown.append(index)
            left -= size
        return shown + pinned, True

    def render(self) -> Text:
        key_style = self.get_component_rich_style("key-footer--key", partial=True)
        description_style = self.get_component_rich_style("key-footer--description", partial=True)
        hover_style = self.get_component_rich_style("key-footer--hover", partial=True)
        width = self.size.width
        pieces = [
            self._piece(item, self._hover == index, key_style, description_style, hover_style)
            for index, item in enumerate(self.items)
        ]
        sizes = [piece.cell_len for piece in pieces]
        tail = Text()
        if self.palette is not None:
            tail.append("▏", style=self.get_component_rich_style("key-footer--rule", partial=True))
            tail.append_text(
                self._piece(self.palette, self._hover == len(self.items), key_style, description_style, hover_style)
            )
        room = max(0, width - tail.cell_len)
        order, cut = self._order_for(room, sizes)
        line = Text(no_wrap=True, overflow="ellipsis")
        places: list[tuple[int, int, int]] = []
        x = 0
        marked = False  # the "…" that says keys were left out (they are all in F1 help)
        for position, index in enumerate(order):
            if cut and position and index != order[position - 1] + 1:
                line.append("…")
                x += 1
                marked = True
            piece, size = pieces[index], sizes[index]
            if x + size > room:
                break
            line.append_text(piece)
            places.append((x, x + size, index))
            x += size
        if cut and not marked and x < room:
            line.append("…")
            x += 1
        if tail:
            line.append(" " * max(0, room - x))
            places.append((room + 1, room + tail.cell_len, len(self.items)))
            line.append_text(tail)
        self._places = places
        return line

    # --- the mouse ------------------------------------------------------------------------
    def _item_at(self, x: int) -> tuple[int, FooterItem] | tuple[None, None]:
        for start, end, index in self._places:
            if start <= x < end:
                item = self.items[index] if index < len(self.items) else self.palette
                if item is not None:
                    return index, item
        return None, None

    def on_mouse_move(self, event: events.MouseMove) -> None:
        index, item = self._item_at(event.x)
        if index != self._hover:
            self._hover = index
            self.tooltip = (item.tooltip or None) if item is not None else None
            self.refresh()

    def on_leave(self, event: events.Leave) -> None:
        if self._hover is not None:
            self._hover = None
            self.tooltip = None
            self.refresh()

    def on_mouse_down(self, event: events.MouseDown) -> None:
        _index, item = self._item_at(event.x)
        if item is None:
            return
        if not item.enabled:
            self.app.bell()
        else:
            self.app.simulate_key(item.key)
