"""Imports of companies into the cold-call queue, run by the server as a job.

The file comes from the server's inbox: dropped there by the head of sales (over SFTP,
docs/deploy-ssh.md), or uploaded from the app's computer (`KbaseClient.upload`), which stores
it there under a name the server chooses.  The app starts the job, asks for its progress and
may stop it; rejected rows go to a file in the exports folder.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

import msgspec

from kbase_tui.formatting import quoted
from kbase_tui.i18n import N_, _, pgettext

from .operations import operation
from .types import Code, Id, Name

# The fields a column of an imported file can fill, in the order the dialog lists them.
IMPORT_FIELDS = (
    "name",
    "inn",
    "phone",
    "contact",
    "contact_last",
    "contact_first",
    "contact_middle",
    "position",
    "contact_phone",
    "contact_email",
    "city",
    "industry",
    "channel",
    "email",
    "website",
    "address",
    "size",
    "comment",
)


@dataclass(frozen=True)
class Reject:
    line: int
    reason: str
    name: str = ""  # the company's name as the row had it, when it had one (plain text)


def run_headings() -> tuple[str, ...]:
    """The columns of the list of latest imports (an ImportRunView a row), in the reader's language."""
    return (
        _("When"),
        _("File"),
        pgettext("the person who ran an import", "Who"),
        _("Rows"),
        _("New"),
        pgettext("rows of an import merged into companies", "Merged"),
        _("Undone"),
    )


def rejected_detail(reject: Reject) -> str:
    """A rejected row as the dialog and the command line list it: the company's name when the row had one, and
    why (plain text: shown with markup off)."""
    if not reject.name:
        return reject.reason
    return _("{name}: {what}").format(name=quoted(reject.name), what=reject.reason)


# What the report file and the dialog say about a row besides "new" or "merged".
NOTE_KINDS = {
    "rejected": N_("rejected"),
    "possible_duplicate": N_("possible duplicate"),
    "conflict": N_("kept, the file differs"),
    "needs_research": N_("needs research"),
}


@dataclass(frozen=True)
class ImportNote:
    line: int
    kind: str  # a key of NOTE_KINDS
    text: str


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
    report_path: str | None  # the report file (in the exports folder), when there was anything to report
    seconds: float
    stopped: bool = False
    columns: tuple[str, ...] = ()
    possible_duplicates: int = 0  # new companies sharing a phone with another of another name
    conflicts: int = 0  # values of the file not taken because the field was filled
    needs_research: int = 0  # new companies without a usable phone: not in the queue
    notes: tuple[ImportNote, ...] = ()  # the first 1,000 besides the rejects
    dry_run: bool = False
    run_id: int | None = None  # the import run, which `undo` takes back

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


@dataclass(frozen=True)
class ColumnMapping:
    index: int
    header: str
    field: str  # "" when the column is not imported


@dataclass(frozen=True)
class PreviewRow:
    line: int
    name: str
    inn: str
    phones: tuple[str, ...]  # readable, with extensions
    contact: str
    email: str
    city: str
    outcome: str  # new / merged into … / possible duplicate / rejected: why


@dataclass(frozen=True)
class ImportPreview:
    file: str
    kind: str
    encoding: str
    delimiter: str
    columns: tuple[ColumnMapping, ...]
    rows: tuple[PreviewRow, ...]  # the first rows as they will be stored
    report: ImportReport  # the counts, nothing written
    partial: bool  # the counts are of the first rows only (a large file)
    fields: tuple[str, ...] = ()  # the fields a column can be mapped to


# A mapping chosen by the person: field -> column numbers.
Columns = Annotated[
    dict[
        Annotated[str, msgspec.Meta(max_length=32)],
        Annotated[list[Annotated[int, msgspec.Meta(ge=0, le=10_000)]], msgspec.Meta(max_length=50)],
    ],
    msgspec.Meta(max_length=30),
]


@dataclass(frozen=True)
class ImportRunView:
    id: int
    file: str
    actor: str
    started_at: datetime
    finished_at: datetime | None
    rows: int
    imported: int
    merged: int
    undone_at: datetime | None
    undone_by: str


@dataclass(frozen=True)
class UndoReport:
    run_id: int
    removed: int  # companies the import created, deleted
    kept: int  # companies the import created that someone has worked on since: kept
    fields_cleared: int  # fields it filled in existing companies, emptied again
    phones_removed: int  # numbers it added to existing companies
    contacts_removed: int  # contact persons it added to existing companies (not edited since)


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


@operation("importer.inbox", reads=True)
def inbox() -> list[InboxFile]:
    """The files waiting in the server's inbox, newest first."""


@operation("importer.preview", reads=True)
def preview(file: Name, columns: Columns | None = None) -> ImportPreview:
    """What importing *file* (a name from the inbox) would do, nothing written: format, columns, first rows,
    counts.  *columns*: the person's own mapping instead of the one read from the headers."""


@operation("importer.start")
def start(file: Name, columns: Columns | None = None) -> str:
    """Start importing *file* (a name from the inbox); returns the job to follow with `progress`."""


@operation("importer.progress", reads=True)
def progress(job: Code) -> ImportProgress:
    """How far the import has got, and its report when it is done."""


@operation("importer.stop")
def stop(job: Code) -> None:
    """Stop the import after the current batch (the batches saved so far are kept)."""


@operation("importer.runs", reads=True)
def runs() -> list[ImportRunView]:
    """The latest imports, newest first (to undo one)."""


@operation("importer.undo")
def undo(run: Id) -> UndoReport:
    """Take an import back: its companies nobody has worked on since are deleted, what it added to existing
    companies (phones, contacts, filled fields) is removed."""
