"""Terminal input before sign-in: an unterminated escape string (3 MB of the clipboard OSC) costs
no memory and makes no key presses; keys and sequences around it still work."""

from __future__ import annotations

import time
import tracemalloc

from textual import events
from textual._xterm_parser import XTermParser

from kbase_tui.ui import input_guard
from kbase_tui.ui.input_guard import InputGuard


def _keys(parser, chunks):
    got = []
    for chunk in chunks:
        if not chunk:  # "" would be the end of input
            continue
        got.extend(e for e in parser.feed(chunk) if isinstance(e, events.Key))
    return got


def _chunks(text, size=4096):
    return (text[i : i + size] for i in range(0, len(text), size))


def test_an_unterminated_osc_of_3_mb_is_dropped_in_constant_memory():
    guard = InputGuard(per_second=None)
    flood = "\x1b]52;c;" + "QUFB" * (3 * 1024 * 1024 // 4)
    tracemalloc.start()
    started = time.perf_counter()
    passed = "".join(guard.feed(chunk) for chunk in _chunks(flood))
    seconds = time.perf_counter() - started
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert passed == ""
    assert guard.dropped == len(flood) - 2
    assert peak < 1024 * 1024, peak  # nothing of the 3 MB is kept
    assert seconds < 5  # a scan, not a key event per character (printed for the record)
    print(f"3 MB OSC dropped in {seconds * 1000:.0f} ms, peak {peak // 1024} KiB")


def test_without_the_guard_textual_would_make_a_key_per_character():
    # Why the guard exists (textual/_xterm_parser.py re-issues an unknown sequence as keys).
    flood = "\x1b]52;c;" + "A" * 2000
    assert len(_keys(XTermParser(), _chunks(flood))) > 1900


def test_keys_around_escape_strings_still_arrive():
    guard = InputGuard(per_second=None)
    parser = XTermParser()
    text = "ann\x1b]0;title\x07a\x1bP+q\x1b\\\x1b[A\t\x1b_graphics\x9cz\x9d8;;x\x07!"
    keys = [k.key for k in _keys(parser, [guard.feed(text)])]
    assert keys == ["a", "n", "n", "a", "up", "tab", "z", "exclamation_mark"]
    # A burst read by read (4 KiB, as Textual reads): a read that ends right after a string's ESC
    # holds that ESC until the next read shows the string.
    guard, parser = InputGuard(per_second=None), XTermParser()
    burst = "x" * 4095 + "\x1b]52;c;" + "A" * 9000 + "\x07y"
    keys = [k.key for k in _keys(parser, [guard.feed(c) for c in _chunks(burst)])]
    assert keys == ["x"] * 4095 + ["y"]


def test_a_held_escape_is_let_go_when_nothing_follows():
    guard = InputGuard(per_second=None)
    assert guard.feed("x" * 600 + "\x1b") == "x" * 600
    assert guard.release() == "\x1b"
    assert guard.release() == ""
    assert InputGuard(per_second=None).feed("\x1b") == "\x1b"  # the Escape key itself: at once


def test_an_escape_string_split_across_reads_is_dropped():
    guard = InputGuard(per_second=None)
    assert guard.feed("x\x1b") == "x\x1b"  # a lone ESC may be the Escape key: it goes on
    assert guard.feed("]52;c;AAAA") == ""
    assert guard.feed("AAAA\x1b") == ""
    assert guard.feed("\\y") == "y"


def test_typing_before_sign_in_is_bounded_and_lifted_after():
    now = [100.0]
    guard = InputGuard(clock=lambda: now[0])
    assert guard.feed("x" * 10_000) == "x" * input_guard.BEFORE_SIGN_IN_PER_SECOND
    assert guard.feed("y") == ""
    now[0] += 1.0
    assert guard.feed("anna") == "anna"
    guard.per_second = None
    assert len(guard.feed("z" * 10_000)) == 10_000


def test_the_app_puts_the_guard_in_front_of_the_linux_drivers_parser():
    from textual.drivers import linux_driver

    from kbase_tui.ui.app import KbaseApp

    KbaseApp(server="unix:/nonexistent")
    assert getattr(linux_driver.XTermParser, "kbase_guarded", False)
    assert input_guard.current.per_second == input_guard.BEFORE_SIGN_IN_PER_SECOND
    parser = linux_driver.XTermParser()
    keys = _keys(parser, _chunks("\x1b]52;c;" + "A" * 5000))
    assert keys == []
    # The driver still builds its parser by this name: the guard is really in its path.
    import inspect

    assert "XTermParser(" in inspect.getsource(linux_driver.LinuxDriver.run_input_thread)


def test_a_string_that_never_ends_is_over_after_a_pause_or_a_cancel():
    now = [100.0]
    guard = InputGuard(per_second=None, clock=lambda: now[0])
    assert guard.feed("\x1b]52;c;" + "A" * 4089) == ""
    now[0] += 0.1  # no pause: the string goes on
    assert guard.feed("A" * 4096) == ""
    now[0] += input_guard.STRING_PAUSE  # after a pause: a person typing
    assert guard.feed("anna") == "anna"
    guard = InputGuard(per_second=None, clock=lambda: now[0])
    assert guard.feed("\x1b]52;c;AAAA\x18anna") == "anna"  # CAN cancels the string at once
    assert guard.feed("\x1b]0;AA\x1aX") == "X"  # so does SUB


def test_esc_then_a_string_introducer_typed_by_a_person_arrive_as_keys():
    # Esc closes the deal card, ] moves the deal on: the "]" began an "escape string" for the guard and was
    # dropped, with what was typed at once after it.
    now = [100.0]
    guard = InputGuard(per_second=None, clock=lambda: now[0])
    assert guard.feed("\x1b") == "\x1b"
    now[0] += 0.5  # the Escape key, then a pause: the ] is a key
    assert guard.feed("]") == "]"
    assert guard.feed("x") == "x"
    # Esc and ] in one short read (a laggy link bunches them): both go to the parser, which gives the keys back.
    guard = InputGuard(per_second=None, clock=lambda: now[0])
    assert guard.feed("\x1b]") == "\x1b]"
    now[0] += 0.5
    assert guard.feed("x") == "x"
    # A terminal's string in one write is still dropped whole, and one split right after its ESC too.
    assert guard.feed("\x1b]0;title\x07y") == "y"
    assert guard.feed("z\x1b") == "z\x1b"
    now[0] += 0.01
    assert guard.feed("]52;c;AAAA") == ""


def test_esc_and_a_sign_are_alt_sign_but_an_unknown_csi_gives_no_escape():
    from kbase_tui.ui.keyboard_layout import keep_escape_before_signs

    keep_escape_before_signs()

    def keys(data):
        parser = XTermParser()
        got = list(parser.feed(data))
        time.sleep(0.15)  # the parser's wait for the rest of a sequence
        got += list(parser.tick())
        return [e.key for e in got if isinstance(e, events.Key)]

    assert keys("\x1b]") == ["alt+right_square_bracket"]  # Esc and ], given back as the two keys by the app
    assert keys("\x1b.") == ["alt+full_stop"]
    assert "escape" not in keys("\x1b[") and not any(k.startswith("alt+") for k in keys("\x1b[9;9Q"))


async def test_the_textual_internals_the_key_gate_reads_are_still_there():
    # The key gate reads a message pump's `_pending_message` and its queue's `values`, and the parser patch
    # wraps `XTermParser._sequence_to_key_events`.  The gate reads them with defaults, so a Textual that renamed
    # them would bring back lost keys without an error: this test fails instead.
    from textual._xterm_parser import XTermParser
    from textual.app import App

    assert callable(getattr(XTermParser, "_sequence_to_key_events", None))
    app = App()
    async with app.run_test():
        assert hasattr(app, "_pending_message")
        assert hasattr(app._message_queue, "values")


def test_a_byte_that_is_not_utf8_is_decoded_not_raised():
    # Textual decodes the terminal's input as strict UTF-8: one byte of a Windows-1251 terminal ended the app.
    from textual.drivers import linux_driver

    from kbase_tui.ui.app import KbaseApp

    KbaseApp(server="unix:/nonexistent")
    decode = linux_driver.getincrementaldecoder("utf-8")().decode
    assert decode("к".encode() + b"\xff") == "к" + input_guard.NOT_UTF8
    assert decode(b"\xe9\xf2 ") == input_guard.NOT_UTF8 * 2 + " "  # "йт" of a Windows-1251 terminal


async def test_a_character_that_is_not_utf8_is_said_and_not_typed(db):
    from textual.widgets import Input

    from ..server_harness import app_on
    from .helpers import settle
    from .test_dialog_input_rule import burst

    app = app_on(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        burst(app, ["a", events.Key("\ufffd", "\ufffd"), "b"])
        await settle(app, pilot)
        assert app.screen.query_one("#username", Input).value == "ab"
        said = [str(n.message) for n in app._notifications]
        assert any("not UTF-8" in m for m in said), said
