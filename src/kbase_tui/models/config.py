"""Rules the business changes without a code change: outcomes, reasons, scripts, targets, settings."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from .base import utcnow


class CallOutcome(SQLModel, table=True):
    """A cold-call outcome with the flags that decide what happens to the lead."""

    __tablename__ = "call_outcome"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, unique=True)
    label_ru: str = Field(max_length=80)
    label_en: str = Field(max_length=80)
    key: str = Field(max_length=16)  # one key on the queue screen
    position: int = 0
    contact_made: bool = False
    is_retry: bool = False  # no answer / busy: back to the queue after a delay
    is_refusal: bool = False
    is_do_not_call: bool = False
    is_callback: bool = False
    is_handover: bool = False
    is_unworkable: bool = False  # wrong number / bad data: to the supervisor
    active: bool = True


class Reason(SQLModel, table=True):
    """A reason from a short configurable list (refusal, lost deal, lost client)."""

    __tablename__ = "reason"
    __table_args__ = (UniqueConstraint("kind", "code"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16)  # refusal | lost_deal | lost_client
    code: str = Field(max_length=32)
    label_ru: str = Field(max_length=120)
    label_en: str = Field(max_length=120)
    position: int = 0
    active: bool = True


class CallScript(SQLModel, table=True):
    """The template phrase and the one key question for a segment.

    A script with neither channel nor industry is the default; a narrower one
    wins (industry over channel over default).
    """

    __tablename__ = "call_script"

    id: int | None = Field(default=None, primary_key=True)
    purpose: str = Field(default="cold", max_length=16)  # cold | follow_up
    language: str = Field(max_length=8)
    channel: str = Field(default="", max_length=60)
    industry: str = Field(default="", max_length=120)
    template_phrase: str = ""
    key_question: str = ""
    updated_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    updated_at: datetime = Field(default_factory=utcnow)


class Target(SQLModel, table=True):
    """A plan for one user, metric and period (day/week/month starting on a date)."""

    __tablename__ = "target"
    __table_args__ = (UniqueConstraint("user_id", "metric", "period", "starts_on"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", index=True)
    metric: str = Field(max_length=32)  # calls | handovers | refusals | deals_won | revenue | orders
    period: str = Field(max_length=8)  # day | week | month
    starts_on: date
    value: int


class Setting(SQLModel, table=True):
    """A tunable (lease minutes, attempts before unreachable ...) as JSON text."""

    __tablename__ = "setting"

    key: str = Field(primary_key=True, max_length=64)
    value: str
    updated_at: datetime = Field(default_factory=utcnow)
