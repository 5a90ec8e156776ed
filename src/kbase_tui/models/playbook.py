"""The head of sales' playbook: second responsible persons of key clients, and activation plans."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from .base import utcnow


class SecondPerson(SQLModel, table=True):
    """A second responsible person of a key client: they may read the client, never change it.

    The assignment holds while it is not removed and the company stays at the stage it was made at
    (`stage`): a client moving on to another link of the conveyor ends it, as it ends the owner's.
    Rows are kept after removal, so who could read which client stays known.
    """

    __tablename__ = "second_person"
    __table_args__ = (Index("ix_second_person_user_open", "user_id", "removed_at"),)

    id: int | None = Field(default=None, primary_key=True)
    company_id: int = Field(foreign_key="company.id", index=True)
    user_id: int = Field(foreign_key="user_account.id")
    stage: str = Field(max_length=16)
    assigned_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    assigned_at: datetime = Field(default_factory=utcnow)
    removed_at: datetime | None = None
    removed_by_id: int | None = Field(default=None, foreign_key="user_account.id")


class ActivationPlan(SQLModel, table=True):
    """How many potential clients the team is to activate (first contract or order) in a month."""

    __tablename__ = "activation_plan"

    id: int | None = Field(default=None, primary_key=True)
    month: date = Field(unique=True)  # the month's first day
    value: int
    updated_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    updated_at: datetime = Field(default_factory=utcnow)
