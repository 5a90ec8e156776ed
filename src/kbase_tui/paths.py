"""The one place that knows where kbase keeps its files.

Every folder is created on first use with mode 0700, because the client base,
the audit key and the backups must not be readable by other users of a shared
server.
"""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import PlatformDirs

_DIRS = PlatformDirs(appname="kbase", appauthor=False)
PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600


def ensure_private_dir(path: Path) -> Path:
    """Create *path* (and parents) and make the leaf 0700."""
    path.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR_MODE)
    os.chmod(path, PRIVATE_DIR_MODE)
    return path


def data_dir() -> Path:
    return ensure_private_dir(Path(os.environ.get("KBASE_DATA_DIR") or _DIRS.user_data_path))


def config_dir() -> Path:
    return ensure_private_dir(Path(os.environ.get("KBASE_CONFIG_DIR") or _DIRS.user_config_path))


def log_dir() -> Path:
    return ensure_private_dir(Path(os.environ.get("KBASE_LOG_DIR") or _DIRS.user_log_path))


def runtime_dir() -> Path:
    """Sockets of private servers: the user's runtime folder (XDG_RUNTIME_DIR), else the data folder.

    Socket paths must stay under 108 bytes, so the folder is kept short.
    """
    base = os.environ.get("KBASE_RUNTIME_DIR") or os.environ.get("XDG_RUNTIME_DIR")
    if base:
        return ensure_private_dir(Path(base) / "kbase")
    return ensure_private_dir(data_dir() / "run")


# The shared server's socket, as docs/deploy-ssh.md sets it up.
SHARED_SOCKET = Path("/run/kbase/kbase.sock")


def exports_dir() -> Path:
    """Where the server writes exports and rejects files (the head of sales collects them over SFTP)."""
    return Path(os.environ.get("KBASE_EXPORTS_DIR") or data_dir() / "exports")


def inbox_dir() -> Path:
    """Where the server picks up files to import (the head of sales drops them over SFTP)."""
    return Path(os.environ.get("KBASE_INBOX_DIR") or data_dir() / "inbox")


def work_dir() -> Path:
    """The server's own scratch folder, beside the database: never inside the SFTP drop folder."""
    return data_dir() / "work"


def default_database_path() -> Path:
    return data_dir() / "kbase.sqlite3"


def demo_database_path() -> Path:
    return data_dir() / "kbase-demo.sqlite3"
