"""The key footer of kbase screens: Textual's Footer, rebuilt only when the keys it shows change.

Textual's Footer throws away and mounts again one widget per key (each styled by the whole
stylesheet) every time the screen's bindings are updated, which happens on every focus change:
when a list screen moves the focus to its table, the footer is rebuilt with the very same keys.
On the refusal review that was a third of the main thread's work of opening the screen
(docs/performance.md).  This footer remembers what it last showed and skips the rebuild when
the shown keys, their labels, their enabled state and their hints are all the same.
"""

from __future__ import annotations

from textual.screen import Screen
from textual.widgets import Footer


class KeyFooter(Footer):
    _shown: tuple | None = None

    def _keys(self, screen: Screen) -> tuple:
        """Everything `Footer.compose` reads from the bindings, for the keys it shows."""
        app = screen.app
        shown = tuple(
            (binding.key, binding.action, binding.description, binding.group, enabled, tooltip,
             app.get_key_display(binding))
            for (_node, binding, enabled, tooltip) in screen.active_bindings.values()
            if binding.show
        )
        palette = screen.active_bindings.get(app.COMMAND_PALETTE_BINDING) if app.ENABLE_COMMAND_PALETTE else None
        return shown, palette[2:] if palette else None, self.show_command_palette

    def bindings_changed(self, screen: Screen) -> None:
        # Footer.bindings_changed recomposes only under these conditions; outside them it is left alone.
        if screen.app.app_focus and self.is_attached and screen is self.screen:
            keys = self._keys(screen)
            if self._bindings_ready and keys == self._shown:
                return
            self._shown = keys
        super().bindings_changed(screen)
