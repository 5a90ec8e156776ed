"""Every command, every option that takes a path, a date, a number or a URL: a bad value is one sentence and a
non-zero exit, never "Unexpected error", and a database is never created by a typo.

The commands run in this process through `main()` (as `kbase` would run them, SystemExit included), so the
whole table takes seconds; tests/cli/test_cli_users.py runs the same entry point as real processes.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kbase_tui.cli.main import main

UNREACHABLE_PG = "postgresql+psycopg://kbase@127.0.0.1:1/kbase"  # nothing listens on port 1


def kbase(argv: list[str], capsys) -> tuple[int, str]:
    """Exit code and everything printed, the way the interpreter would report a SystemExit."""
    try:
        code = main(argv)
    except SystemExit as stop:
        code = stop.code
        if isinstance(code, str):  # SystemExit("sentence"): printed on stderr, exit 1
            print(code)
            code = 1
    captured = capsys.readouterr()
    return code or 0, captured.out + captured.err


@pytest.fixture
def place(tmp_path, sqlite_db):
    """A good kbase database, a CSV, a plain file, an empty file and an existing folder."""
    (tmp_path / "people.csv").write_text("name,phone\nООО Ромашка,+74951234567\n", encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not a folder\n", encoding="utf-8")
    (tmp_path / "empty.sqlite3").touch()
    (tmp_path / "folder").mkdir()
    # Not UTF-8, so read as Windows-1251, where byte 0x98 is no character.
    (tmp_path / "binary.csv").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    return {"db": str(sqlite_db.sqlite_path), "tmp": tmp_path}


# Each database that is not one: (the --db value, what the one sentence says).  {tmp} is the test's folder.
BAD_DATABASES = [
    ("{tmp}/typo.sqlite3", "There is no kbase database at"),
    ("{tmp}/no/such/dir/k.sqlite3", "There is no kbase database at"),
    ("{tmp}/people.csv", "is not a SQLite database but some other kind of file"),
    ("{tmp}/empty.sqlite3", "is an empty file, not a kbase database"),
    ("{tmp}/folder", "is a folder, not a database file"),
    ("mysql://kbase@127.0.0.1/kbase", "not in mysql"),
    ("garbage://", "not in garbage"),
    ("postgresql://kbase@127.0.0.1/kbase", "through psycopg"),
    (UNREACHABLE_PG, "No PostgreSQL server answers at 127.0.0.1:1"),
]

# Every command that opens an existing database, with arguments that are otherwise good.
OPENING_COMMANDS = [
    ["user", "list"],
    ["user", "disable", "anna"],
    ["audit", "verify"],
    ["audit", "show"],
    ["report", "funnel"],
    ["classify"],
    ["export", "{tmp}/out.csv"],
    ["import", "{tmp}/people.csv"],
    ["backup", "{tmp}/folder"],
    ["doctor"],
    ["serve", "--socket", "{tmp}/s.sock"],
]


def doctor_details(out: str, check: str) -> str:
    """The Details cell of *check* in `kbase doctor`'s table, its wrapped lines joined."""
    parts: list[str] = []
    inside = False
    for line in out.splitlines():
        cells = [cell.strip() for cell in line.split("│")[1:-1]]
        if len(cells) != 4:
            continue
        if cells[0]:
            inside = cells[0] == check
        if inside:
            parts.append(cells[2])
    return " ".join(parts)


def _fill(items: list[str], tmp: Path) -> list[str]:
    return [item.format(tmp=tmp) for item in items]


@pytest.mark.parametrize("command", OPENING_COMMANDS, ids=lambda c: " ".join(c[:2]))
@pytest.mark.parametrize("db, says", BAD_DATABASES, ids=[d for d, _ in BAD_DATABASES])
def test_a_bad_database_is_named_and_nothing_is_created(place, capsys, command, db, says):
    tmp = place["tmp"]
    before = sorted(p.name for p in tmp.rglob("*"))
    if command[0] == "backup" and "://" in db and db.startswith("postgresql+psycopg"):
        says = "pg_dump"  # a backup of PostgreSQL is pg_dump's work: said before anything is opened
    code, out = kbase([*_fill(command, tmp), "--db", db.format(tmp=tmp)], capsys)
    assert code != 0, out
    if command == ["doctor"] and "kbase doctor" in out:  # a table: the sentence is in the Database check
        out = doctor_details(out, "Database")
    assert says in out, out
    assert "Unexpected error" not in out and "Traceback" not in out
    assert sorted(p.name for p in tmp.rglob("*")) == before  # no file, no folder, no socket made


# (arguments, what the one sentence says, the exit code).  {db} is a good database, {tmp} the test's folder.
BAD_ARGUMENTS = [
    (["backup", "/nonexistent/dir", "--db", "{db}"], "there is no folder /nonexistent/dir", 2),
    (["backup", "{tmp}/notes.txt", "--db", "{db}"], "is a file, not a folder", 2),
    (["backup", "--keep", "0", "--db", "{db}"], "a whole number of 1 or more, not 0", 2),
    (["backup", "--keep", "-3", "--db", "{db}"], "a whole number of 1 or more, not -3", 2),
    (["backup", "--keep", "many", "--db", "{db}"], "'many' is not a whole number", 2),
    (["backup", "--verify", "{tmp}/missing.kbackup"], "there is no file", 2),
    (["backup", "--verify", "{tmp}/folder"], "is a folder, not a file", 2),
    (["backup", "--verify", "{tmp}/people.csv"], "This is not a kbase backup.", 1),
    (["restore", "{tmp}/missing.kbackup", "--db", "{db}"], "there is no file", 2),
    (["restore", "{tmp}/people.csv", "--db", "{db}"], "This is not a kbase backup.", 1),
    (["classify", "--today", "2027-02-30", "--db", "{db}"], "'2027-02-30' is not a date of the calendar", 2),
    (["classify", "--today", "tomorrow", "--db", "{db}"], "is not a date of the calendar", 2),
    (["report", "funnel", "--from", "2026-02-30", "--db", "{db}"], "is not a date of the calendar", 2),
    (["report", "funnel", "--to", "31.04.2026", "--db", "{db}"], "is not a date of the calendar", 2),
    (["report", "funnel", "--from", "2026-03-10", "--to", "2026-03-01", "--db", "{db}"], "is after --to", 1),
    (["report", "nonsense", "--db", "{db}"], "invalid choice", 2),
    (["audit", "show", "--since", "31.02.2026", "--db", "{db}"], "31.02.2026", 1),
    (["audit", "show", "--limit", "0", "--db", "{db}"], "a whole number of 1 or more", 2),
    (["export", "{tmp}/folder", "--db", "{db}"], "is a folder: give the name of the file to write", 2),
    (["export", "{tmp}/no/such/out.csv", "--db", "{db}"], "there is no folder", 2),
    (["export", "{tmp}/out.pdf", "--db", "{db}"], "Export to CSV or XLSX.", 1),
    (["import", "{tmp}/missing.csv", "--db", "{db}"], "there is no file", 2),
    (["import", "{tmp}/folder", "--db", "{db}"], "is a folder, not a file", 2),
    (["import", "{tmp}/people.csv", "--batch", "0", "--db", "{db}"], "a whole number of 1 or more, not 0", 2),
    (
        ["import", "{tmp}/binary.csv", "--db", "{db}"],
        "This is not a spreadsheet or text file (it looks like binary data)",
        1,
    ),
    (["db", "copy", "--from", "{tmp}/missing.sqlite3", "--to", UNREACHABLE_PG], "there is no file", 2),
    (["db", "copy", "--from", "{tmp}/people.csv", "--to", UNREACHABLE_PG], "check --from", 1),
    (["db", "copy", "--from", "{db}", "--to", "sqlite:///{tmp}/x.sqlite3"], "must be a PostgreSQL URL", 1),
    (["db", "copy", "--from", "{db}", "--to", "mysql://a@b/c"], "not in mysql", 1),
    (["db", "copy", "--from", "{db}", "--to", UNREACHABLE_PG], "No PostgreSQL server answers", 1),
    (["db", "copy", "--from", "{db}", "--to", UNREACHABLE_PG, "--batch", "-1"], "1 or more, not -1", 2),
    (["doctor", "--backups", "{tmp}/missing", "--db", "{db}"], "there is no folder", 2),
    (["doctor", "--exports", "{tmp}/notes.txt", "--db", "{db}"], "is a file, not a folder", 2),
    (["doctor", "--inbox", "{tmp}/missing", "--db", "{db}"], "there is no folder", 2),
    (["serve", "--keep", "0", "--db", "{db}"], "a whole number of 1 or more, not 0", 2),
    (["serve", "--backup-every", "-1", "--db", "{db}"], "hours of 0 or more", 2),
    (["serve", "--backup-every", "daily", "--db", "{db}"], "is not a number of hours", 2),
    (["serve", "--backups", "{tmp}/missing", "--db", "{db}"], "there is no folder", 2),
    (["serve", "--exports", "{tmp}/missing", "--db", "{db}"], "there is no folder", 2),
    (["serve", "--inbox", "{tmp}/notes.txt", "--db", "{db}"], "is a file, not a folder", 2),
    (["serve", "--tls-cert", "{tmp}/missing.pem", "--db", "{db}"], "there is no file", 2),
    (["serve", "--tls-key", "{tmp}/folder", "--db", "{db}"], "is a folder, not a file", 2),
    (["serve", "--tls-client-ca", "{tmp}/missing.pem", "--db", "{db}"], "there is no file", 2),
    (["serve", "--tcp", "nowhere", "--db", "{db}"], "--tcp takes HOST:PORT", 1),
    (["serve", "--tcp", "127.0.0.1:70000", "--db", "{db}"], "--tcp takes HOST:PORT", 1),
    (["serve", "--socket", "{tmp}/no/such/dir/s.sock", "--db", "{db}"], "there is no folder {tmp}/no/such/dir", 2),
    (["serve", "--socket", "{tmp}/folder", "--db", "{db}"], "is a folder", 2),
    (["init", "--db", "{tmp}/people.csv"], "is not a SQLite database", 1),
    (["init", "--db", "{tmp}/folder"], "is a folder, not a database file", 1),
    (["init", "--db", "{tmp}/notes.txt/k.sqlite3"], "is a file, so the database", 1),
    (["init", "--db", UNREACHABLE_PG], "No PostgreSQL server answers", 1),
    (["demo", "--no-open", "--db", "mysql://a@b/c"], "not in mysql", 1),
    (["demo", "--no-open", "--db", "{tmp}/people.csv"], "is not a SQLite database", 1),
    (["demo", "--no-open", "--db", "{db}"], "is not a demo database", 1),
    (["--db", "{tmp}/typo.sqlite3"], "There is no kbase database at", 1),
    (["--server", "ftp://example"], "ftp://example", 2),
    (["--lang", "de", "user", "list"], "invalid choice", 2),
]


@pytest.mark.parametrize("argv, says, exit_code", BAD_ARGUMENTS, ids=[" ".join(a[:3]) for a, _, _ in BAD_ARGUMENTS])
def test_a_bad_argument_is_one_sentence(place, capsys, argv, says, exit_code):
    tmp = place["tmp"]
    if argv[:1] == ["demo"] and "{db}" in argv:  # a working base: one with a user of its own
        from kbase_tui.services import users
        from kbase_tui.services.setup import open_existing_database

        database = open_existing_database(place["db"])
        users.create_user(
            database,
            users.local_actor(),
            "boss",
            "admin",
            "Sup-Password-2026",
            full_name="Boss",
            must_change_password=False,
        )
        database.dispose()
    before = sorted(p.name for p in tmp.rglob("*"))
    code, out = kbase([item.format(tmp=tmp, db=place["db"]) for item in argv], capsys)
    assert code == exit_code, out
    assert says.format(tmp=tmp) in out, out
    assert "Unexpected error" not in out and "Traceback" not in out
    lines = [line for line in out.splitlines() if line.strip()]
    assert len(lines) == 1, out  # one sentence, not a usage block
    if argv[0] not in ("init", "demo"):
        assert sorted(p.name for p in tmp.rglob("*")) == before


def test_a_damaged_backup_key_and_a_cut_backup_are_named(place, capsys):
    from kbase_tui.services import backup

    folder = place["tmp"] / "folder"
    code, out = kbase(["backup", str(folder), "--db", place["db"]], capsys)
    assert code == 0, out
    made = next(folder.glob("*.kbackup"))
    cut = place["tmp"] / "cut.kbackup"
    cut.write_bytes(made.read_bytes()[:10])
    code, out = kbase(["backup", "--verify", str(cut)], capsys)
    assert (code, out.strip()) == (1, "Error: The backup is cut short."), out

    location = backup.key_location()
    key_file = Path(location.where)
    saved = key_file.read_bytes()
    try:
        key_file.write_text("this is not base64!\n")
        code, out = kbase(["backup", "--verify", str(made)], capsys)
        assert code == 1 and f"The key file {key_file} is damaged" in out, out
        assert "Unexpected error" not in out
    finally:
        key_file.write_bytes(saved)
    code, out = kbase(["backup", "--verify", str(made)], capsys)
    assert code == 0 and "intact" in out, out


def test_a_missing_shipped_file_stops_every_command(place, capsys, monkeypatch, tmp_path):
    """A broken install (here: no common-password list) is said at start, not found out by a check gone quiet."""
    from importlib import resources

    from kbase_tui import shipped

    copy = tmp_path / "data-copy"
    shutil.copytree(resources.files(shipped.PACKAGE), copy, ignore=shutil.ignore_patterns("__pycache__"))
    (copy / "common_passwords.txt").unlink()
    monkeypatch.setattr(shipped.resources, "files", lambda package: copy)
    for argv in (["user", "list", "--db", place["db"]], ["doctor", "--db", place["db"]], ["demo", "--no-open"]):
        code, out = kbase(argv, capsys)
        assert code == 1, out
        assert "kbase is installed without its data file common_passwords.txt (not found)" in out, out
    from kbase_tui.services import passwords

    passwords.common_passwords.cache_clear()
    try:
        with pytest.raises(shipped.ShippedDataMissing):  # and the check itself never passes without its list
            passwords.check_password_rules("Some-Long-Password-1")
    finally:
        passwords.common_passwords.cache_clear()
