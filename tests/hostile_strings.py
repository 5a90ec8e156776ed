"""Text that must be shown literally (or neutralised) and change nothing else on screen.

Each entry: (label, the hostile text, what must be visible on screen for it).
"""

from __future__ import annotations

MARKUP = "[bold red]Рога[/]"
LINK = "[link=http://x]y[/link]"
CLEAR = "\x1b[2J"
TITLE = "\x1b]0;title\x07"
CONTROLS = "a\x00b\x08c\rd\x7fe\x9bf"
RTL = "\u202eКопыта"
ZERO_WIDTH = "Ро\u200bмашка\ufeff"
CYRILLIC = "ООО «Ёлка и ёжик»"
LONG = "Щ" * 10_000

CORPUS: list[tuple[str, str, str]] = [
    ("rich markup", MARKUP, "[bold red]Рога[/]"),
    ("rich link", LINK, "[link=http://x]y[/link]"),
    ("clear screen", CLEAR, "[2J"),
    ("window title", TITLE, "]0;title"),
    ("control characters", CONTROLS, "abcdef"),
    ("right-to-left override", RTL, "Копыта"),
    ("zero-width", ZERO_WIDTH, "Ромашка"),
    ("cyrillic", CYRILLIC, "ООО «Ёлка и ёжик»"),
    ("10,000 characters", LONG, "ЩЩЩЩЩЩЩЩЩЩ"),
]

# One company name carrying the short ones (names are at most 300 characters), the
# visible form starting with the markup so that even a narrow column shows it.
HOSTILE_NAME = MARKUP + " " + LINK + " " + CLEAR + TITLE + RTL + " " + ZERO_WIDTH
VISIBLE_NAME_PREFIX = "[bold red]Рога[/]"
VISIBLE_NAME = "[bold red]Рога[/] [link=http://x]y[/link] [2J]0;titleКопыта Ромашка"

# Characters that must never reach the terminal.
UNSAFE_CHARS = set(chr(c) for c in range(0x20)) | {chr(0x7F)} | set(chr(c) for c in range(0x80, 0xA0)) | {
    "\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069", "\u200b", "\ufeff",
}
