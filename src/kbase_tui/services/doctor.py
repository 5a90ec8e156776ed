"""`kbase doctor`: is this installation safe and sound?  Each check says what to do when it fails."""

from __future__ import annotations

import os
import stat
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


def _private(name: str, path: Path, want: int, advice: str = "") -> Check:
    if not path.exists():
        return Check(name, WARN, _("{path} does not exist").format(path=path))
    mode = _mode(path)
    if mode & ~want & 0o077:
        return Check(name, FAIL, _("{path} is {mode:o}: others can read it").format(path=path, mode=mode),
                     advice or _("chmod {want:o} {path}").format(want=want, path=path))
    if path.stat().st_uid != os.getuid():
        return Check(name, WARN, _("{path} belongs to another user").format(path=path),
                     _("run kbase doctor as the service account that owns the data"))
    return Check(name, PASS, _("{path} is {mode:o}").format(path=path, mode=mode))


def run(url: str, *, backup_dir: Path | None = None) -> list[Check]:
    from sqlalchemy.engine import make_url

    from . import audit, backup, db as dbmod, keystore

    checks: list[Check] = []
    sa_url = make_url(url)
    sqlite = sa_url.get_backend_name() == "sqlite"
    if sqlite:
        path = Path(sa_url.database or "")
        if not path.exists():
            return [Check(_("Database"), FAIL, _("no database at {path}").format(path=path),
                          _("kbase init --db {path}").format(path=path))]
        checks.append(_private(_("Database file"), path, 0o600))
        checks.append(_private(_("Database folder"), path.parent, 0o700, _(
            "keep the database in a folder only the service account can open: chmod 700 it, or move the "
            "database into one (docs/deploy-ssh.md)")))
        for side in ("-wal", "-shm"):
            extra = Path(str(path) + side)
            if extra.exists():
                checks.append(_private(_("Database {side} file").format(side=side), extra, 0o600))
    database = dbmod.connect(url, migrate=False)
    try:
        # Schema version.
        try:
            current, head = dbmod.schema_revision(database), dbmod.head_revision()
            if current == head:
                checks.append(Check(_("Schema version"), PASS, _("at {rev} (latest)").format(rev=current)))
            else:
                checks.append(Check(_("Schema version"), FAIL,
                                    _("at {rev}, latest is {head}").format(rev=current or "none", head=head),
                                    _("kbase init (upgrades the schema); take a backup first")))
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
                checks.append(Check(_("Integrity check"), FAIL, "; ".join(rows)[:300],
                                    _("stop kbase, restore the latest verified backup (kbase restore)")))
                return checks  # nothing else can be trusted on a damaged file
        else:
            with database.engine.connect() as conn:
                conn.exec_driver_sql("SELECT 1")
            checks.append(Check(_("Integrity check"), PASS, _("PostgreSQL answers; page checks: use pg_amcheck")))
        # Key store and audit chain.
        try:
            with database.read() as session:
                _key, location = audit.key_location(session, create=False)
            checks.append(Check(_("Audit key store"), PASS, _("{kind}: {where}").format(
                kind=location.kind, where=location.where)))
            if location.kind == "file":
                key_path = Path(location.where)
                checks.append(_private(_("Audit key file"), key_path, 0o600))
                checks.append(_private(_("Key folder"), key_path.parent, 0o700))
        except audit.AuditKeyMissing as error:
            with database.read() as session:
                has_events = session.execute(__import__("sqlalchemy").text("SELECT 1 FROM audit_event LIMIT 1")).first()
            if has_events:
                checks.append(Check(_("Audit key store"), FAIL, str(error), _("restore the key file from its copy")))
            else:
                checks.append(Check(_("Audit key store"), PASS, _("no events yet: the key is made with the first")))
        try:
            result = audit.verify(database)
            if result.ok:
                checks.append(Check(_("Audit chain"), PASS, _("{n} events, intact").format(n=result.checked)))
            else:
                first = result.problems[0]
                checks.append(Check(
                    _("Audit chain"), FAIL,
                    _("{p} problem(s); first: event {id}: {what}").format(p=len(result.problems), id=first.event_id,
                                                                         what=first.problem),
                    _("kbase audit verify lists them; compare with a backup to see what was changed"),
                ))
        except audit.AuditKeyMissing:
            pass  # reported above
        # Backups.
        folder = backup_dir or (paths.data_dir() / "backups")
        if sqlite:
            files = sorted(folder.glob("kbase-*.kbackup")) if folder.exists() else []
            if not files:
                checks.append(Check(_("Backups"), WARN, _("none in {folder}").format(folder=folder),
                                    _("kbase backup (daily from cron: docs/security.md)")))
            else:
                checks.append(_private(_("Backup folder"), folder, 0o700))
                loose = [f for f in files if _mode(f) & 0o077]
                if loose:
                    checks.append(Check(_("Backup files"), FAIL, _("{n} readable by others").format(n=len(loose)),
                                        _("chmod 600 {folder}/*.kbackup").format(folder=folder)))
                else:
                    checks.append(Check(_("Backup files"), PASS, _("{n}, newest {name}").format(
                        n=len(files), name=files[-1].name)))
                try:
                    location = keystore.get_key("backup", backup.KEY_REF, create=False)[1]
                    checks.append(Check(_("Backup key"), PASS, f"{location.kind}: {location.where}"))
                except FileNotFoundError:
                    checks.append(Check(_("Backup key"), FAIL, _("missing: the backups cannot be read"),
                                        _("restore the backup key file from its safe copy")))
    finally:
        database.dispose()
    return checks
