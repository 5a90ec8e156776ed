"""Shared column helpers.

Timestamps are timezone-aware UTC (SQLModel's UTCDateTime refuses naive
values); screens convert to local time for display.
"""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
