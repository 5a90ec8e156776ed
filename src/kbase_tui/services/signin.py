"""Limits on guessing passwords, per terminal, so that nobody can lock someone else out.

Three counters, each over a window of `WINDOW` (a row of `sign_in_failure` per counter):

- `pair` (user name, terminal address): `PAIR_LIMIT` failures lock that terminal out of that
  account for `LOCK`.  The person at another terminal, the account's owner, still signs in.
- `address` (terminal address, any name): `ADDRESS_LIMIT` failures lock that terminal out of
  every account for `LOCK` (one terminal trying many names).
- `user` (user name, any terminal): past `USER_SLOW` failures the account's sign-ins answer
  slowly (`SLOW_SECONDS`) and the head of sales is told; the account is never locked by this.

A blocked terminal gets the same answer as a wrong password, after the password was checked
all the same, so neither the answer nor its time says whether the password was right.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from kbase_tui.models import SignInFailure

WINDOW = timedelta(minutes=15)
LOCK = timedelta(minutes=15)
PAIR_LIMIT = 5
ADDRESS_LIMIT = 20
USER_SLOW = 20
SLOW_SECONDS = 2.0

PAIR, ADDRESS, USER = "pair", "address", "user"


@dataclass(frozen=True)
class Verdict:
    blocked: bool  # this terminal may not sign in to this account now
    slow: float  # seconds the answer waits (an account under attack)


def _aware(value: datetime | None, like: datetime) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=like.tzinfo)


def _rows(session: Session, username: str, address: str) -> dict[str, SignInFailure]:
    keys = ((PAIR, username, address), (ADDRESS, "", address), (USER, username, ""))
    found: dict[str, SignInFailure] = {}
    for scope, name, where in keys:
        row = session.get(SignInFailure, (scope, name, where))
        if row is not None:
            found[scope] = row
    return found


def verdict(session: Session, username: str, address: str, now: datetime) -> Verdict:
    rows = _rows(session, username, address)
    blocked = any(
        (_aware(row.locked_until, now) or now) > now for scope, row in rows.items() if scope in (PAIR, ADDRESS)
    )
    user = rows.get(USER)
    slow = (
        SLOW_SECONDS
        if (user is not None and user.failures >= USER_SLOW and _aware(user.window_start, now) + WINDOW > now)
        else 0.0
    )
    return Verdict(blocked, slow)


def record_failure(session: Session, username: str, address: str, now: datetime) -> dict[str, int]:
    """Count one failure on each counter; lock what crossed its limit.  Returns the counts by scope."""
    counts = {}
    for scope, name, where, limit in (
        (PAIR, username, address, PAIR_LIMIT),
        (ADDRESS, "", address, ADDRESS_LIMIT),
        (USER, username, "", None),
    ):
        row = session.get(SignInFailure, (scope, name, where))
        if row is None:
            row = SignInFailure(scope=scope, username=name, address=where, failures=0, window_start=now)
            session.add(row)
        elif _aware(row.window_start, now) + WINDOW <= now:
            row.failures, row.window_start = 0, now
        row.failures += 1
        if limit is not None and row.failures >= limit:
            row.locked_until = now + LOCK
            row.failures, row.window_start = 0, now
        counts[scope] = row.failures
    session.flush()
    return counts


def locked_until(session: Session, username: str, now: datetime) -> datetime | None:
    """Until when some terminal is locked out of *username* (for the administrator's list), or None."""
    values = (
        session.execute(
            select(SignInFailure.locked_until).where(SignInFailure.scope == PAIR, SignInFailure.username == username)
        )
        .scalars()
        .all()
    )
    current = [moment for v in values if (moment := _aware(v, now)) is not None and moment > now]
    return max(current) if current else None


def forget(session: Session, username: str, address: str | None = None) -> None:
    """A right password from *address* (or the administrator enabling the account: every address)."""
    query = delete(SignInFailure).where(SignInFailure.scope == PAIR, SignInFailure.username == username)
    if address is not None:
        query = query.where(SignInFailure.address == address)
    session.execute(query)
