"""`kbase hours --channel`: the server's owner gives a sales channel its own calling window, as a real process."""

from __future__ import annotations

from pathlib import Path

import pytest

from kbase_tui.services import reference
from kbase_tui.services.setup import open_database

from .test_cli_users import run


@pytest.fixture
def dbfile(tmp_path) -> Path:
    path = tmp_path / "srv" / "kbase.sqlite3"
    run(["init"], db=path)
    return path


def channel_windows(dbfile: Path):
    database = open_database(dbfile)
    try:
        with database.read() as session:
            return reference.get_setting(session, "queue.channel_windows")
    finally:
        database.dispose()


def test_a_channel_gets_its_own_window_and_goes_back_to_the_default(dbfile):
    shown = run(["hours", "--channel", "Розница", "--hours", "10:00-19:00", "--days", "1-6"], db=dbfile).stdout
    assert "Channel Розница: days 1, 2, 3, 4, 5, 6, hours 10:00–19:00" in shown
    assert channel_windows(dbfile) == {"Розница": {"hours": [["10:00", "19:00"]], "days": [1, 2, 3, 4, 5, 6]}}
    run(["hours", "--channel", "розница", "--default"], db=dbfile)
    assert channel_windows(dbfile) == {}


def test_a_channel_window_that_makes_no_sense_is_one_sentence(dbfile):
    bad = run(["hours", "--channel", "HoReCa", "--hours", "22:00-14:00"], db=dbfile, check=False)
    assert bad.returncode != 0 and "The calling window is not valid" in bad.stderr + bad.stdout
    assert "Traceback" not in bad.stderr
    alone = run(["hours", "--default"], db=dbfile, check=False)
    assert alone.returncode == 2 and "--default goes with --channel NAME." in alone.stdout
    assert channel_windows(dbfile) == {}
