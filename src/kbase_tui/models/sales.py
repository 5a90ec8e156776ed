"""Deals in the closers' pipeline, orders of active clients, refusals."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import Column, Index, Numeric
from sqlmodel import Field, SQLModel

from .base import utcnow


class DealStatus(StrEnum):
    OPEN = "open"
    WON = "won"
    LOST = "lost"


class Deal(SQLModel, table=True):
    __tablename__ = "deal"
    __table_args__ = (Index("ix_deal_closer_status", "closer_id", "status", "next_step_due"),)

    id: int | None = Field(default=None, primary_key=True)
    company_id: int = Field(foreign_key="company.id", index=True)
    closer_id: int | None = Field(default=None, foreign_key="user_account.id")
    handed_over_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    stage_code: str = Field(max_length=32)
    status: str = Field(default=DealStatus.OPEN, max_length=8, index=True)
    expected_amount: Decimal = Field(
        default=Decimal("0"), sa_column=Column(Numeric(16, 2), nullable=False, server_default="0")
    )
    requirements: str = ""
    next_step: str = ""
    next_step_due: date | None = None
    lost_reason: str = Field(default="", max_length=32)
    lost_comment: str = ""
    supervisor_comment: str = ""
    contract_date: date | None = None
    contract_amount: Decimal | None = Field(default=None, sa_column=Column(Numeric(16, 2), nullable=True))
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    last_activity_at: datetime = Field(default_factory=utcnow)
    closed_at: datetime | None = None
    version: int = 1


class PipelineStage(SQLModel, table=True):
    """Configurable pipeline stages; codes are stable, labels are per language."""

    __tablename__ = "pipeline_stage"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, unique=True)
    label_ru: str = Field(max_length=80)
    label_en: str = Field(max_length=80)
    position: int = 0
    is_won: bool = False
    is_lost: bool = False
    active: bool = True


class ClientOrder(SQLModel, table=True):
    __tablename__ = "client_order"
    __table_args__ = (Index("ix_order_company_date", "company_id", "ordered_at"),)

    id: int | None = Field(default=None, primary_key=True)
    company_id: int = Field(foreign_key="company.id")
    ordered_at: date
    items: str = ""
    amount: Decimal = Field(sa_column=Column(Numeric(16, 2), nullable=False))
    margin: Decimal | None = Field(default=None, sa_column=Column(Numeric(16, 2), nullable=True))
    deal_id: int | None = Field(default=None, foreign_key="deal.id")
    account_manager_id: int | None = Field(default=None, foreign_key="user_account.id")
    created_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    created_at: datetime = Field(default_factory=utcnow)


class RefusalDecision(StrEnum):
    SPECIAL_OFFER = "special_offer"
    SHELVE = "shelve"
    DO_NOT_CALL = "do_not_call"


class Refusal(SQLModel, table=True):
    """An entry of the refusal list (лист отказов) and the supervisor's decision."""

    __tablename__ = "refusal"
    __table_args__ = (Index("ix_refusal_at", "refused_at"), Index("ix_refusal_decision", "decision", "refused_at"))

    id: int | None = Field(default=None, primary_key=True)
    company_id: int = Field(foreign_key="company.id", index=True)
    caller_id: int | None = Field(default=None, foreign_key="user_account.id", index=True)
    refused_at: datetime = Field(default_factory=utcnow)
    reason_code: str = Field(max_length=32, index=True)
    comment: str = ""
    decision: str | None = Field(default=None, max_length=16)
    decided_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    decided_at: datetime | None = None
    offer_text: str = ""
    offer_user_id: int | None = Field(default=None, foreign_key="user_account.id")
    shelved_until: datetime | None = None
