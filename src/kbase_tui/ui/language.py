"""Switching the interface language while the app runs.

Class-level texts are evaluated when their module is imported: `BINDINGS`
descriptions, `TITLE`, `SUB_TITLE`, `HELP`.  `_()` returns a `Msg` that keeps its
English msgid, so on a language change every loaded kbase class gets those texts
translated again (and Textual's merged bindings are rebuilt), and the live nodes'
bindings are updated in place: the footer, F1 help and the command palette then
show the new language.  Text already composed into widgets is not touched: the
app builds a new home screen after a switch (`switch_for_user`).

    apply(app, "ru")                  # switch now (sign-in, log-out)
    switch_for_user(app, "ru")        # palette command: save on the account, reopen the home screen
"""

from __future__ import annotations

import contextlib
import dataclasses
import sys
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from textual.binding import Binding, BindingsMap
from textual.dom import DOMNode

from kbase_tui import i18n
from kbase_tui.i18n import LANGUAGE_NAMES, SUPPORTED, Msg, _, current_language

if TYPE_CHECKING:
    from textual.app import App, SystemCommand


# --- class-level texts ---------------------------------------------------------------


def _binding(binding: Binding) -> Binding:
    description = i18n.retranslate(binding.description)
    tooltip = i18n.retranslate(binding.tooltip)
    group = binding.group
    if group is not None and isinstance(group.description, Msg):
        group = dataclasses.replace(group, description=group.description.retranslated())
    if description is binding.description and tooltip is binding.tooltip and group is binding.group:
        return binding
    return dataclasses.replace(binding, description=description, tooltip=tooltip, group=group)


def _value(value: Any, depth: int = 0) -> Any:
    """*value* with every `Msg` inside it translated again; the same object when nothing changed."""
    if isinstance(value, Msg):
        return value.retranslated()
    if isinstance(value, Binding):
        return _binding(value)
    if depth >= 2 or isinstance(value, str):
        return value
    if isinstance(value, (list, tuple)):
        items = [_value(item, depth + 1) for item in value]
        if all(new is old for new, old in zip(items, value, strict=True)):
            return value
        if isinstance(value, list):
            return items
        try:
            return type(value)(items)
        except TypeError:  # a namedtuple
            return type(value)(*items)
    if isinstance(value, dict):
        changed = {key: _value(item, depth + 1) for key, item in value.items()}
        if all(changed[key] is value[key] for key in value):
            return value
        return type(value)(changed)
    return value


def _kbase_classes() -> Iterator[type]:
    for name, module in list(sys.modules.items()):
        if module is None or not (name == "kbase_tui" or name.startswith("kbase_tui.")):
            continue
        for value in list(vars(module).values()):
            if isinstance(value, type) and value.__module__ == name:
                yield value


def _subclasses(root: type) -> Iterable[type]:
    seen: set[type] = set()
    stack = [root]
    while stack:
        cls = stack.pop()
        for sub in cls.__subclasses__():
            if sub not in seen:
                seen.add(sub)
                stack.append(sub)
    return seen


def retranslate_classes(_language: str | None = None) -> int:
    """Translate the class-level texts of every loaded kbase class again; returns the classes changed."""
    changed: set[type] = set()
    for cls in _kbase_classes():
        for name, value in list(vars(cls).items()):
            if name.startswith("__"):
                continue
            new = _value(value)
            if new is not value:
                setattr(cls, name, new)
                changed.add(cls)
    if changed:
        for cls in _subclasses(DOMNode):
            if any(base in changed for base in cls.__mro__):
                cls._merged_bindings = cls._merge_bindings()  # type: ignore[attr-defined]
    return len(changed)


# Any language change (also from the CLI or a test) re-translates the loaded classes.
i18n.on_language_change(retranslate_classes)


# --- live nodes --------------------------------------------------------------------------


def _live_nodes(app: App) -> Iterator[DOMNode]:
    yield app
    seen: set[int] = set()
    screens = list(app.screen_stack)
    screens += [screen for screen in getattr(app, "_installed_screens", {}).values() if isinstance(screen, DOMNode)]
    for screen in screens:
        for node in screen.walk_children(with_self=True):
            if id(node) not in seen:
                seen.add(id(node))
                yield node


def _retranslate_map(bindings: BindingsMap) -> None:
    for key, items in bindings.key_to_bindings.items():
        bindings.key_to_bindings[key] = [_binding(item) for item in items]


def retranslate_live(app: App) -> None:
    """Update the bindings of the app and of every mounted node (footer, F1, palette)."""
    for node in _live_nodes(app):
        _retranslate_map(node._bindings)
    palette_binding(app)
    with contextlib.suppress(Exception):  # no screen yet (app not running)
        app.screen.refresh_bindings()


def palette_binding(app: App) -> None:
    """Textual's own footer entry for the command palette ("palette") in our language."""
    for key, items in app._bindings.key_to_bindings.items():
        app._bindings.key_to_bindings[key] = [
            dataclasses.replace(item, description=_("commands"), tooltip=_("Open the command palette"))
            if item.action in ("command_palette", "app.command_palette")
            else item
            for item in items
        ]


def apply(app: App, language: str | None) -> bool:
    """Switch the interface to *language* (None or unknown: keep the current); True if it changed."""
    language = i18n.normalise_language(language)
    if language is None or language == current_language():
        return False
    i18n.set_language(language)  # the listener re-translates the classes
    retranslate_live(app)
    return True


# --- the command palette ----------------------------------------------------------------


def language_commands(app: Any) -> Iterator[SystemCommand]:
    """'Language: English' / 'Язык: Русский' for the signed-in user (the other languages)."""
    from textual.app import SystemCommand

    if getattr(app, "actor", None) is None:
        return
    for code in SUPPORTED:
        if code == current_language():
            continue
        yield SystemCommand(
            _("Language: {name}").format(name=LANGUAGE_NAMES[code]),
            _("Switch the interface to {name} and keep it for your account").format(name=LANGUAGE_NAMES[code]),
            lambda code=code: switch_for_user(app, code),
        )


def switch_for_user(app: Any, language: str) -> None:
    """Save *language* on the signed-in user's account, switch, and reopen the home screen.

    The home screen is built from scratch in the new language; a caller gets the lead they
    hold back, as at any sign-in.
    """
    actor = app.actor
    if actor is None or i18n.normalise_language(language) is None:
        return
    language = i18n.normalise_language(language)

    async def switch() -> None:
        from msgspec.structs import replace

        from kbase_tui.protocol import me
        from kbase_tui.protocol.errors import KbaseError

        try:
            await app.client.call(me.set_language, language)
        except KbaseError as error:
            app.notify(str(error), severity="error", timeout=6)
            return
        if app.actor is None or app.signed is None:
            return
        # Back down to the login screen (it stays at the bottom of the stack), then home again.
        while len(app.screen_stack) > 2:
            app.pop_screen()
        app.signed_in(replace(app.signed, actor=dataclasses.replace(actor, language=language)))
        app.notify(_("Interface language: {name}").format(name=LANGUAGE_NAMES[language]), timeout=3)

    app.run_worker(switch(), group="language", exit_on_error=False)
