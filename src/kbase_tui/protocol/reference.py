"""reference: data and operations."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class OutcomeInfo:
    code: str
    label: str
    key: str
    contact_made: bool
    is_retry: bool
    is_refusal: bool
    is_do_not_call: bool
    is_callback: bool
    is_handover: bool
    is_unworkable: bool


@dataclass(frozen=True)
class ReasonInfo:
    kind: str
    code: str
    label: str


@dataclass(frozen=True)
class StageInfo:
    code: str
    label: str
    position: int
    is_won: bool
    is_lost: bool
