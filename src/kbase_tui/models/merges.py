"""Two companies that were one client, merged by the head of sales, and how to split them again."""

from __future__ import annotations

from datetime import datetime

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
