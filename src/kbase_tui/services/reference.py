"""Rules as data: outcomes, reasons, pipeline stages, call scripts and settings.

Shipped defaults come from `data/defaults.json` and `data/call_scripts.json`
and are loaded into an empty database; afterwards the database is the truth.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from time import monotonic
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kbase_tui import shipped
from kbase_tui.i18n import current_language
from kbase_tui.models import CallOutcome, CallScript, PipelineStage, Reason, Setting, utcnow

from .db import LeanTx

if TYPE_CHECKING:
    from kbase_tui.protocol.session import SessionLimits
from kbase_tui.protocol.reference import OutcomeInfo, ReasonInfo, StageInfo


@functools.cache
def shipped_defaults() -> dict[str, Any]:
    return shipped.read_json("defaults.json")


@functools.cache
def shipped_scripts() -> dict[str, Any]:
    return shipped.read_json("call_scripts.json")


def ensure_defaults(session: Session) -> None:
    """Fill empty reference tables with the shipped defaults (idempotent)."""
    defaults = shipped_defaults()
    if not session.execute(select(func.count()).select_from(CallOutcome)).scalar_one():
        for position, row in enumerate(defaults["call_outcomes"]):
            session.add(CallOutcome(position=position, **row))
    if not session.execute(select(func.count()).select_from(Reason)).scalar_one():
        for kind, rows in defaults["reasons"].items():
            for position, row in enumerate(rows):
                session.add(Reason(kind=kind, position=position, **row))
    if not session.execute(select(func.count()).select_from(PipelineStage)).scalar_one():
        for position, row in enumerate(defaults["pipeline_stages"]):
            session.add(PipelineStage(position=position, **row))
    if not session.execute(select(func.count()).select_from(CallScript)).scalar_one():
        for purpose, rows in shipped_scripts().items():
            if purpose.startswith("_"):
                continue
            for row in rows:
                session.add(CallScript(purpose=purpose, **row))
    session.flush()


def label(row: Any, language: str | None = None) -> str:
    """The label of a configurable row in the current language."""
    language = language or current_language()
    return getattr(row, f"label_{language}", None) or row.label_en


# --- settings ------------------------------------------------------------------


def get_setting(session: Session, key: str) -> Any:
    row = session.get(Setting, key)
    if row is not None:
        return json.loads(row.value)
    return shipped_defaults()["settings"][key]


SETTINGS_TTL = 10.0  # seconds a process may keep a setting read on a hot path
_settings_cache: dict[tuple[str, str], tuple[float, Any]] = {}


def get_setting_cached(session: Session, key: str) -> Any:
    """A setting read at most every SETTINGS_TTL seconds per database and process.

    For the hot paths (every lead claim, every card view): a change made in another
    process applies within SETTINGS_TTL seconds; one made in this process at once.
    """
    return _cached(str(session.get_bind().url), key, lambda: get_setting(session, key))


_SETTING_SQL = "SELECT value FROM setting WHERE key = :key"


def get_setting_lean(tx: LeanTx, key: str) -> Any:
    """`get_setting_cached` inside a lean transaction (db.LeanTx)."""

    def load() -> Any:
        value = tx.scalar(_SETTING_SQL, {"key": key})
        return json.loads(value) if value is not None else shipped_defaults()["settings"][key]

    return _cached(tx.database_name, key, load)


def cached_setting(database_name: str, key: str, load: Callable[[], Any]) -> Any:
    """A setting kept SETTINGS_TTL seconds per database and process; *load* reads it on a miss."""
    return _cached(database_name, key, load)


def _cached(database_name: str, key: str, load: Callable[[], Any]) -> Any:
    hit = _settings_cache.get((database_name, key))
    moment = monotonic()
    if hit is not None and moment - hit[0] < SETTINGS_TTL:
        return hit[1]
    value = load()
    _settings_cache[(database_name, key)] = (moment, value)
    return value


def set_setting(session: Session, key: str, value: Any) -> None:
    if key not in shipped_defaults()["settings"]:
        raise KeyError(key)
    for cached in [k for k in _settings_cache if k[1] == key]:
        del _settings_cache[cached]
    row = session.get(Setting, key)
    text = json.dumps(value, ensure_ascii=False)
    if row is None:
        session.add(Setting(key=key, value=text))
    else:
        row.value = text
        row.updated_at = utcnow()


def outcomes(session: Session) -> list[OutcomeInfo]:
    rows = session.execute(
        select(CallOutcome).where(CallOutcome.active.is_(True)).order_by(CallOutcome.position)
    ).scalars()
    return [
        OutcomeInfo(
            code=r.code,
            label=label(r),
            key=r.key,
            contact_made=r.contact_made,
            is_retry=r.is_retry,
            is_refusal=r.is_refusal,
            is_do_not_call=r.is_do_not_call,
            is_callback=r.is_callback,
            is_handover=r.is_handover,
            is_unworkable=r.is_unworkable,
        )
        for r in rows
    ]


def reasons(session: Session, kind: str) -> list[ReasonInfo]:
    rows = session.execute(
        select(Reason).where(Reason.kind == kind, Reason.active.is_(True)).order_by(Reason.position)
    ).scalars()
    return [ReasonInfo(kind=r.kind, code=r.code, label=label(r)) for r in rows]


def pipeline_stages(session: Session) -> list[StageInfo]:
    rows = session.execute(
        select(PipelineStage).where(PipelineStage.active.is_(True)).order_by(PipelineStage.position)
    ).scalars()
    return [
        StageInfo(code=r.code, label=label(r), position=r.position, is_won=r.is_won, is_lost=r.is_lost) for r in rows
    ]


def session_limits(db) -> SessionLimits:
    """What the terminal app needs to know at sign-in: the idle lock's and a lead lease's minutes."""
    from kbase_tui.protocol.session import SessionLimits

    with db.read() as session:
        idle = get_setting(session, "security.idle_lock_minutes")
        lease = get_setting(session, "queue.lease_minutes")
        centre = str(get_setting(session, "centre.time_zone") or "")
    return SessionLimits(
        idle_lock_minutes=int(float(idle or 0)), lead_lease_minutes=int(float(lease or 0)), centre_time_zone=centre
    )
