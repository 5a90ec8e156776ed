"""Possible duplicates for the head of sales: pairs of companies that may be one client.

A pair comes from the import (a shared phone, names that differ) or from a scan of the base (a shared
phone, or the same name once case, ё, quotes and the legal form are set aside).  The head of sales opens
either card, merges them (`companies.merge`, which can be undone) or marks them not a duplicate.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

import msgspec

from .operations import operation
from .types import Id

PAGE_SIZE = 100
PageLimit = Annotated[int, msgspec.Meta(ge=1, le=500)]


@dataclass(frozen=True)
class DuplicateSide:
    id: int
    name: str
    inn: str | None
    city: str
    stage: str
    category: str
    version: int  # for the merge: the card it keeps must not have changed meanwhile


@dataclass(frozen=True)
class DuplicateRow:
    id: int
    reason: str  # phone | name
    detail: str  # the shared phone (E.164), or the name as compared
    found_at: datetime
    first: DuplicateSide  # the older record (the lower id)
    second: DuplicateSide


@dataclass(frozen=True)
class DuplicatePage:
    rows: tuple[DuplicateRow, ...]
    next_after: int | None  # pass back as *after* for the next page; None: the last page
    total: int  # open pairs in all


@dataclass(frozen=True)
class DuplicateScan:
    phone: int  # pairs sharing a phone found in the base
    name: int  # pairs with the same name
    new: int  # of those, not in the list before (nor marked not a duplicate)
    waiting: int  # open pairs in the list now


@operation("duplicates.pairs", reads=True)
def pairs(*, after: Id | None = None, limit: PageLimit = PAGE_SIZE) -> DuplicatePage:
    """The open pairs, oldest first, a page at a time (audited as a list view)."""


@operation("duplicates.scan")
def scan() -> DuplicateScan:
    """Look through the whole base for companies sharing a phone or a name; new pairs join the list."""


@operation("duplicates.dismiss")
def dismiss(pair_id: Id) -> None:
    """Mark a pair "not a duplicate": remembered, audited, written in both companies' histories."""
