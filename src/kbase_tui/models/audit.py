from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from .base import utcnow


class AuditEvent(SQLModel, table=True):
    """Who did what to which record, chained by HMAC so edits are detectable."""

    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_entity", "entity", "entity_id", "at"), Index("ix_audit_actor_at", "actor", "at"))

    id: Optional[int] = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    actor: str = Field(max_length=96)  # username, or local:<OS user> for the CLI
    actor_id: Optional[int] = Field(default=None, foreign_key="user_account.id")
    action: str = Field(max_length=48, index=True)
    entity: str = Field(default="", max_length=32)
    entity_id: Optional[int] = None
    detail: str = ""  # JSON
    client_address: str = Field(default="", max_length=64)  # from SSH_CONNECTION
    prev_hmac: str = Field(default="", max_length=64)
    hmac: str = Field(default="", max_length=64)


class AuditHead(SQLModel, table=True):
    """One row holding the last HMAC: locked while appending, so the chain stays linear."""

    __tablename__ = "audit_head"

    id: int = Field(default=1, primary_key=True)
    last_event_id: int = 0
    last_hmac: str = Field(default="", max_length=64)
