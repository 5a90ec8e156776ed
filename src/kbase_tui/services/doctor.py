"""`kbase doctor`: is this installation safe and sound?  Each check says what to do when it fails.

Besides the database, keys and backups it checks what the split into a server and its clients
relies on (docs/deploy-ssh.md): the server's socket and its folder, the exports and inbox folders,
and, for an operators' OS account named with `--client-user`, that this account can reach the
socket but can read none of the server's files nor write into its folders.
"""

from __future__ import annotations

import grp
import os
import pwd
import shutil
import stat
import subprocess
from dataclasses import dataclass
from pathlib import Path

from kbase_tui import paths
from kbase_tui.i18n import _

PASS, WARN, FAIL = "pass", "warn", "fail"


@dataclass(frozen=True)
class Check:
    name: str
    status: str
    detail: str
    advice: str = ""


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _private(name: str, path: Path, want: int, advice: str = "", *, owner: int) -> Check:
    if not path.exists():
        return Check(name, WARN, _("{path} does not exist").format(path=path))
    mode = _mode(path)
    if mode & ~want & 0o077:
        return Check(
            name,
            FAIL,
            _("{path} is {mode:o}: others can read it").format(path=path, mode=mode),
            advice or _("chmod {want:o} {path}").format(want=want, path=path),
        )
    if path.stat().st_uid != owner:
        return Check(
            name,
            WARN,
            _("{path} belongs to another user").format(path=path),
            _("run kbase doctor as the service account that owns the data"),
        )
    return Check(name, PASS, _("{path} is {mode:o}").format(path=path, mode=mode))


def run(
    url: str,
    *,
    backup_dir: Path | None = None,
    socket: Path | None = None,
    exports: Path | None = None,
    inbox: Path | None = None,
    client_user: str | None = None,
) -> list[Check]:
    """Every check: the database and its files, the keys, the backups, then the server's socket and folders
    (`split_checks`)."""
    database = _sqlite_path(url)
    owner = _server_uid(database)
    backups = backup_dir or (paths.data_dir() / "backups")
    checks = _installation(url, backups, owner)
    checks += split_checks(
        socket=socket or paths.SHARED_SOCKET,
        exports=exports or paths.exports_dir(),
        inbox=inbox or paths.inbox_dir(),
        owner=owner,
        client_user=client_user,
        database=database,
        backups=backups,
    )
    return checks


def _sqlite_path(url: str) -> Path | None:
    from sqlalchemy.engine import make_url

    sa_url = make_url(url)
    return Path(sa_url.database or "") if sa_url.get_backend_name() == "sqlite" else None


def _server_uid(database: Path | None) -> int:
    """The account that should own the files: the one running the doctor, or, for root, the database's owner."""
    uid = os.geteuid()
    if uid == 0 and database is not None:
        try:
            return database.parent.stat().st_uid
        except OSError:
            pass
    return uid


def _installation(url: str, folder: Path, owner: int) -> list[Check]:
    from . import backup, keystore
    from . import db as dbmod
    from .setup import DatabaseMissing, DatabaseUnusable, check_sqlite_file, connect_checked

    checks: list[Check] = []
    path = _sqlite_path(url)
    sqlite = path is not None
    if path is not None:
        try:
            check_sqlite_file(path, must_exist=True)
        except (DatabaseMissing, DatabaseUnusable) as error:
            return [
                Check(
                    _("Database"),
                    FAIL,
                    str(error),
                    _("kbase init --db {path}").format(path=path)
                    if isinstance(error, DatabaseMissing)
                    else _("check --db or KBASE_DB"),
                )
            ]
        checks.append(_private(_("Database file"), path, 0o600, owner=owner))
        checks.append(
            _private(
                _("Database folder"),
                path.parent,
                0o700,
                _(
                    "keep the database in a folder only the service account can open: chmod 700 it, or move the "
                    "database into one (docs/deploy-ssh.md)"
                ),
                owner=owner,
            )
        )
        for side in ("-wal", "-shm"):
            extra = Path(str(path) + side)
            if extra.exists():
                checks.append(_private(_("Database {side} file").format(side=side), extra, 0o600, owner=owner))
    try:
        # The server answers (PostgreSQL) and the file opens: said in a sentence, not the driver's text.
        database = connect_checked(url, must_exist=False)
    except DatabaseUnusable as error:
        return [*checks, Check(_("Database"), FAIL, str(error), _("check --db or KBASE_DB"))]
    try:
        # Schema version.
        try:
            current, head = dbmod.schema_revision(database), dbmod.head_revision()
            if current == head:
                checks.append(Check(_("Schema version"), PASS, _("at {rev} (latest)").format(rev=current)))
            else:
                checks.append(
                    Check(
                        _("Schema version"),
                        FAIL,
                        _("at {rev}, latest is {head}").format(rev=current or "none", head=head),
                        _("kbase init (upgrades the schema); take a backup first"),
                    )
                )
                return checks  # the other checks read tables of the latest schema
        except Exception as error:
            checks.append(Check(_("Schema version"), FAIL, str(error)[:200], _("check the --db address")))
            return checks
        # Integrity.
        if sqlite:
            try:
                with database.engine.connect() as conn:
                    rows = [r[0] for r in conn.exec_driver_sql("PRAGMA integrity_check").fetchall()]
            except Exception as error:  # "database disk image is malformed"
                rows = [str(getattr(error, "orig", error))]
            if rows == ["ok"]:
                checks.append(Check(_("Integrity check"), PASS, "PRAGMA integrity_check: ok"))
            else:
                checks.append(
                    Check(
                        _("Integrity check"),
                        FAIL,
                        "; ".join(rows)[:300],
                        _("stop kbase, restore the latest verified backup (kbase restore)"),
                    )
                )
                return checks  # nothing else can be trusted on a damaged file
        else:
            with database.engine.connect() as conn:
                conn.exec_driver_sql("SELECT 1")
            checks.append(Check(_("Integrity check"), PASS, _("PostgreSQL answers; page checks: use pg_amcheck")))
            checks += _postgres_statistics(database)
        # Key store and audit chain: nothing passes by absence.
        checks += _audit_checks(database, owner)
        # Backups.
        if sqlite:
            files = sorted(folder.glob("kbase-*.kbackup")) if folder.exists() else []
            if not files:
                checks.append(
                    Check(
                        _("Backups"),
                        WARN,
                        _("none in {folder}").format(folder=folder),
                        _("kbase backup (daily from cron: docs/security.md)"),
                    )
                )
            else:
                checks.append(_private(_("Backup folder"), folder, 0o700, owner=owner))
                loose = [f for f in files if _mode(f) & 0o077]
                if loose:
                    checks.append(
                        Check(
                            _("Backup files"),
                            FAIL,
                            _("{n} readable by others").format(n=len(loose)),
                            _("chmod 600 {folder}/*.kbackup").format(folder=folder),
                        )
                    )
                else:
                    checks.append(
                        Check(
                            _("Backup files"), PASS, _("{n}, newest {name}").format(n=len(files), name=files[-1].name)
                        )
                    )
                try:
                    location = keystore.get_key("backup", backup.KEY_REF, create=False)[1]
                    checks.append(Check(_("Backup key"), PASS, f"{location.kind}: {location.where}"))
                    if location.kind == "file":
                        checks.append(_private(_("Backup key file"), Path(location.where), 0o600, owner=owner))
                except FileNotFoundError:
                    checks.append(
                        Check(
                            _("Backup key"),
                            FAIL,
                            _("missing: the backups cannot be read"),
                            _("restore the backup key file from its safe copy"),
                        )
                    )
    finally:
        database.dispose()
    return checks


# Tables with fewer rows are planned well enough without statistics, and autovacuum analyses a table
# only after 50 changed rows: below this a fresh base would warn about its small reference tables.
ANALYSE_MIN_ROWS = 500


def _postgres_statistics(database) -> list[Check]:
    """PostgreSQL plans from statistics: tables never analysed, or autovacuum off, make every lead slow."""
    checks: list[Check] = []
    with database.engine.connect() as conn:
        autovacuum = conn.exec_driver_sql("SHOW autovacuum").scalar()
        track_counts = conn.exec_driver_sql("SHOW track_counts").scalar()
        never = [
            row[0]
            for row in conn.exec_driver_sql(
                "SELECT relname FROM pg_stat_user_tables WHERE schemaname = current_schema() "
                "AND last_analyze IS NULL AND last_autoanalyze IS NULL AND n_live_tup >= %(rows)s ORDER BY relname",
                {"rows": ANALYSE_MIN_ROWS},
            )
        ]
        off = [
            row[0]
            for row in conn.exec_driver_sql(
                "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = current_schema() AND c.relkind = 'r' "
                "AND c.reloptions::text[] && ARRAY['autovacuum_enabled=false', 'autovacuum_enabled=off'] "
                "ORDER BY c.relname"
            )
        ]
    problems, advice = [], []
    if autovacuum != "on" or track_counts != "on":
        problems.append(
            _("autovacuum is {a}, track_counts is {t}: tables are neither cleaned nor analysed").format(
                a=autovacuum, t=track_counts
            )
        )
        advice.append(_("set autovacuum = on and track_counts = on in postgresql.conf"))
    if off:
        problems.append(_("turned off for {tables}").format(tables=", ".join(off)))
        advice.append(_("turn it back on: ALTER TABLE name RESET (autovacuum_enabled)"))
    if problems:
        checks.append(Check(_("Autovacuum"), WARN, "; ".join(problems), "; ".join(advice)))
    else:
        checks.append(Check(_("Autovacuum"), PASS, _("on")))
    if never:
        checks.append(
            Check(
                _("Table statistics"),
                WARN,
                _("never analysed: {tables}").format(tables=", ".join(never)),
                _("run ANALYZE in psql (kbase db copy does it after a copy)"),
            )
        )
    else:
        checks.append(
            Check(
                _("Table statistics"), PASS, _("every table of {n}+ rows has been analysed").format(n=ANALYSE_MIN_ROWS)
            )
        )
    return checks


# --- the split: the server's socket and folders, and what an operators' account can reach -----------------


def split_checks(
    *,
    socket: Path,
    exports: Path,
    inbox: Path,
    owner: int,
    client_user: str | None = None,
    database: Path | None = None,
    backups: Path | None = None,
) -> list[Check]:
    """The server's socket and its folder, the exports and inbox folders and, with *client_user*, that account."""
    checks = _socket_checks(socket, owner)
    checks.append(_drop_folder(_("Exports folder"), exports, owner))
    checks.append(_drop_folder(_("Inbox folder"), inbox, owner))
    files = [f for folder in (exports, inbox) for f in _files(folder)]
    loose = [f for f in files if _mode(f) & 0o077]
    if loose:
        checks.append(
            Check(
                _("Exports and inbox files"),
                FAIL,
                _("{n} readable by group or others, e.g. {path}").format(n=len(loose), path=loose[0]),
                _("chmod 600 them; the server's umask must be 077 (UMask=0077)"),
            )
        )
    elif files:
        checks.append(
            Check(_("Exports and inbox files"), PASS, _("{n}, none readable by group or others").format(n=len(files)))
        )
    if client_user:
        checks += client_checks(
            client_user, socket=socket, exports=exports, inbox=inbox, owner=owner, database=database, backups=backups
        )
    return checks


def _socket_checks(socket: Path, owner: int) -> list[Check]:
    name = _("Server socket")
    if not socket.exists():
        return [
            Check(
                name,
                WARN,
                _("no socket at {path}: the server is not running there").format(path=socket),
                _("systemctl status kbase (a shared server only; a personal database needs none)"),
            )
        ]
    info = socket.lstat()
    mode = stat.S_IMODE(info.st_mode)
    checks: list[Check] = []
    if not stat.S_ISSOCK(info.st_mode):
        checks.append(
            Check(name, FAIL, _("{path} is not a socket").format(path=socket), _("remove it and restart the server"))
        )
    elif info.st_uid != owner:
        checks.append(
            Check(
                name,
                FAIL,
                _("{path} belongs to {user}, not to the server's account").format(path=socket, user=_user(info.st_uid)),
                _("stop whatever listens there; restart kbase"),
            )
        )
    elif mode & 0o007 or mode not in (0o600, 0o660):
        checks.append(
            Check(
                name,
                FAIL,
                _("{path} is {mode:o}: accounts outside its group can connect").format(path=socket, mode=mode),
                _("restart the server: it makes the socket 0660 (--socket-group) or 0600"),
            )
        )
    elif mode == 0o660:
        checks.append(
            Check(
                name,
                PASS,
                _("{path} is 660, group {group}: only its members can connect").format(
                    path=socket, group=_group(info.st_gid)
                ),
            )
        )
    else:
        checks.append(Check(name, PASS, _("{path} is 600: only the server's account can connect").format(path=socket)))
    folder = socket.parent
    info = folder.stat()
    mode = stat.S_IMODE(info.st_mode)
    where = _("{path} is {mode:o} {user}:{group}").format(
        path=folder, mode=mode, user=_user(info.st_uid), group=_group(info.st_gid)
    )
    if mode & 0o022 or info.st_uid not in (0, owner):
        checks.append(
            Check(
                _("Socket folder"),
                FAIL,
                where
                + _(": others could put a socket of their own in its place and collect the passwords typed into it"),
                _("a folder of the server's account, 0750 (RuntimeDirectoryMode=0750)"),
            )
        )
    else:
        checks.append(Check(_("Socket folder"), PASS, where))
    return checks


def _drop_folder(name: str, folder: Path, owner: int) -> Check:
    advice = f"install -d -o {_user(owner)} -m 0700 {folder}"  # a command: nothing to translate
    if not folder.exists():
        return Check(
            name, WARN, _("{path} does not exist: the server makes it at first use").format(path=folder), advice
        )
    info = folder.stat()
    mode = stat.S_IMODE(info.st_mode)
    if info.st_uid != owner:
        return Check(
            name,
            FAIL,
            _("{path} belongs to {user}, not to the server's account").format(path=folder, user=_user(info.st_uid)),
            advice,
        )
    if mode & 0o077:
        return Check(
            name,
            FAIL,
            _("{path} is {mode:o}: others can open it").format(path=folder, mode=mode),
            _("chmod 700 {path}").format(path=folder),
        )
    return Check(name, PASS, _("{path} is {mode:o}, {user}'s").format(path=folder, mode=mode, user=_user(owner)))


def _files(folder: Path | None) -> list[Path]:
    if folder is None:
        return []
    try:
        return sorted(p for p in folder.iterdir() if p.is_file() and not p.is_symlink())
    except OSError:
        return []


def _user(uid: int) -> str:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)


def _group(gid: int) -> str:
    try:
        return grp.getgrgid(gid).gr_name
    except KeyError:
        return str(gid)


def client_checks(
    user: str,
    *,
    socket: Path,
    exports: Path,
    inbox: Path,
    owner: int,
    database: Path | None = None,
    backups: Path | None = None,
    use_runuser: bool | None = None,
) -> list[Check]:
    """What the OS account *user* (the operators') can do: reach the socket, and nothing of the server's files.

    As root the doctor asks the system itself (`runuser -u USER -- test -r PATH`, which counts ACLs too);
    otherwise it works it out from the modes and owners of each path and its folders, and says so.
    """
    name = _("Client account")
    try:
        account = pwd.getpwnam(user)
    except KeyError:
        return [Check(name, FAIL, _("there is no OS account {user}").format(user=user))]
    gids = set(os.getgrouplist(user, account.pw_gid))
    if account.pw_uid == 0 or account.pw_uid == owner:
        return [
            Check(
                name,
                FAIL,
                _("{user} is root or the server's own account: it can read everything").format(user=user),
                _("give the operators an account of their own (docs/deploy-ssh.md)"),
            )
        ]
    if use_runuser is None:
        use_runuser = os.geteuid() == 0 and shutil.which("runuser") is not None
    how = (
        _("tested as {user} with runuser").format(user=user)
        if use_runuser
        else _("worked out from modes and owners; run as root to test for real")
    )
    checks = [
        Check(
            name,
            PASS,
            _("{user}: groups {groups} ({how})").format(
                user=user, groups=", ".join(sorted(_group(g) for g in gids)), how=how
            ),
        )
    ]

    def may(path: Path, want: int) -> bool | None:
        if use_runuser:
            return _runuser_may(user, path, want)
        return may_access(account.pw_uid, gids, path, want)

    def none_readable(title: str, paths_: list[Path], advice: str) -> Check:
        readable: list[Path] = []
        unknown: list[Path] = []
        for path in paths_:
            verdict = may(path, os.R_OK)
            if verdict:
                readable.append(path)
            elif verdict is None:
                unknown.append(path)
        if readable:
            return Check(
                title,
                FAIL,
                _("{user} can read {paths}").format(
                    user=user, paths=", ".join(str(p) for p in readable[:3]) + (" …" if len(readable) > 3 else "")
                ),
                advice,
            )
        if unknown:
            return Check(
                title, WARN, _("{path} has an ACL: run kbase doctor as root to test it").format(path=unknown[0])
            )
        return Check(title, PASS, _("{user} cannot read any of {n} path(s)").format(user=user, n=len(paths_)))

    chmod = _("chmod 600 the files and 700 their folders; {user} must not be in the server's groups").format(user=user)
    if database is not None:
        files = [database] + [Path(str(database) + side) for side in ("-wal", "-shm", "-journal")]
        checks.append(none_readable(_("Client: database"), [database.parent] + [f for f in files if f.exists()], chmod))
    keys = paths.config_dir() / "keys"
    checks.append(none_readable(_("Client: keys"), [paths.config_dir(), keys, *_files(keys)], chmod))
    if backups is not None and backups.exists():
        checks.append(none_readable(_("Client: backups"), [backups, *_files(backups)[-20:]], chmod))
    drop = [folder for folder in (exports, inbox) if folder.exists()]
    if drop:
        checks.append(
            none_readable(
                _("Client: exports and inbox"), drop + [f for folder in drop for f in _files(folder)[-20:]], chmod
            )
        )
    # Nor may it put anything where the server would pick it up, or change what the server keeps.
    folders = [exports, inbox, paths.config_dir(), keys, paths.log_dir(), socket.parent]
    if database is not None:
        folders.append(database.parent)
    if backups is not None:
        folders.append(backups)
    writable: list[Path] = []
    unknown: list[Path] = []
    existing = list(dict.fromkeys(f for f in folders if f.exists()))
    for folder in existing:
        verdict = may(folder, os.W_OK | os.X_OK)
        if verdict:
            writable.append(folder)
        elif verdict is None:
            unknown.append(folder)
    if writable:
        checks.append(
            Check(
                _("Client: server's folders"),
                FAIL,
                _("{user} can write into {path}").format(user=user, path=writable[0]),
                _("chmod 700 {path}").format(path=writable[0]),
            )
        )
    elif unknown:
        checks.append(
            Check(
                _("Client: server's folders"),
                WARN,
                _("{path} has an ACL: run kbase doctor as root to test it").format(path=unknown[0]),
            )
        )
    else:
        checks.append(
            Check(
                _("Client: server's folders"),
                PASS,
                _("{user} cannot write into any of {n} folders").format(user=user, n=len(existing)),
            )
        )
    if socket.exists():
        verdict = may(socket, os.W_OK)
        if verdict is False:
            checks.append(
                Check(
                    _("Client: socket"),
                    FAIL,
                    _("{user} cannot connect to {path}").format(user=user, path=socket),
                    f"usermod -aG {_group(socket.stat().st_gid)} {user}",
                )
            )
        elif verdict:
            checks.append(
                Check(_("Client: socket"), PASS, _("{user} can connect to {path}").format(user=user, path=socket))
            )
    return checks


def may_access(uid: int, gids: set[int], path: Path, want: int) -> bool | None:
    """Whether uid (with *gids*) may open *path* for *want* (os.R_OK, W_OK, X_OK bits), by the modes of the
    path and of every folder above it; None when an ACL decides instead, or a path cannot be examined.

    The path is resolved first: links can only add folders to cross, so this never says no where the
    system would say yes.
    """
    if uid == 0:
        return True
    target = Path(os.path.realpath(path))
    for folder in reversed(target.parents):
        verdict = _mode_allows(uid, gids, folder, os.X_OK)
        if not verdict:
            return verdict
    return _mode_allows(uid, gids, target, want)


def _mode_allows(uid: int, gids: set[int], path: Path, want: int) -> bool | None:
    try:
        info = os.stat(path)
    except OSError:
        return None
    if _has_acl(path):
        return None
    shift = 6 if info.st_uid == uid else 3 if info.st_gid in gids else 0
    return (info.st_mode >> shift) & want == want


def _has_acl(path: Path) -> bool:
    try:
        os.getxattr(path, "system.posix_acl_access")
        return True
    except OSError:  # no ACL (ENODATA), or none possible on this file system (ENOTSUP)
        return False


def _runuser_may(user: str, path: Path, want: int) -> bool:
    flags = [flag for bit, flag in ((os.R_OK, "-r"), (os.W_OK, "-w"), (os.X_OK, "-x")) if want & bit]
    test = shutil.which("test") or "/usr/bin/test"
    expression: list[str] = []
    for flag in flags:
        expression += (["-a"] if expression else []) + [flag, str(path)]
    result = subprocess.run(["runuser", "-u", user, "--", test, *expression], capture_output=True, timeout=30)
    return result.returncode == 0


def _audit_checks(database, owner) -> list[Check]:
    """The audit key store and the chain (without the owner's seed: links, seals and the current epoch)."""
    from kbase_tui.models import AuditHead

    from . import audit

    checks: list[Check] = []
    with database.read() as session:
        head = session.get(AuditHead, 1)
    location = None
    try:
        if head is not None and head.seal_epoch is not None:
            location = audit.seal_location(head.chain_id)
        elif head is not None and head.last_hmac:
            with database.read() as session:
                location = audit.key_location(session, create=False)[1]
            checks.append(
                Check(
                    _("Audit sealing"),
                    WARN,
                    _("the chain is signed with one key that never changes"),
                    _("run kbase init to begin sealing and write down the seed it prints"),
                )
            )
        else:
            checks.append(
                Check(
                    _("Audit key store"),
                    FAIL,
                    _("there is no audit chain"),
                    _("kbase audit verify says why (a wiped log, or a database not made by kbase init)"),
                )
            )
    except audit.AuditKeyMissing as error:
        checks.append(Check(_("Audit key store"), FAIL, str(error), _("restore the key file from its copy")))
    if location is not None:
        checks.append(
            Check(_("Audit key store"), PASS, _("{kind}: {where}").format(kind=location.kind, where=location.where))
        )
        if location.kind == "file":
            key_path = Path(location.where)
            checks.append(_private(_("Audit key file"), key_path, 0o600, owner=owner))
            checks.append(_private(_("Key folder"), key_path.parent, 0o700, owner=owner))
    result = audit.verify(database)
    if result.ok:
        detail = _("{n} events in {e} sealed epoch(s): links and seals intact").format(
            n=result.checked, e=result.epochs
        )
        if result.unproven:
            detail += "; " + _("{n} signature(s) of past epochs are proven only with the owner's seed").format(
                n=result.unproven
            )
        checks.append(
            Check(
                _("Audit chain"),
                PASS,
                detail,
                _("kbase audit verify --seed … proves every sealed epoch") if result.unproven else "",
            )
        )
    else:
        first = result.problems[0]
        checks.append(
            Check(
                _("Audit chain"),
                FAIL,
                _("{p} problem(s); first: event {id}: {what}").format(
                    p=len(result.problems), id=first.event_id, what=first.problem
                ),
                _("kbase audit verify lists them; compare with a backup to see what was changed"),
            )
        )
    return checks
