"""Runs of the importer, so that the head of sales can undo one."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from .base import utcnow


class ImportRun(SQLModel, table=True):
    """One import of a file: the companies, contacts and phones it created carry its id (import_run_id)."""

    __tablename__ = "import_run"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int | None = Field(default=None, foreign_key="user_account.id")
    actor: str = Field(default="", max_length=80)  # the user name, or local:<OS user> for `kbase import`
    file: str = Field(default="", max_length=200)
    started_at: datetime = Field(default_factory=utcnow)
    finished_at: datetime | None = None
    rows: int = 0
    imported: int = 0
    merged: int = 0
    undone_at: datetime | None = None
    undone_by: str = Field(default="", max_length=80)


class ImportChange(SQLModel, table=True):
    """A field of an existing company the run filled (it was empty): undo empties it again if it still holds
    this value."""

    __tablename__ = "import_change"

    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(foreign_key="import_run.id", index=True)
    company_id: int = Field(foreign_key="company.id", index=True)
    field: str = Field(max_length=16)
    value: str = Field(default="", max_length=300)
