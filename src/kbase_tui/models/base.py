"""Shared column helpers.

Timestamps are timezone-aware UTC (SQLModel's UTCDateTime refuses naive
values); screens convert to local time for display.
"""

from __future__ import annotations

from datetime import datetime, timezone


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
