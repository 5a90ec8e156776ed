"""Specialists (project managers, technical specialists) brought into a client by its account manager.

A specialist sees the card of a client only while the task that brought them in is open
(services.policy); closing it takes the card away."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from .accounts import TaskInfo
from .clients import CompanyInfo, ContactInfo, HistoryEntry
from .operations import operation
from .types import Count, Id, Text


@dataclass(frozen=True)
class SpecialistInfo:
    id: int
    name: str


@dataclass(frozen=True)
class SpecialistCard:
    company: CompanyInfo
    contacts: tuple[ContactInfo, ...]
    tasks: tuple[TaskInfo, ...]  # the specialist's own open tasks at this client
    account_manager: str


@operation("specialists.people", reads=True)
def people() -> list[SpecialistInfo]:
    """The active specialists, for an account manager to choose from."""


@operation("specialists.bring_in")
def bring_in(company_id: Id, specialist_id: Id, text: Text, due: date) -> TaskInfo:
    """Bring a specialist into a client for a task or a visit: they see its card while the task is open."""


@operation("specialists.open_tasks", reads=True)
def open_tasks(company_id: Id) -> list[TaskInfo]:
    """The specialists' open tasks at one client (its account manager, the head of sales)."""


@operation("specialists.my_assignments", reads=True)
def my_assignments() -> list[TaskInfo]:
    """The specialist's open tasks, soonest due first."""


@operation("specialists.card", reads=True)
def card(company_id: Id) -> SpecialistCard:
    """The card of a client the specialist was brought into (audited as a card view)."""


@operation("specialists.history", reads=True)
def history(company_id: Id, *, limit: Count = 50, before_id: Id | None = None) -> list[HistoryEntry]:
    """That client's history, newest first, while the specialist's task is open."""


@operation("specialists.close")
def close(task_id: Id, result: Text = "") -> TaskInfo:
    """Close a specialist's task with its result (the specialist, the account manager or the head of sales)."""
