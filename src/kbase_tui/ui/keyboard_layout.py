"""Hot keys by physical key on the Russian ЙЦУКЕН layout.

The terminal sends characters, not key positions: an operator who has just typed a comment in
Russian and presses the key marked N sends `т`.  The app's key dispatch (KbaseApp.on_event) asks
`physical_key` once for every key press, before any binding is looked up, so every binding of
every screen and dialog works on either layout without a screen knowing about it.

A key is translated only when it would do nothing as it is: the focused widget would not take it
as text (a Cyrillic letter in an input stays a Cyrillic letter) and no binding in reach has it,
while a binding has the Latin key in the same place.  So `.` (on the Russian layout the key
marked `/`) still works as `.` wherever `.` is bound, and a supervisor-made outcome bound to a
Cyrillic letter keeps it.

Esc and a letter typed right after it (a fast typist, or a laggy SSH link that bunches them) reach
Textual in one read as ESC and the letter, which it reports as Alt+letter.  Where nothing in reach
has that Alt key, `escape_then_key` gives back the two keys that were typed: Esc, then the letter.
Esc and a sign (`]`, `.`) Textual reports as the sign alone, the Esc dropped: `keep_escape_before_signs`
makes it report Alt+sign, which `escape_then_key` splits the same way.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import events
from textual.keys import _character_to_key

if TYPE_CHECKING:
    from textual.app import App

# Russian ЙЦУКЕН character -> the Latin (US QWERTY) character on the same physical key.
_ROWS = (
    ("ёйцукенгшщзхъфывапролджэячсмитьбю.", "`qwertyuiop[]asdfghjkl;'zxcvbnm,./"),
    ("ЁЙЦУКЕНГШЩЗХЪФЫВАПРОЛДЖЭЯЧСМИТЬБЮ,", '~QWERTYUIOP{}ASDFGHJKL:"ZXCVBNM<>?'),
    # Shifted digits where the Russian layout differs from the US one.
    ('"№;:?', "@#$^&"),
)
RUSSIAN_TO_LATIN: dict[str, str] = {ru: en for rus, ens in _ROWS for ru, en in zip(rus, ens, strict=True)}


# A Mac terminal whose Option key is not set to send Alt types these for Option+1 ... Option+0
# (US layout); where Alt+digit is bound they are read as that key and never typed into a field.
MAC_OPTION_DIGITS: dict[str, str] = dict(zip("¡™£¢∞§¶•ªº", "1234567890", strict=True))


def _key_name(character: str) -> str:
    """Textual's name of the key that types *character* ("]" -> "right_square_bracket")."""
    if character.isalpha() and character.isupper():
        return character  # Textual names a shifted letter by the letter itself ("N")
    return _character_to_key(character)


# Textual key name of a Russian character -> the key name of the Latin character in its place.
_KEY_NAMES: dict[str, str] = {_character_to_key(ru): _key_name(en) for ru, en in RUSSIAN_TO_LATIN.items()}
_CHARACTERS: dict[str, str] = {_character_to_key(ru): en for ru, en in RUSSIAN_TO_LATIN.items()}


def latin_key(key: str) -> tuple[str, str | None] | None:
    """The Latin key (name, character) in the place of Russian *key*, modifiers kept; None if not Russian.

    "т" -> ("n", "n"); "Т" -> ("N", "N"); "х" -> ("left_square_bracket", "["); "ctrl+д" -> ("ctrl+l", None);
    "alt+shift+т" -> ("alt+shift+n", None).
    """
    *modifiers, base = key.split("+")
    if base not in _KEY_NAMES:
        return None
    if not modifiers:
        return _KEY_NAMES[base], _CHARACTERS[base]
    name = _KEY_NAMES[base]
    if name.isalpha() and len(name) == 1 and name.isupper():
        name = name.lower()
        if "shift" not in modifiers:
            modifiers = sorted([*modifiers, "shift"])
    return "+".join([*modifiers, name]), None


def _bound(app: App, key: str) -> bool:
    """Whether any binding in reach of the focused widget (or the screen) has *key*."""
    # The chain from the focused widget up to the app: what both priority and ordinary bindings
    # are looked up in (Textual's own lookup, App._check_bindings).
    return any(key in bindings.key_to_bindings for _node, bindings in app.screen._binding_chain)


def _bound_on_a_screen(app: App, key: str) -> bool:
    """Whether a screen of the stack, the top one or one under it, has *key* among its own bindings."""
    keymap = app._keymap
    for screen in app.screen_stack:
        bindings = screen._bindings.copy()
        if keymap:
            bindings.apply_keymap(keymap)
        if key in bindings.key_to_bindings:
            return True
    return False


def _alt_key_of_a_screen(app: App, key: str) -> bool:
    return _bound(app, key) or _bound_on_a_screen(app, key)


def _caps_folded(app: App, key: str, latin: tuple[str, str | None] | None) -> str | None:
    """Alt+letter for an Alt+Shift+letter that nothing has, where Alt+letter is bound; else None.

    A terminal cannot tell Caps Lock from Shift: with Caps Lock on, the card's Alt+N arrives as
    Alt+Shift+N, would do nothing, and was split into Esc and "N" (the card closed).  Nothing binds
    Alt+Shift+letter where Alt+letter is bound, so the person meant Alt+letter."""
    for candidate in (key, latin[0] if latin is not None else None):
        if candidate is None or not candidate.startswith("alt+shift+"):
            continue
        base = candidate.removeprefix("alt+shift+")
        if len(base) != 1 or not base.isalpha() or _bound(app, candidate) or _bound(app, key):
            continue
        plain = f"alt+{base.lower()}"
        if _alt_key_of_a_screen(app, plain):
            return plain
    return None


def physical_key(app: App, event: events.Key) -> events.Key | None:
    """The key event to dispatch instead of *event*, or None to dispatch it as it is."""
    if event.character in MAC_OPTION_DIGITS:
        alt = f"alt+{MAC_OPTION_DIGITS[event.character]}"
        return events.Key(alt, None) if _bound(app, alt) else None
    if event.key.startswith("alt+") and event.character is not None and _alt_key_of_a_screen(app, event.key):
        # A terminal sends Alt+1 as ESC 1, which Textual reports with the character "1": a focused
        # field would take it as text before the binding could run.  An Alt key of a screen under the dialog
        # (the card's Alt+C in the note over it) does nothing here, and types nothing either.
        return events.Key(event.key, None)
    latin = latin_key(event.key)
    folded = _caps_folded(app, event.key, latin)
    if folded is not None:
        return events.Key(folded, None)
    if latin is not None and latin[0].startswith("alt+") and _alt_key_of_a_screen(app, latin[0]):
        return events.Key(latin[0], None)  # the same on the Russian layout (Alt+С is the card's Alt+C)
    if latin is None:
        return None
    focused = app.focused
    plain = "+" not in event.key
    if plain and focused is not None and focused.check_consume_key(event.key, event.character):
        return None  # text for an input: it stays Cyrillic
    if _bound(app, event.key) or not _bound(app, latin[0]):
        return None
    return events.Key(latin[0], latin[1])


def keep_escape_before_signs() -> None:
    """Make Textual's terminal parser report ESC and a sign in one read as Alt+sign, as it does for letters.

    It dropped the Esc: Esc, ] typed fast on the deal card (close it, move the deal on) moved the deal on the
    card, which stayed open.  Reported as Alt+sign, `escape_then_key` gives back both keys (a bound Alt+sign
    stays an Alt key).  Installed once, before the terminal is read; the parser's method is the one place
    a reissued ESC reaches (Textual's XTermParser._sequence_to_key_events, called with alt=True only there).
    """
    from textual._xterm_parser import XTermParser

    original = XTermParser._sequence_to_key_events
    if getattr(original, "kbase_keeps_escape", False):
        return

    def sequence_to_key_events(self, sequence: str, alt: bool = False):
        # Not "[": ESC [ begins every CSI sequence (arrows, function keys), and one Textual does not know, or one a
        # slow link split, ends the same way; its ESC taken for the Escape key would close a dialog.
        if alt and len(sequence) == 1 and _is_sign(sequence) and sequence != "[":
            yield events.Key(f"alt+{_character_to_key(sequence)}", sequence)
            return
        yield from original(self, sequence, alt)

    sequence_to_key_events.kbase_keeps_escape = True  # type: ignore[attr-defined]
    XTermParser._sequence_to_key_events = sequence_to_key_events  # type: ignore[method-assign]


def _is_sign(character: str) -> bool:
    return character.isprintable() and not character.isalnum() and not character.isspace()


def escape_then_key(app: App, event: events.Key) -> tuple[events.Key, events.Key] | None:
    """Esc and the key after it, for an Alt+letter or Alt+digit that no binding in reach has; else None.

    A terminal sends Alt+N as ESC N, just as it sends Esc followed at once by N, and Textual reads
    both as "alt+n" (shifted: "alt+shift+n", N).  Bound Alt keys (a note's Alt+1/2/3) stay Alt keys;
    any other would do nothing, and the Esc and the letter typed would both be lost.  The Alt keys of a
    screen under a dialog stay Alt keys too (the deal card's Alt+C pressed in the note dialog over it, out
    of habit): the person meant the Alt key, and Esc would close the dialog and type C into the card's field.
    """
    *modifiers, base = event.key.split("+")
    if "alt" not in modifiers or set(modifiers) - {"alt", "shift"}:
        return None
    if len(base) == 1 and base.isalnum():
        character = event.character if event.character and len(event.character) == 1 else base
        if "shift" in modifiers:
            character = character.upper()
    elif event.character and len(event.character) == 1 and _is_sign(event.character):
        character = event.character  # Esc and a sign (`keep_escape_before_signs`)
    else:
        return None
    latin = latin_key(event.key)
    if _alt_key_of_a_screen(app, event.key) or (latin is not None and _bound_on_a_screen(app, latin[0])):
        return None
    if character.isalnum():
        return events.Key("escape", "\x1b"), events.Key(character, character)
    if _is_sign(character):
        return events.Key("escape", "\x1b"), events.Key(_character_to_key(character), character)
    return None
