"""Two companies that were one client, merged by the head of sales, and how to split them again."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Integer, UniqueConstraint
from sqlmodel import Field, SQLModel

from .base import utcnow


class CompanyMerge(SQLModel, table=True):
    """One merge: the duplicate (`source`) folded into the company kept (`target`).

    `moved` names every row that moved (JSON: table → ids) and `source_state` the duplicate's
    queue state before the merge, so the merge can be undone exactly: the rows go back and the
    duplicate returns to where it was.  Nothing is deleted by a merge.
    """

    __tablename__ = "company_merge"

    id: int | None = Field(default=None, primary_key=True)
    source_id: int = Field(foreign_key="company.id", index=True)
    target_id: int = Field(foreign_key="company.id", index=True)
    merged_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    merged_at: datetime = Field(default_factory=utcnow)
    moved: str = ""  # JSON {"contact": [ids], "phone": [...], "interaction": [...], ...}
    source_state: str = ""  # JSON of the duplicate's fields the merge changed
    undone_at: datetime | None = None
    undone_by_id: int | None = Field(default=None, foreign_key="user_account.id")


class DuplicatePair(SQLModel, table=True):
    """Two companies that may be one client, for the head of sales to merge or to mark "not a duplicate".

    Found by the import (a phone of the file already belongs to another company whose name differs)
    or by a scan of the base (a shared phone, or the same name once case, ё, quotes and the legal form
    are set aside).  One row per pair, the lower id first; a pair marked "not a duplicate" keeps its
    row (`dismissed_at`), so no later scan or import offers it again.  A pair disappears from the list
    by itself once either company is merged into another.
    """

    __tablename__ = "duplicate_pair"
    __table_args__ = (UniqueConstraint("company_id", "other_id", name="uq_duplicate_pair"),)

    id: int | None = Field(default=None, primary_key=True)
    company_id: int = Field(sa_column=Column(Integer, ForeignKey("company.id", ondelete="CASCADE"), nullable=False))
    other_id: int = Field(
        sa_column=Column(Integer, ForeignKey("company.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    reason: str = Field(default="phone", max_length=16)  # phone | name
    detail: str = Field(default="", max_length=300)  # the shared phone, or the name as compared
    found_at: datetime = Field(default_factory=utcnow)
    dismissed_at: datetime | None = None
    dismissed_by_id: int | None = Field(default=None, foreign_key="user_account.id")
