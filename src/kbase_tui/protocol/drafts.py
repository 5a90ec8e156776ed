"""Drafts: text being typed, kept on the server as it is typed, offered back after a dropped link."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from .operations import operation
from .types import Code, Text

Context = Code  # "note:company:12", "note:deal:7": what the text was being typed for


@dataclass(frozen=True)
class DraftInfo:
    id: int
    context: str
    text: str
    updated_at: datetime


@dataclass(frozen=True)
class LeftoverDraft:
    context: str
    text: str
    updated_at: datetime
    company_name: str | None  # None: the user no longer has access to that company


@operation("drafts.save")
def save_draft(context: Context, text: Text) -> None:
    """Keep the latest text typed for *context* (an empty text removes the draft)."""


@operation("drafts.mine", reads=True)
def drafts_of() -> list[DraftInfo]:
    """The signed-in person's drafts."""


@operation("drafts.discard")
def discard_draft(context: Context) -> None:
    """Forget the draft for *context*."""


@operation("drafts.leftovers", reads=True)
def leftover_drafts() -> list[LeftoverDraft]:
    """Drafts of notes left from an earlier session, with the company where it is still visible."""


@operation("drafts.save_leftover_as_note")
def save_leftover_as_note(context: Context) -> None:
    """Write a leftover draft into the company's history, then forget it."""
