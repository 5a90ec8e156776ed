from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index
from sqlmodel import Field, SQLModel

from .base import utcnow


class AuditEvent(SQLModel, table=True):
    """Who did what to which record, chained by HMAC so edits are detectable."""

    __tablename__ = "audit_event"
    # Every index here is written on every claim and card view: only those a query uses.
    # Events about a client are found by company_id (derived from entity and detail).
    __table_args__ = (
        Index("ix_audit_actor_at", "actor", "at"),
        Index("ix_audit_company_at", "company_id", "at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    actor: str = Field(max_length=96)  # username, or local:<OS user> for the CLI
    actor_id: int | None = Field(default=None, foreign_key="user_account.id")
    action: str = Field(max_length=48, index=True)
    entity: str = Field(default="", max_length=32)
    entity_id: int | None = None
    detail: str = ""  # JSON
    client_address: str = Field(default="", max_length=64)  # from SSH_CONNECTION
    prev_hmac: str = Field(default="", max_length=64)
    hmac: str = Field(default="", max_length=64)
    # The client the event concerns (entity company, or detail company_id): derived
    # from fields the HMAC covers, and checked against them by verify_chain.
    company_id: int | None = None
    # The sealing epoch whose key signed this event (services/audit.py); None: signed with the
    # single key used before sealing existed.
    epoch: int | None = None


class AuditHead(SQLModel, table=True):
    """One row holding the last HMAC: locked while appending, so the chain stays linear."""

    __tablename__ = "audit_head"

    id: int = Field(default=1, primary_key=True)
    last_event_id: int = 0
    last_hmac: str = Field(default="", max_length=64)
    # Names the HMAC key in the key store, so the chain verifies wherever the
    # database file is moved or restored (not tied to its path or URL).
    chain_id: str = Field(default="", max_length=32)
    # Forward-secure sealing (services/audit.py): the epoch of the newest event, when epoch 0
    # began (Unix seconds) and how long an epoch lasts; None: the chain is not sealed yet.
    seal_epoch: int | None = None
    seal_start: int | None = Field(default=None, sa_type=BigInteger)
    epoch_seconds: int = 0
    epoch_first_id: int = 0  # the first event of the current epoch (its seal names it)


class SecurityAlarm(SQLModel, table=True):
    """A user working faster than a person can (card views per hour, leads per minute).

    One open alarm per user and kind: later bursts raise its count and its
    throttle; the supervisor closes it or locks the user.
    """

    __tablename__ = "security_alarm"
    __table_args__ = (Index("ix_security_alarm_user_kind_open", "user_id", "kind", "closed_at"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id")
    kind: str = Field(max_length=24)  # card_views | lead_claims
    raised_at: datetime = Field(default_factory=utcnow, index=True)
    last_at: datetime = Field(default_factory=utcnow)
    observed: int = 0  # the highest count seen in the window
    limit: int = 0
    excess: int = 0  # how many actions went over the limit while open: drives the delay
    throttle_until: datetime | None = None
    closed_at: datetime | None = None
    closed_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    resolution: str = Field(default="", max_length=16)  # dismissed | locked


class RateCounter(SQLModel, table=True):
    """How many times a user did one thing in the current and the previous fixed window.

    Lead claims per minute are checked on every claim: counting the audit log's
    events of the last minute grows with the rate being measured, this row does
    not (a sliding-window estimate from two fixed windows).
    """

    __tablename__ = "rate_counter"
    __table_args__ = {"sqlite_with_rowid": False}  # one B-tree, not two: one page less per claim

    user_id: int = Field(foreign_key="user_account.id", primary_key=True)
    kind: str = Field(max_length=24, primary_key=True)  # lead_claims
    window_no: int = 0  # epoch seconds // window length
    hits: int = 0  # in window window_no
    prev_hits: int = 0  # in window window_no - 1
