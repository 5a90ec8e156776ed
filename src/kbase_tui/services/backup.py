"""Encrypted backups of the SQLite database, their check, and restore.

- A consistent copy while users work: SQLite's online backup API copies pages
  under its own locking, so a backup taken mid-shift is a valid database.
- Encrypted with AES-256-GCM (cryptography), in 4 MiB chunks: each chunk has
  its own nonce (random prefix + counter) and authenticates the header, its
  index and whether it is the last, so a changed, reordered or cut file fails.
- The key is kept like the audit key (keyring, or a 0600 key file) under the
  purpose "backup"; the header names the key, never contains it.  Without
  that key the backups cannot be read: keep a copy of it off the machine.
- Files are 0600 in a 0700 folder; only the newest N are kept.
- PostgreSQL: use pg_dump / pg_restore (docs/security.md).
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import re
import secrets
import sqlite3
import struct
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from kbase_tui import paths
from kbase_tui.i18n import _

from . import keystore
from .errors import KbaseError

MAGIC = b"KBASEBK1"
CHUNK = 4 * 1024 * 1024
KEY_REF = "installation"  # one backup key per installation (per OS user of the service)
NAME = re.compile(r"^kbase-\d{8}-\d{6}(-\d+)?\.kbackup$")


class BackupFailed(KbaseError):
    def default_message(self) -> str:
        return _("The backup could not be read: it is damaged, changed, or encrypted with another key.")


class DatabaseInUse(KbaseError):
    def default_message(self) -> str:
        return _("The database is in use by another program: stop kbase for everyone first, or use --force.")


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    size: int
    created: str
    tables: int
    rows: int
    removed: tuple[Path, ...] = ()
    # The audit chain's head in the copy ("kbase-audit-head ID:HMAC ..."): kept with every backup,
    # so `kbase audit verify --expect-head` can later prove the live log was not cut behind it.
    audit_head: str = ""


def default_dir() -> Path:
    return paths.ensure_private_dir(paths.data_dir() / "backups")


def _key(ref: str = KEY_REF, *, create: bool) -> tuple[bytes, keystore.KeyLocation]:
    try:
        return keystore.get_key("backup", ref, create=create)
    except FileNotFoundError as error:
        raise BackupFailed(
            _("The backup key was not found ({where}): restore the key file from its safe copy.").format(where=error)
        ) from None


def key_location() -> keystore.KeyLocation:
    return _key(create=True)[1]


def _nonce(prefix: bytes, index: int) -> bytes:
    return prefix + struct.pack(">I", index)


def _aad(header: bytes, index: int, last: bool) -> bytes:
    return header + struct.pack(">I?", index, last)


def _private_file(path: Path):
    fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, paths.PRIVATE_FILE_MODE)
    return os.fdopen(fd, "wb")


def _table_counts(path: Path) -> dict[str, int]:
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        names = [
            r[0]
            for r in con.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        return {name: con.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] for name in names}
    finally:
        con.close()


def integrity(path: Path) -> str:
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return "; ".join(r[0] for r in con.execute("PRAGMA integrity_check"))
    finally:
        con.close()


def _audit_head(path: Path) -> str:
    """The audit head of a database file, as services/audit.py's head_line writes it."""
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        row = con.execute("SELECT last_event_id, last_hmac, seal_epoch FROM audit_head WHERE id = 1").fetchone()
    except sqlite3.Error:
        row = None
    finally:
        con.close()
    return "kbase-audit-head none" if row is None else f"kbase-audit-head {row[0]}:{row[1]} epoch {row[2]}"


def _encrypt(plain_path: Path, target: Path, source_name: str, audit_head: str = "") -> None:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    key, _location = _key(create=True)
    header = json.dumps(
        {
            "format": "sqlite",
            "key": keystore._key_name("backup", KEY_REF),
            "source": source_name,
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
            "chunk": CHUNK,
            "audit_head": audit_head,
        },
        sort_keys=True,
    ).encode()
    prefix = secrets.token_bytes(8)
    aes = AESGCM(key)
    with _private_file(target) as out, open(plain_path, "rb") as src:
        out.write(MAGIC + struct.pack(">I", len(header)) + header + prefix)
        index = 0
        chunk = src.read(CHUNK)
        while True:
            following = src.read(CHUNK)
            last = not following
            sealed = aes.encrypt(_nonce(prefix, index), chunk, _aad(header, index, last))
            out.write(struct.pack(">I", len(sealed)) + sealed)
            if last:
                break
            chunk, index = following, index + 1
        out.flush()
        os.fsync(out.fileno())


def _read_header(handle) -> tuple[bytes, dict, bytes]:
    if handle.read(len(MAGIC)) != MAGIC:
        raise BackupFailed(_("This is not a kbase backup."))
    raw = handle.read(4)
    if len(raw) < 4:
        raise BackupFailed(_("The backup is cut short."))
    (length,) = struct.unpack(">I", raw)
    if length > 65536:
        raise BackupFailed()
    header = handle.read(length)
    try:
        meta = json.loads(header)
    except ValueError:
        raise BackupFailed() from None
    return header, meta, handle.read(8)


def decrypt(backup: Path, target: Path) -> dict:
    """Decrypt *backup* into the new file *target* (0600); BackupFailed on any change."""
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    with open(backup, "rb") as src:
        header, meta, prefix = _read_header(src)
        if meta.get("key") != keystore._key_name("backup", KEY_REF):
            raise BackupFailed(_("This backup was made with another backup key ({key}).").format(key=meta.get("key")))
        key, _location = _key(create=False)
        aes = AESGCM(key)
        with _private_file(target) as out:
            index = 0
            while True:
                raw = src.read(4)
                if len(raw) < 4:
                    raise BackupFailed(_("The backup is cut short."))
                (length,) = struct.unpack(">I", raw)
                sealed = src.read(length)
                following = src.peek(1) if hasattr(src, "peek") else b""
                last = not following
                try:
                    out.write(aes.decrypt(_nonce(prefix, index), sealed, _aad(header, index, last)))
                except InvalidTag:
                    raise BackupFailed() from None
                if last:
                    break
                index += 1
    return meta


def sqlite_path_of(url: str) -> Path:
    from sqlalchemy.engine import make_url

    sa_url = make_url(url)
    if sa_url.get_backend_name() != "sqlite":
        raise KbaseError(
            _("kbase backup copies SQLite databases; for PostgreSQL use pg_dump and pg_restore (docs/security.md).")
        )
    return Path(sa_url.database or "")


def make_backup(url: str, directory: Path | None = None, *, keep: int = 14) -> BackupInfo:
    """Copy the database online, encrypt it into DIR/kbase-YYYYmmdd-HHMMSS.kbackup, keep the newest *keep*."""
    source = sqlite_path_of(url)
    if not source.exists():
        raise KbaseError(_("No database at {path}.").format(path=source))
    folder = paths.ensure_private_dir(Path(directory)) if directory else default_dir()
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    target = folder / f"kbase-{stamp}.kbackup"
    n = 1
    while target.exists():
        n += 1
        target = folder / f"kbase-{stamp}-{n}.kbackup"
    with tempfile.TemporaryDirectory(dir=folder, prefix=".kbase-backup-") as work:
        plain = Path(work) / "copy.sqlite3"
        src = sqlite3.connect(source, timeout=30)
        dst = sqlite3.connect(plain)
        try:
            src.backup(dst, pages=4096)  # steps, so writers are not held for the whole copy
            dst.execute("PRAGMA journal_mode = DELETE")
        finally:
            dst.close()
            src.close()
        os.chmod(plain, paths.PRIVATE_FILE_MODE)
        counts = _table_counts(plain)
        head = _audit_head(plain)
        _encrypt(plain, target, source.name, head)
    removed = prune(folder, keep)
    _to_system_log(f"{head} (backup {target.name})")
    return BackupInfo(
        path=target,
        size=target.stat().st_size,
        created=stamp,
        tables=len(counts),
        rows=sum(counts.values()),
        removed=tuple(removed),
        audit_head=head,
    )


def _to_system_log(line: str) -> None:
    from . import audit

    audit.to_system_log(line)


def prune(folder: Path, keep: int) -> list[Path]:
    backups = sorted((p for p in folder.iterdir() if NAME.match(p.name)), key=lambda p: (p.stat().st_mtime, p.name))
    doomed = backups[:-keep] if keep > 0 else []
    for path in doomed:
        path.unlink()
    return doomed


def verify_backup(backup: Path) -> BackupInfo:
    """Decrypt to a private temporary file and run SQLite's integrity check on it."""
    backup = Path(backup)
    with tempfile.TemporaryDirectory(prefix=".kbase-verify-", dir=backup.parent) as work:
        plain = Path(work) / "check.sqlite3"
        meta = decrypt(backup, plain)
        result = integrity(plain)
        if result != "ok":
            raise BackupFailed(
                _("The backup decrypts but its database is damaged: {result}").format(result=result[:200])
            )
        counts = _table_counts(plain)
    return BackupInfo(
        path=backup,
        size=backup.stat().st_size,
        created=str(meta.get("created", "")),
        tables=len(counts),
        rows=sum(counts.values()),
        audit_head=str(meta.get("audit_head", "")),
    )


def database_in_use(path: Path) -> bool:
    """Does another process have this SQLite database open?

    Every connection to a WAL database holds a shared lock on byte 128 of the
    -shm file (SQLite's "dead man switch") for as long as it is open; if an
    exclusive lock on that byte can be had, nobody else has it open.  (POSIX
    locks do not see this process's own connections: close them first.)
    """
    shm = Path(str(path) + "-shm")
    if not shm.exists():
        return False
    fd = os.open(shm, os.O_RDWR)
    try:
        try:
            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, 128)
        except OSError as error:
            if error.errno in (errno.EACCES, errno.EAGAIN):
                return True
            raise
        fcntl.lockf(fd, fcntl.LOCK_UN, 1, 128)
        return False
    finally:
        os.close(fd)


def restore(backup: Path, url: str, *, force: bool = False) -> BackupInfo:
    """Put the backup in place of the database at *url* (never while it is in use, unless *force*)."""
    target = sqlite_path_of(url)
    if target.exists() and database_in_use(target) and not force:
        raise DatabaseInUse()
    folder = paths.ensure_private_dir(target.parent) if not target.parent.exists() else target.parent
    with tempfile.TemporaryDirectory(dir=folder, prefix=".kbase-restore-") as work:
        plain = Path(work) / "restored.sqlite3"
        decrypt(Path(backup), plain)
        result = integrity(plain)
        if result != "ok":
            raise BackupFailed(
                _("The backup decrypts but its database is damaged: {result}").format(result=result[:200])
            )
        counts = _table_counts(plain)
        for side in ("-wal", "-shm", "-journal"):  # they belong to the database being replaced
            stale = Path(str(target) + side)
            if stale.exists():
                stale.unlink()
        os.replace(plain, target)
    os.chmod(target, paths.PRIVATE_FILE_MODE)
    return BackupInfo(
        path=target, size=target.stat().st_size, created="", tables=len(counts), rows=sum(counts.values())
    )
