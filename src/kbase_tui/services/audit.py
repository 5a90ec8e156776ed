"""The audit trail: append-only, every event chained to the previous by HMAC.

Appending locks the single `audit_head` row, so concurrent writers form one
linear chain on PostgreSQL; on SQLite the write transaction already serialises.
`verify_chain` finds an edited, inserted or deleted event and names it.
"""

from __future__ import annotations

import functools
import hashlib
import hmac as hmac_lib
import json
import os
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from kbase_tui.models import AuditEvent, AuditHead, utcnow

from . import keystore
from .dto import Actor


def client_address() -> str:
    """The SSH client's address, when the app runs under sshd."""
    conn = os.environ.get("SSH_CONNECTION") or os.environ.get("SSH_CLIENT") or ""
    return conn.split()[0] if conn else ""


@functools.lru_cache(maxsize=8)
def _key_for(database_url: str) -> bytes:
    return keystore.get_key("audit", database_url)[0]


def _session_url(session: Session) -> str:
    bind = session.get_bind()
    return bind.url.render_as_string(hide_password=True)


def _content(event: AuditEvent) -> bytes:
    fields = [
        str(event.id), event.at.isoformat(timespec="microseconds"), event.actor, str(event.actor_id or ""),
        event.action, event.entity, str(event.entity_id or ""), event.detail, event.client_address, event.prev_hmac,
    ]
    return "\x1f".join(fields).encode("utf-8")


def compute_hmac(key: bytes, event: AuditEvent) -> str:
    return hmac_lib.new(key, _content(event), hashlib.sha256).hexdigest()


def record(
    session: Session,
    actor: Actor | str,
    action: str,
    entity: str = "",
    entity_id: int | None = None,
    **detail: object,
) -> None:
    """Append one event in the caller's transaction (it commits or rolls back with it)."""
    if isinstance(actor, Actor):
        name, actor_id, address = actor.username, actor.id, actor.client_address or client_address()
    else:
        name, actor_id, address = actor, None, client_address()
    key = _key_for(_session_url(session))
    head = session.execute(select(AuditHead).where(AuditHead.id == 1).with_for_update()).scalar_one_or_none()
    if head is None:
        head = AuditHead(id=1, last_event_id=0, last_hmac="")
        session.add(head)
        session.flush()
    event = AuditEvent(
        at=utcnow(), actor=name, actor_id=actor_id, action=action, entity=entity, entity_id=entity_id,
        detail=json.dumps(detail, ensure_ascii=False, default=str, sort_keys=True) if detail else "",
        client_address=address, prev_hmac=head.last_hmac,
    )
    session.add(event)
    session.flush()  # assigns the id that the HMAC covers
    event.hmac = compute_hmac(key, event)
    session.execute(update(AuditHead).where(AuditHead.id == 1).values(last_event_id=event.id, last_hmac=event.hmac))
    session.flush()


@dataclass(frozen=True)
class ChainProblem:
    event_id: int
    problem: str


def verify_chain(session: Session) -> list[ChainProblem]:
    """Walk the chain in id order; report every event that does not fit."""
    key = _key_for(_session_url(session))
    problems: list[ChainProblem] = []
    previous = ""
    previous_id = 0
    for event in session.execute(select(AuditEvent).order_by(AuditEvent.id)).scalars().yield_per(2000):
        if event.prev_hmac != previous:
            if previous_id and event.id != previous_id + 1:
                problems.append(ChainProblem(event.id, f"event(s) {previous_id + 1}..{event.id - 1} deleted"))
            else:
                problems.append(ChainProblem(event.id, "does not follow the previous event (inserted or reordered)"))
        if not hmac_lib.compare_digest(compute_hmac(key, event), event.hmac):
            problems.append(ChainProblem(event.id, "content edited (HMAC mismatch)"))
        previous, previous_id = event.hmac, event.id
    head = session.get(AuditHead, 1)
    if head is not None and head.last_hmac != previous:
        problems.append(ChainProblem(head.last_event_id, "last event(s) deleted or head altered"))
    return problems


def local_actor_name() -> str:
    import getpass

    try:
        return f"local:{getpass.getuser()}"
    except Exception:
        return f"local:uid{os.getuid()}"


def since(days: int) -> datetime:
    from datetime import timedelta

    return utcnow() - timedelta(days=days)
