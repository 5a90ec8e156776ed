"""Imports of companies into the cold-call queue, run by the server as a job.

The file comes from the server's inbox: dropped there by the head of sales (over SFTP,
docs/deploy-ssh.md), or uploaded from the app's computer (`KbaseClient.upload`), which stores
it there under a name the server chooses.  The app starts the job, asks for its progress and
may stop it; rejected rows go to a file in the exports folder.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from .operations import operation
from .types import Code, Name


@dataclass(frozen=True)
class Reject:
    line: int
    reason: str


@dataclass(frozen=True)
class ImportReport:
    path: str
    kind: str
    encoding: str
    delimiter: str
    rows: int
    imported: int
    merged: int
    unchanged: int
    rejected: int
    rejects: tuple[Reject, ...]  # the first 1,000
    rejects_path: str | None
    seconds: float
    stopped: bool = False
    columns: tuple[str, ...] = ()

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


@dataclass(frozen=True)
class InboxFile:
    name: str
    size: int
    modified: datetime


@dataclass(frozen=True)
class ImportProgress:
    job: str
    done: int  # rows read so far
    total: int  # rows in the file, as far as known (0: not yet)
    finished: bool
    report: ImportReport | None = None  # when finished without error
    error: str = ""  # when finished with one: a sentence to show


@operation("importer.inbox")
def inbox() -> list[InboxFile]:
    """The files waiting in the server's inbox, newest first."""


@operation("importer.start")
def start(file: Name) -> str:
    """Start importing *file* (a name from the inbox); returns the job to follow with `progress`."""


@operation("importer.progress")
def progress(job: Code) -> ImportProgress:
    """How far the import has got, and its report when it is done."""


@operation("importer.stop")
def stop(job: Code) -> None:
    """Stop the import after the current batch (the batches saved so far are kept)."""
