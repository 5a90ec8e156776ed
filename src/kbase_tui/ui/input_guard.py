"""Terminal input is bounded before it reaches Textual's parser.

Textual's XTermParser (textual/_xterm_parser.py) gives up on an escape sequence after 32
characters and re-issues every character of it as a key press.  An unterminated string
sequence pasted at the login screen (3 MB of `ESC ] 52 ; c ; ...`, the clipboard OSC) thus
becomes millions of key events queued in the app: the process grew to 1.5 GB with the screen
frozen, before anyone signed in.  A terminal never sends kbase a string sequence it needs (OSC,
DCS, APC, PM, SOS: clipboard, colours, titles, graphics): `InputGuard` drops them whole, up to
their terminator, without keeping their content, so memory stays constant whatever the length.

A string that never ends (the flood above) would swallow whatever comes after it, the person's
own sign-in included; a terminal sends a string sequence in one go, so input that comes after a
pause of `STRING_PAUSE` seconds is no longer part of it, and CAN or SUB (which cancel any
sequence, as in a VT terminal) end it at once.

A person's Esc followed by `]` (the closer's "next stage" key) is not a string: after a pause the ESC was the
Escape key, and ESC `]` alone at the end of a short read is the two keys typed together.

Before sign-in, characters beyond `BEFORE_SIGN_IN_PER_SECOND` a second are dropped as well: no
one types a user name and a password that fast, and a flood of plain text would otherwise queue
a key event per character.  After sign-in the limit is lifted (pastes into notes stay whole).

`install()` puts the guard in front of the parser of Textual's Linux driver, which builds its
parser by the module-level name `XTermParser`; tests/ui/test_input_guard.py fails if a Textual
upgrade changes that.
"""

from __future__ import annotations

import re
import time

ESC = "\x1b"
# ESC followed by one of these starts a string sequence: OSC ], DCS P, SOS X, PM ^, APC _.
_STRING_INTRODUCERS = frozenset("]PX^_")
# The same as 8-bit C1 controls (a UTF-8 terminal sends them as these code points).
_C1_STRING_STARTS = frozenset("\x90\x98\x9d\x9e\x9f")
# What ends a string sequence: BEL, ESC (of ESC \ or of a new sequence), C1 ST; CAN and SUB cancel it.
_TERMINATOR = re.compile("[\x07\x1b\x9c\x18\x1a]")
# Input after this long a pause is typed by a person, not the rest of a terminal's string.
STRING_PAUSE = 0.5
# A read this long after a lone ESC is a new key press: the ESC was the Escape key (Textual's parser waits 0.1 s
# for the rest of a sequence before it takes an ESC as the key).
ESC_KEY_PAUSE = 0.1
_NEXT_SPECIAL = re.compile("[\x1b\x90\x98\x9d\x9e\x9f]")

BEFORE_SIGN_IN_PER_SECOND = 512
# A read at least this long is part of a burst (Textual reads 4 KiB at a time), not a key press.
BURST = 512

_TEXT, _AFTER_ESC, _SKIP, _SKIP_ESC = range(4)


class InputGuard:
    """A filter over the decoded input stream, kept between reads (sequences span reads)."""

    def __init__(self, per_second: int | None = BEFORE_SIGN_IN_PER_SECOND, clock=time.monotonic) -> None:
        self.per_second = per_second  # None: no limit (signed in)
        self.clock = clock
        self.state = _TEXT
        self.dropped = 0  # characters dropped so far (string sequences and floods)
        self._window = 0.0
        self._in_window = 0
        self.held_esc = False
        self._last_read = float("-inf")

    def release(self) -> str:
        """The held ESC, when no read followed it (the parser's tick asks)."""
        if not self.held_esc:
            return ""
        self.held_esc = False
        self.state = _AFTER_ESC
        return ESC

    def feed(self, data: str) -> str:
        now = self.clock()
        if self.state in (_SKIP, _SKIP_ESC) and now - self._last_read >= STRING_PAUSE:
            # A string that never ended: what comes after a pause is typed.  (The driver's input
            # thread reads as soon as anything is there, so a pause is a real gap in the input.)
            self.state = _TEXT
        if self.state == _AFTER_ESC and now - self._last_read >= ESC_KEY_PAUSE:
            # The ESC that ended the last read was the Escape key (the parser has long taken it as one): a "]"
            # pressed later is the key "]", not the rest of a string.  It was dropped, with what came at once
            # after it (Esc to close the deal card, then ] to move the deal: the ] was lost).
            self.state = _TEXT
        self._last_read = now
        if self.held_esc:  # the ESC that ended the last read of a burst: see what follows it
            data, self.held_esc = ESC + data, False
        out: list[str] = []
        i, n = 0, len(data)
        while i < n:
            if self.state == _SKIP:
                match = _TERMINATOR.search(data, i)
                if match is None:
                    self.dropped += n - i
                    break
                self.dropped += match.start() - i
                i = match.end()
                self.state = _SKIP_ESC if match.group() == ESC else _TEXT
            elif self.state == _SKIP_ESC:
                if data[i] == "\\":  # ESC \ : the string terminator
                    i += 1
                    self.state = _TEXT
                else:  # ESC then anything else: the string ended, a new sequence begins
                    out.append(ESC)
                    self.state = _AFTER_ESC
            elif self.state == _AFTER_ESC:
                if data[i] in _STRING_INTRODUCERS:  # the ESC went out with the last read; drop the rest
                    i += 1
                    self.state = _SKIP
                else:
                    self.state = _TEXT
            else:
                match = _NEXT_SPECIAL.search(data, i)
                if match is None:
                    out.append(data[i:])
                    break
                j = match.start()
                out.append(data[i:j])
                if data[j] != ESC:  # an 8-bit string introducer
                    i = j + 1
                    self.state = _SKIP
                elif j + 2 == n and n < BURST and data[j + 1] in _STRING_INTRODUCERS:
                    # ESC and "]" ending a short read: Esc and ] typed together (a laggy link bunches them), for
                    # the parser to give back as the two keys.  A terminal's string has its text in the same write.
                    out.append(data[j : j + 2])
                    i = n
                elif j + 1 < n and data[j + 1] in _STRING_INTRODUCERS:
                    i = j + 2
                    self.state = _SKIP
                elif j + 1 == n and n >= BURST:
                    # A read of a burst (a paste) ends with ESC: hold it until the next read says
                    # whether a string sequence begins; `release` lets it go if none comes.  A lone
                    # Escape key press is a short read, and goes on at once.
                    self.held_esc = True
                    i = n
                else:
                    out.append(ESC)
                    i = j + 1
                    if i == n:
                        self.state = _AFTER_ESC
        text = "".join(out)
        return self._limit(text) if self.per_second is not None and text else text

    def _limit(self, text: str) -> str:
        now = self.clock()
        if now - self._window >= 1.0:
            self._window, self._in_window = now, 0
        room = self.per_second - self._in_window
        if room <= 0:
            self.dropped += len(text)
            return ""
        if len(text) > room:
            self.dropped += len(text) - room
            text = text[:room]
        self._in_window += len(text)
        return text


# The guard of the running app's parser (one terminal per process).
current = InputGuard()


def signed_in(yes: bool) -> None:
    """Lift the before-sign-in rate limit after sign-in; put it back at sign-out."""
    current.per_second = None if yes else BEFORE_SIGN_IN_PER_SECOND


# What a byte that is not UTF-8 becomes.  Textual's driver decodes the terminal's input as strict UTF-8: one such
# byte (a terminal set to Windows-1251 or KOI8-R, as old PuTTY setups in Russian offices are) ended the app
# with a traceback, and the open dialog and what was typed in it with it.  The app says so instead (KbaseApp).
NOT_UTF8 = "\ufffd"


def _input_decoder(encoding: str):
    import codecs
    import functools

    factory = codecs.getincrementaldecoder(encoding)
    return functools.partial(factory, errors="replace") if codecs.lookup(encoding).name == "utf-8" else factory


def install() -> bool:
    """Put `current` in front of the Linux driver's input parser; False when the driver is not there."""
    try:
        from textual.drivers import linux_driver
    except ImportError:  # not a POSIX terminal (Windows): nothing to guard here
        return False
    from textual._xterm_parser import XTermParser

    if getattr(linux_driver.XTermParser, "kbase_guarded", False):
        return True
    linux_driver.getincrementaldecoder = _input_decoder  # type: ignore[attr-defined]

    class GuardedXTermParser(XTermParser):
        kbase_guarded = True

        def feed(self, data: str):
            if not data:  # "" is the end of input for the parser
                return super().feed(data)
            kept = current.feed(data)
            return super().feed(kept) if kept else ()

        def tick(self):
            held = current.release()
            if held:
                yield from super().feed(held)
            yield from super().tick()

    linux_driver.XTermParser = GuardedXTermParser
    return True
