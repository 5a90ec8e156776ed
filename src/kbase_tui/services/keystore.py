"""Secret keys (audit HMAC, backup encryption): keyring when the system has a
backend, otherwise a 0600 key file in the platformdirs config directory.

A headless server usually has no keyring backend; the key file is
the honest fallback and `describe()` says which store is in use.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from kbase_tui import paths
from kbase_tui.i18n import _

from .errors import KbaseError

SERVICE = "kbase"


@dataclass(frozen=True)
class KeyLocation:
    kind: str  # "keyring" | "file"
    where: str


def _key_name(purpose: str, database_url: str) -> str:
    # One key per database, so a test database never shares the production key.
    digest = hashlib.sha256(database_url.encode()).hexdigest()[:16]
    return f"{purpose}-{digest}"


def _keyring_usable() -> bool:
    if os.environ.get("KBASE_KEYSTORE") == "file":
        return False
    try:
        import keyring
        from keyring.backends import fail

        backend = keyring.get_keyring()
        if isinstance(backend, fail.Keyring):
            return False
        # The chainer with no real backends behind it is as good as none.
        return (getattr(backend, "priority", 0) > 0 and type(backend).__name__ != "ChainerBackend") or bool(
            getattr(backend, "backends", [])
        )
    except Exception:
        return False


def key_file(purpose: str, database_url: str) -> Path:
    return paths.config_dir() / "keys" / f"{_key_name(purpose, database_url)}.key"


def get_key(purpose: str, database_url: str, *, create: bool = True) -> tuple[bytes, KeyLocation]:
    name = _key_name(purpose, database_url)
    if _keyring_usable():
        import keyring

        try:
            stored = keyring.get_password(SERVICE, name)
            if stored is None and create:
                stored = base64.b64encode(secrets.token_bytes(32)).decode()
                keyring.set_password(SERVICE, name, stored)
            if stored is not None:
                return base64.b64decode(stored), KeyLocation("keyring", f"{SERVICE}/{name}")
        except Exception:
            pass  # fall through to the key file
    path = key_file(purpose, database_url)
    if not path.exists():
        if not create:
            raise FileNotFoundError(path)
        _create_key_file(path)
    try:
        key = base64.b64decode(path.read_bytes().strip(), validate=True)
    except ValueError:  # binascii.Error: not base64 at all
        key = b""
    if len(key) != 32:
        raise KeyDamaged(
            _("The key file {path} is damaged: it must hold 32 bytes in base64. Restore it from its safe copy.").format(
                path=path
            )
        )
    return key, KeyLocation("file", str(path))


class KeyDamaged(KbaseError, ValueError):
    """A key file that is there but does not hold a key (ValueError too, as it was before it had a message)."""


def _create_key_file(path) -> None:
    """Write the key whole or not at all: a temporary file, synced, then linked into place.

    A process killed half-way leaves only a stray temporary file, never an empty key
    that would later sign the audit chain with nothing.  `os.link` fails if another
    process created the key first; then theirs is used.
    """
    paths.ensure_private_dir(path.parent)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(temporary, os.O_CREAT | os.O_TRUNC | os.O_WRONLY, paths.PRIVATE_FILE_MODE)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(base64.b64encode(secrets.token_bytes(32)))
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(FileExistsError):
            os.link(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def store_key(purpose: str, database_url: str, key: bytes) -> KeyLocation:
    """Store *key* for a database (`kbase db copy` gives the copy the source's audit key)."""
    name = _key_name(purpose, database_url)
    encoded = base64.b64encode(key).decode()
    if _keyring_usable():
        import keyring

        try:
            keyring.set_password(SERVICE, name, encoded)
            return KeyLocation("keyring", f"{SERVICE}/{name}")
        except Exception:
            pass  # fall through to the key file
    path = key_file(purpose, database_url)
    paths.ensure_private_dir(path.parent)
    temporary = path.with_suffix(".tmp")
    fd = os.open(temporary, os.O_CREAT | os.O_TRUNC | os.O_WRONLY, paths.PRIVATE_FILE_MODE)
    with os.fdopen(fd, "wb") as handle:
        handle.write(encoded.encode())
    os.replace(temporary, path)
    return KeyLocation("file", str(path))


# --- evolving keys (the audit chain's sealing key) ------------------------------------------
#
# One entry holds "<epoch> <base64 key>": the key of that epoch only.  Advancing writes the
# next epoch's key over it, so the earlier key is gone from the store (forward security: who
# reads the store today cannot sign yesterday).  Entries only ever move forward: several
# processes advance the same entry, and one that lags must not put an older key back.


def _evolving_name(purpose: str, ref: str) -> str:
    return _key_name(purpose, ref)


def _parse_evolving(text: str, where: str) -> tuple[int, bytes]:
    try:
        epoch_text, key_text = text.split()
        epoch, key = int(epoch_text), base64.b64decode(key_text, validate=True)
    except ValueError:
        raise ValueError(f"the key entry {where} is damaged: it must hold '<epoch> <base64 key>'") from None
    if len(key) != 32 or epoch < 0:
        raise ValueError(f"the key entry {where} is damaged: it must hold a 32-byte key")
    return epoch, key


def get_evolving(purpose: str, ref: str) -> tuple[int, bytes, KeyLocation]:
    """The stored (epoch, key); FileNotFoundError when there is none (never created here)."""
    name = _evolving_name(purpose, ref)
    if _keyring_usable():
        import keyring

        try:
            stored = keyring.get_password(SERVICE, name)
        except Exception:
            stored = None
        if stored is not None:
            where = f"{SERVICE}/{name}"
            return (*_parse_evolving(stored, where), KeyLocation("keyring", where))
    path = key_file(purpose, ref)
    if not path.exists():
        raise FileNotFoundError(path)
    return (*_parse_evolving(path.read_text(), str(path)), KeyLocation("file", str(path)))


def put_evolving(purpose: str, ref: str, epoch: int, key: bytes) -> KeyLocation:
    """Store the key of *epoch*, unless the entry already holds a later epoch.

    A file entry is replaced atomically under an exclusive lock on a lock file, so two
    processes advancing at once never leave an older key in place of a newer one.
    """
    name = _evolving_name(purpose, ref)
    text = f"{epoch} {base64.b64encode(key).decode()}\n"
    if _keyring_usable():
        import keyring

        try:
            current = keyring.get_password(SERVICE, name)
            if current is None or _parse_evolving(current, name)[0] < epoch:
                keyring.set_password(SERVICE, name, text.strip())
            return KeyLocation("keyring", f"{SERVICE}/{name}")
        except Exception:
            pass  # fall through to the key file
    import fcntl

    path = key_file(purpose, ref)
    paths.ensure_private_dir(path.parent)
    lock_fd = os.open(path.with_name(f".{path.name}.lock"), os.O_CREAT | os.O_RDWR, paths.PRIVATE_FILE_MODE)
    try:
        fcntl.flock(lock_fd, fcntl.LOCK_EX)
        if path.exists():
            try:
                if _parse_evolving(path.read_text(), str(path))[0] >= epoch:
                    return KeyLocation("file", str(path))
            except ValueError:
                pass  # a damaged entry is replaced by a good one
        temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        fd = os.open(temporary, os.O_CREAT | os.O_TRUNC | os.O_WRONLY, paths.PRIVATE_FILE_MODE)
        with os.fdopen(fd, "w") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
        return KeyLocation("file", str(path))
    finally:
        os.close(lock_fd)


def delete_entry(purpose: str, ref: str) -> None:
    """Remove a key entry (tests of a missing key; a chain that is started over)."""
    name = _key_name(purpose, ref)
    if _keyring_usable():
        import keyring

        with contextlib.suppress(Exception):
            keyring.delete_password(SERVICE, name)
    key_file(purpose, ref).unlink(missing_ok=True)
