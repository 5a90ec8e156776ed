"""The append-only history of every client, and tasks that point to the future."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from .base import utcnow


class InteractionKind(StrEnum):
    CALL = "call"  # a cold call with its outcome
    FOLLOW_UP = "follow_up"  # an account manager's scripted call
    MEETING = "meeting"
    NOTE = "note"
    STAGE = "stage"  # a deal moved between pipeline stages
    HANDOVER = "handover"  # the company moved to another link of the conveyor
    DECISION = "decision"  # a supervisor's decision (refusal review, reassign ...)
    ORDER = "order"
    QUALITY = "quality"  # satisfaction check after a purchase
    SYSTEM = "system"  # import, merge, lost/returned, transfer


class Interaction(SQLModel, table=True):
    """One entry of a company's history.  Never updated or deleted."""

    __tablename__ = "interaction"
    __table_args__ = (
        Index("ix_interaction_company_at", "company_id", "at"),
        # One operator's calls of a day (the counters beside every lead), from the index alone (migration 0020).
        Index("ix_interaction_user_kind_at", "user_id", "kind", "at", "outcome"),
        # The reports: calls of a period by user and outcome, read from the index alone (migration 0004).
        Index("ix_interaction_kind_at", "kind", "at", "user_id", "outcome"),
    )

    id: int | None = Field(default=None, primary_key=True)
    company_id: int = Field(foreign_key="company.id")
    user_id: int | None = Field(default=None, foreign_key="user_account.id")
    deal_id: int | None = Field(default=None, foreign_key="deal.id")
    at: datetime = Field(default_factory=utcnow)
    kind: str = Field(max_length=16)
    outcome: str = Field(default="", max_length=32)  # outcome code, stage code, reason code ...
    text: str = ""
    # The facts of an entry the program wrote, as JSON, put in words in the reader's language
    # (services/history_labels.py render_entry); "" for entries people typed.
    params: str = Field(default="", sa_column_kwargs={"server_default": ""})


class TaskKind(StrEnum):
    FOLLOW_UP = "follow_up"
    QUALITY_CHECK = "quality_check"
    RETURN = "return"  # win back a lost client
    NEXT_STEP = "next_step"
    OTHER = "other"
    CROSS_SELL = "cross_sell"  # offer a category of the standard the client does not buy yet
    SPECIALIST = "specialist"  # a specialist brought into the client; their access lasts while it is open


class FollowUpTask(SQLModel, table=True):
    __tablename__ = "follow_up_task"
    __table_args__ = (Index("ix_task_assignee_open", "assignee_id", "done_at", "due_at"),)

    id: int | None = Field(default=None, primary_key=True)
    company_id: int = Field(foreign_key="company.id", index=True)
    assignee_id: int | None = Field(default=None, foreign_key="user_account.id")
    kind: str = Field(max_length=16)
    due_at: datetime
    text: str = ""
    done_at: datetime | None = None
    result: str = ""
    score: int | None = None  # 1..5 for quality checks
    order_id: int | None = Field(default=None, foreign_key="client_order.id")
    created_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    created_at: datetime = Field(default_factory=utcnow)
    version: int = 1


class Draft(SQLModel, table=True):
    """Text being typed, kept so a dropped connection loses nothing."""

    __tablename__ = "draft"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", index=True)
    context: str = Field(max_length=120)  # e.g. "note:company:42"
    text: str = ""
    updated_at: datetime = Field(default_factory=utcnow)
