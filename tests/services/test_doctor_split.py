"""kbase doctor's checks of the split: the server's socket and its folder, the exports and inbox folders,
the backup key file, and what an operators' OS account (`--client-user`) can reach.

Most run as any user: the doctor works access out from modes and owners.  The last ones need root, to
ask the system itself as another account (runuser) and to give a file an ACL the modes do not show.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import struct
import tempfile
from pathlib import Path

import pytest

from kbase_tui.cli.main import main
from kbase_tui.services import backup, doctor
from kbase_tui.services.doctor import FAIL, PASS, WARN

ME = os.getuid()
root_only = pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("runuser"), reason="needs root and runuser")


def _by_name(checks):
    return {c.name: c for c in checks}


@pytest.fixture
def place():
    """A short folder others may enter (0755), as /srv or /run is: a socket path must stay under 108 bytes."""
    folder = Path(tempfile.mkdtemp(prefix="kbd-"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def _socket(path: Path, mode: int) -> socket.socket:
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(path))
    os.chmod(path, mode)
    return listener


def _split(place: Path, **options):
    defaults = dict(socket=place / "run" / "kbase.sock", exports=place / "exports", inbox=place / "inbox", owner=ME)
    return _by_name(doctor.split_checks(**{**defaults, **options}))


def _nobody() -> pwd.struct_passwd:
    """An OS account that is neither root nor the one running the tests: the operators' account here."""
    for name in ("nobody", "daemon", "bin"):
        try:
            account = pwd.getpwnam(name)
        except KeyError:
            continue
        if account.pw_uid not in (0, ME):
            return account
    pytest.skip("no OS account to stand for the operators'")


# --- the socket and its folder ----------------------------------------------------------------------------


def test_a_socket_0600_or_0660_passes_and_one_anybody_may_open_fails(place):
    (place / "run").mkdir(mode=0o750)
    path = place / "run" / "kbase.sock"
    listener = _socket(path, 0o600)
    try:
        checks = _split(place)
        assert checks["Server socket"].status == PASS and "600" in checks["Server socket"].detail
        assert checks["Socket folder"].status == PASS
        os.chmod(path, 0o660)
        check = _split(place)["Server socket"]
        assert check.status == PASS and "group" in check.detail
        os.chmod(path, 0o666)
        check = _split(place)["Server socket"]
        assert check.status == FAIL and "666" in check.detail and "restart" in check.advice
        os.chmod(path, 0o600)
        check = _split(place, owner=ME + 1)["Server socket"]
        assert check.status == FAIL and "not to the server's account" in check.detail
    finally:
        listener.close()


@pytest.mark.parametrize("mode", [0o777, 0o1777, 0o770], ids=["0777", "1777", "0770"])
def test_a_socket_folder_others_may_write_into_fails(place, mode):
    (place / "run").mkdir()
    (place / "run").chmod(mode)
    listener = _socket(place / "run" / "kbase.sock", 0o660)
    try:
        check = _split(place)["Socket folder"]
        assert check.status == FAIL and "collect the passwords" in check.detail
    finally:
        listener.close()


def test_no_socket_warns_and_a_file_in_its_place_fails(place):
    (place / "run").mkdir(mode=0o750)
    assert _split(place)["Server socket"].status == WARN
    (place / "run" / "kbase.sock").write_text("not a socket")
    assert _split(place)["Server socket"].status == FAIL


# --- the exports and inbox folders --------------------------------------------------------------------------


def test_exports_and_inbox_folders(place):
    checks = _split(place)
    assert checks["Exports folder"].status == WARN and "install -d" in checks["Exports folder"].advice
    for name in ("exports", "inbox"):
        (place / name).mkdir(mode=0o700)
    checks = _split(place)
    assert checks["Exports folder"].status == PASS and checks["Inbox folder"].status == PASS
    (place / "inbox").chmod(0o750)
    check = _split(place)["Inbox folder"]
    assert check.status == FAIL and check.advice == f"chmod 700 {place / 'inbox'}"
    (place / "inbox").chmod(0o700)
    assert _split(place, owner=ME + 1)["Exports folder"].status == FAIL


def test_an_export_others_may_read_fails(place):
    for name in ("exports", "inbox"):
        (place / name).mkdir(mode=0o700)
    export = place / "exports" / "companies.csv"
    export.write_text("name\n")
    export.chmod(0o600)
    assert _split(place)["Exports and inbox files"].status == PASS
    export.chmod(0o644)
    check = _split(place)["Exports and inbox files"]
    assert check.status == FAIL and str(export) in check.detail


def test_a_backup_key_file_others_may_read_fails(sqlite_db, tmp_path):
    backup.make_backup(sqlite_db.url, tmp_path / "bk")
    checks = _by_name(doctor.run(sqlite_db.url, backup_dir=tmp_path / "bk"))
    assert checks["Backup key file"].status == PASS
    key = Path(checks["Backup key"].detail.split(": ", 1)[1])
    key.chmod(0o644)
    try:
        check = _by_name(doctor.run(sqlite_db.url, backup_dir=tmp_path / "bk"))["Backup key file"]
        assert check.status == FAIL and "chmod 600" in check.advice
    finally:
        key.chmod(0o600)


# --- who may open what, from modes and owners ---------------------------------------------------------------


def test_access_is_worked_out_from_the_path_and_every_folder_above_it(place):
    stranger, gids = 4242, {4243}
    folder = place / "data"
    folder.mkdir()
    folder.chmod(0o755)  # whatever the umask
    target = folder / "file"
    target.write_text("x")
    target.chmod(0o644)
    assert doctor.may_access(stranger, gids, target, os.R_OK) is True
    assert doctor.may_access(stranger, gids, target, os.W_OK) is False
    target.chmod(0o600)
    assert doctor.may_access(stranger, gids, target, os.R_OK) is False
    target.chmod(0o644)
    folder.chmod(0o700)  # a private folder hides the readable file
    assert doctor.may_access(stranger, gids, target, os.R_OK) is False
    folder.chmod(0o755)
    # The group's bits decide for a member, even when the others' bits would allow more.
    member = {os.stat(target).st_gid}
    target.chmod(0o604)
    assert doctor.may_access(stranger, gids, target, os.R_OK) is True
    assert doctor.may_access(stranger, member, target, os.R_OK) is False
    # And the owner's bits for the owner.
    target.chmod(0o066)
    assert doctor._mode_allows(os.stat(target).st_uid, set(), target, os.R_OK) is False
    # Root may open everything; a link is followed to what it names.
    assert doctor.may_access(0, set(), target, os.R_OK) is True
    target.chmod(0o644)
    hidden = place / "hidden"
    hidden.mkdir()
    hidden.chmod(0o700)
    (hidden / "secret").write_text("x")
    (folder / "link").symlink_to(hidden / "secret")
    assert doctor.may_access(stranger, gids, folder / "link", os.R_OK) is False


def _layout(place: Path) -> dict:
    """A server's files as docs/deploy-ssh.md lays them out, owned by whoever runs the test."""
    data = place / "lib"
    data.mkdir(mode=0o700)
    database = data / "kbase.sqlite3"
    database.write_text("SQLite format 3")
    database.chmod(0o600)
    for name in ("exports", "inbox", "backups"):
        (place / name).mkdir(mode=0o700)
    export = place / "exports" / "companies.csv"
    export.write_text("name\n")
    export.chmod(0o600)
    (place / "run").mkdir(mode=0o750)
    return dict(
        socket=place / "run" / "kbase.sock",
        exports=place / "exports",
        inbox=place / "inbox",
        database=database,
        backups=place / "backups",
    )


def test_an_operators_account_that_can_read_nothing_passes_and_one_that_can_fails(place):
    nobody = _nobody()
    layout = _layout(place)
    listener = _socket(layout["socket"], 0o660)
    try:
        checks = _by_name(doctor.client_checks(nobody.pw_name, owner=ME, use_runuser=False, **layout))
        assert "modes and owners" in checks["Client account"].detail
        for name in (
            "Client: database",
            "Client: keys",
            "Client: backups",
            "Client: exports and inbox",
            "Client: server's folders",
        ):
            assert checks[name].status == PASS, checks[name]
        # Not in the socket's group: the app could not even connect.
        assert checks["Client: socket"].status == FAIL and "usermod -aG" in checks["Client: socket"].advice
        # A folder opened by mistake shows at once.
        (place / "lib").chmod(0o755)
        layout["database"].chmod(0o644)
        check = _by_name(doctor.client_checks(nobody.pw_name, owner=ME, use_runuser=False, **layout))[
            "Client: database"
        ]
        assert check.status == FAIL and str(layout["database"]) in check.detail
        (place / "exports").chmod(0o733)
        check = _by_name(doctor.client_checks(nobody.pw_name, owner=ME, use_runuser=False, **layout))[
            "Client: server's folders"
        ]
        assert check.status == FAIL and str(place / "exports") in check.detail
    finally:
        listener.close()


def test_root_the_servers_own_account_or_no_account_is_no_operators_account(place):
    layout = _layout(place)
    assert doctor.client_checks("root", owner=ME, use_runuser=False, **layout)[0].status == FAIL
    me = pwd.getpwuid(ME).pw_name
    assert doctor.client_checks(me, owner=ME, use_runuser=False, **layout)[0].status == FAIL
    check = doctor.client_checks("no-such-account-kbase", owner=ME, use_runuser=False, **layout)[0]
    assert check.status == FAIL and "no OS account" in check.detail


def test_the_command_line_takes_the_socket_the_folders_and_the_client_account(sqlite_db, place, capsys):
    nobody = _nobody()
    layout = _layout(place)
    code = main(
        [
            "doctor",
            "--db",
            str(sqlite_db.sqlite_path),
            "--socket",
            str(layout["socket"]),
            "--exports",
            str(layout["exports"]),
            "--inbox",
            str(layout["inbox"]),
            "--client-user",
            nobody.pw_name,
        ]
    )
    out = capsys.readouterr().out
    assert code == 0, out
    for name in ("Server socket", "Exports folder", "Inbox folder", "Client: database", "Client: keys"):
        assert name in out


# --- as root: the system's own answer -----------------------------------------------------------------------


def _acl_granting(path: Path, uid: int) -> None:
    """Give *uid* read access to *path* by an ACL entry (the binary form setfacl writes)."""
    entries = [
        (0x01, 6, 0xFFFFFFFF),
        (0x02, 4, uid),
        (0x04, 0, 0xFFFFFFFF),
        (0x10, 4, 0xFFFFFFFF),
        (0x20, 0, 0xFFFFFFFF),
    ]
    value = struct.pack("<I", 2) + b"".join(struct.pack("<HHI", *entry) for entry in entries)
    try:
        os.setxattr(path, "system.posix_acl_access", value)
    except OSError as error:
        pytest.skip(f"no ACLs here: {error}")


@root_only
def test_as_root_the_doctor_asks_the_system_and_sees_what_an_acl_allows(place):
    nobody = _nobody()
    layout = _layout(place)
    listener = _socket(layout["socket"], 0o660)
    try:
        checks = _by_name(doctor.client_checks(nobody.pw_name, owner=ME, **layout))
        assert "runuser" in checks["Client account"].detail
        assert all(c.status == PASS for n, c in checks.items() if n != "Client: socket"), checks
        # An ACL the modes do not show: worked out, the doctor cannot tell and says so; asked, the system can.
        (place / "exports").chmod(0o711)
        export = place / "exports" / "companies.csv"
        _acl_granting(export, nobody.pw_uid)
        worked_out = _by_name(doctor.client_checks(nobody.pw_name, owner=ME, use_runuser=False, **layout))
        assert worked_out["Client: exports and inbox"].status == WARN
        asked = _by_name(doctor.client_checks(nobody.pw_name, owner=ME, **layout))
        check = asked["Client: exports and inbox"]
        assert check.status == FAIL and str(export) in check.detail
    finally:
        listener.close()
