"""`kbase [--db X] [--server X] [--lang ru|en]` starts the app without building every sub-command's parser;
anything else goes to the full parser, which decides as before."""

from __future__ import annotations

import pytest

from kbase_tui.cli.main import _app_options


@pytest.mark.parametrize(
    ("argv", "options"),
    [
        ([], {}),
        (["--db", "base.sqlite3"], {"--db": "base.sqlite3"}),
        (
            ["--server=unix:/run/kbase/kbase.sock", "--lang", "ru"],
            {"--server": "unix:/run/kbase/kbase.sock", "--lang": "ru"},
        ),
        (["--db", "a", "--db", "b"], {"--db": "b"}),  # the last one, as argparse
        (["--db", ""], {"--db": ""}),
    ],
)
def test_the_app_s_own_options(argv, options):
    assert _app_options(argv) == options


@pytest.mark.parametrize(
    "argv",
    [
        ["serve"],
        ["--db", "x", "demo"],
        ["--help"],
        ["--db"],  # no value: the full parser says so
        ["--db", "--server"],
        ["--lang", "de"],
        ["--lang=de"],
        ["--se", "unix:/x"],  # an abbreviation: argparse's to read
        ["--", "--db", "x"],
        ["-h"],
    ],
)
def test_anything_else_goes_to_the_full_parser(argv):
    assert _app_options(argv) is None
