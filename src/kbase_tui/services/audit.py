"""The audit trail: append-only, every event chained to the previous by HMAC.

Appending locks the single `audit_head` row, so concurrent writers form one
linear chain on PostgreSQL; on SQLite the write transaction already serialises.
`verify_chain` finds an edited, inserted or deleted event and names it.

The HMAC key is named by the chain id kept in `audit_head` (not by the
database's path or URL), so a database that is moved, restored from a backup
or reached through another host name still verifies on the machine that holds
the key.  Chains begun before the chain id existed keep their URL-named key.
"""

from __future__ import annotations

import functools
import hmac as hmac_lib
import json
import os
import secrets
from types import SimpleNamespace
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from kbase_tui.i18n import _
from kbase_tui.models import AuditEvent, AuditHead, Company, User, utcnow
# The data this module hands out, and the words for its action codes, live in the protocol.
from kbase_tui.protocol.audit import AccessRow, AuditEntry, CompanyMatch, action_label  # noqa: F401

from . import keystore
from .db import Database, LeanTx
from .dto import Actor
from .errors import KbaseError
from .policy import Capability, require, require_active_user


class AuditKeyMissing(KbaseError):
    def default_message(self) -> str:
        return _("The audit key was not found: the audit chain cannot be checked.")


def client_address() -> str:
    """The SSH client's address, when the app runs under sshd."""
    conn = os.environ.get("SSH_CONNECTION") or os.environ.get("SSH_CLIENT") or ""
    return conn.split()[0][:64] if conn else ""


# --- the key ----------------------------------------------------------------------

def _key_ref(session: Session, head: AuditHead | None) -> str:
    """What names the key in the key store: the chain id, or (old chains) the database URL."""
    return _key_ref_of(session, head.chain_id if head is not None else None)


def _key_ref_of(session: Session, chain_id: str | None) -> str:
    if chain_id:
        return f"chain:{chain_id}"
    bind = session.get_bind()
    return bind.url.render_as_string(hide_password=True)


@functools.lru_cache(maxsize=16)
def _cached_key(ref: str) -> bytes:
    return keystore.get_key("audit", ref)[0]


def key_location(session: Session, *, create: bool = False) -> tuple[bytes, keystore.KeyLocation]:
    """The chain's key and where it is kept; AuditKeyMissing when it is not there."""
    head = session.get(AuditHead, 1)
    try:
        return keystore.get_key("audit", _key_ref(session, head), create=create)
    except FileNotFoundError as error:
        raise AuditKeyMissing(
            _("The audit key was not found ({where}): the audit chain cannot be checked. Run this as the user "
              "who owns the database, or restore the key file from a backup.").format(where=error)
        ) from None


def _canonical_time(at: datetime) -> str:
    if at.tzinfo is None:  # a driver that drops the zone: the value is UTC
        at = at.replace(tzinfo=timezone.utc)
    return at.astimezone(timezone.utc).isoformat(timespec="microseconds")


def _content(event: AuditEvent) -> bytes:
    fields = [
        str(event.id), _canonical_time(event.at), event.actor, str(event.actor_id or ""),
        event.action, event.entity, str(event.entity_id or ""), event.detail, event.client_address, event.prev_hmac,
    ]
    return "\x1f".join(fields).encode("utf-8")


def compute_hmac(key: bytes, event: AuditEvent) -> str:
    return hmac_lib.digest(key, _content(event), "sha256").hex()  # one-shot: the C fast path


def _company_of(entity: str, entity_id: int | None, detail: dict) -> int | None:
    if entity == "company" and entity_id is not None:
        return entity_id
    value = detail.get("company_id")
    return value if isinstance(value, int) and not isinstance(value, bool) else None


# Plain SQL on the driver's cursor (db.LeanTx): every claim and card view appends an event,
# so this is on the hot path, and one driver call per statement is what it costs.
_SELECT_HEAD_SQL = "SELECT last_event_id, last_hmac, chain_id FROM audit_head WHERE id = 1"
_NEW_HEAD_SQL = (
    "INSERT INTO audit_head (id, last_event_id, last_hmac, chain_id) VALUES (1, 0, '', :chain_id) "
    "ON CONFLICT DO NOTHING"
)
_NAME_CHAIN_SQL = "UPDATE audit_head SET chain_id = :chain_id WHERE id = 1"
_MAX_ID_SQL = "SELECT max(id) FROM audit_event"
# json.dumps with any non-default option builds a new encoder per call; one kept here is the
# same text (every claim and card view writes a detail).
_DETAIL_JSON = json.JSONEncoder(ensure_ascii=False, default=str, sort_keys=True)
_INSERT_EVENT_SQL = (
    "INSERT INTO audit_event (id, at, actor, actor_id, action, entity, entity_id, detail, client_address, "
    "prev_hmac, hmac, company_id) VALUES (:id, :at, :actor, :actor_id, :action, :entity, :entity_id, :detail, "
    ":client_address, :prev_hmac, :hmac, :company_id)"
)
_MOVE_HEAD_SQL = "UPDATE audit_head SET last_event_id = :event_id, last_hmac = :event_hmac WHERE id = 1"


# SQLite: the head and the highest id in one statement (the write lock is held from BEGIN
# IMMEDIATE, so both are read at the same moment).  PostgreSQL: the highest id is read after
# the head row is locked, so it is never older than the head it is compared with.
_SELECT_HEAD_AND_MAX_SQLITE = (
    "SELECT last_event_id, last_hmac, chain_id, (SELECT max(id) FROM audit_event) FROM audit_head WHERE id = 1"
)


def _locked_head(tx: LeanTx) -> tuple[int, str, str, int]:
    """The chain's head row (last id, last HMAC, chain id) locked until the transaction ends, and
    the highest event id."""
    if tx.is_sqlite:
        head = tx.one(_SELECT_HEAD_AND_MAX_SQLITE)
        if head is not None and (head[2] or head[1]):
            return (*head[:3], head[3] or 0)
    select_head = _SELECT_HEAD_SQL if tx.is_sqlite else _SELECT_HEAD_SQL + " FOR UPDATE"
    head = tx.one(select_head)
    if head is None:
        # The very first event: two first writers must not both insert the head.
        tx.execute(_NEW_HEAD_SQL, {"chain_id": secrets.token_hex(16)})
        head = tx.one(select_head)
    elif not head[2] and not head[1]:
        tx.execute(_NAME_CHAIN_SQL, {"chain_id": secrets.token_hex(16)})
        head = tx.one(select_head)  # an empty chain: name its key by a new id
    return (*head, tx.scalar(_MAX_ID_SQL) or 0)


def record(
    session: Session,
    actor: Actor | str,
    action: str,
    entity: str = "",
    entity_id: int | None = None,
    **detail: object,
) -> None:
    """Append one event in the caller's transaction (it commits or rolls back with it)."""
    session.flush()  # pending ORM changes first: the event must follow what it records
    append(LeanTx.in_session(session), actor, action, entity, entity_id, **detail)


def append(
    tx: LeanTx,
    actor: Actor | str,
    action: str,
    entity: str = "",
    entity_id: int | None = None,
    **detail: object,
) -> None:
    """Append one event inside *tx*'s transaction.

    With the head row locked, the next id is the head's last id + 1, so the HMAC can be
    computed before the single INSERT (and ids stay gapless).
    """
    if isinstance(actor, Actor):
        name, actor_id, address = actor.username, actor.id, actor.client_address or client_address()
    else:
        name, actor_id, address = actor, None, client_address()
    # Normally the head's last id + 1; past any row planted behind the head's back (the highest
    # id), so a forged event can be found by verify but can never block the next genuine one.
    last_id, last_hmac, chain_id, highest = _locked_head(tx)
    key = _cached_key(f"chain:{chain_id}" if chain_id else tx.database_name)  # old chains: named by URL
    event = SimpleNamespace(
        id=max(last_id, highest) + 1, at=utcnow(), actor=name[:96], actor_id=actor_id, action=action,
        entity=entity, entity_id=entity_id,
        detail=_DETAIL_JSON.encode(detail) if detail else "",
        client_address=address, prev_hmac=last_hmac, company_id=_company_of(entity, entity_id, detail),
    )
    event.hmac = compute_hmac(key, event)
    tx.execute(_INSERT_EVENT_SQL, vars(event))
    tx.execute(_MOVE_HEAD_SQL, {"event_id": event.id, "event_hmac": event.hmac})


# --- verification -------------------------------------------------------------------

@dataclass(frozen=True)
class ChainProblem:
    event_id: int
    problem: str
    kind: str = ""  # edited | inserted | deleted | tail_deleted | head_altered


@dataclass(frozen=True)
class VerifyResult:
    checked: int
    problems: tuple[ChainProblem, ...]
    key_kind: str
    key_where: str
    last_event_id: int
    last_hmac: str

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_chain(session: Session) -> list[ChainProblem]:
    return list(_verify(session).problems)


def verify(db: Database) -> VerifyResult:
    with db.read() as session:
        return _verify(session)


def _verify(session: Session) -> VerifyResult:
    """Walk the chain in id order and name every event that does not fit.

    - an edited event fails its own HMAC, and the next event still links to it;
    - an inserted event fails its HMAC, and the next event links past it;
    - a deletion leaves an authentic event whose predecessor is gone;
    - a deleted tail leaves the head pointing at an event that is not there.
    """
    head = session.get(AuditHead, 1)
    if head is None and session.execute(select(AuditEvent.id).limit(1)).first() is None:
        # Nothing was ever recorded (a new database, or one killed before its first
        # event): nothing to check, and no key was ever needed.
        return VerifyResult(0, (), "none", "", 0, "")
    key, location = key_location(session)
    problems: list[ChainProblem] = []
    previous_hmac = ""  # the stored HMAC of the row before
    good_hmac, good_id = "", 0  # the last row that passed its own HMAC
    suspects: list[int] = []  # indexes in problems of failed rows since the last good one
    checked = 0
    last_id = 0
    query = select(AuditEvent).order_by(AuditEvent.id).execution_options(yield_per=2000)
    for event in session.execute(query).scalars():
        checked += 1
        authentic = hmac_lib.compare_digest(compute_hmac(key, event), event.hmac)
        if authentic:
            try:
                expected_company = _company_of(event.entity, event.entity_id, json.loads(event.detail or "{}"))
            except (ValueError, AttributeError):
                expected_company = None
            if event.company_id != expected_company:
                problems.append(ChainProblem(event.id, _("client column changed (does not match the signed event)"),
                                             "edited"))
            if event.prev_hmac == previous_hmac:
                for index in suspects:  # the next event still links to them: edited in place
                    problems[index] = ChainProblem(problems[index].event_id,
                                                   _("content edited (HMAC mismatch)"), "edited")
            elif suspects and event.prev_hmac == good_hmac:
                for index in suspects:  # the next event links past them: they were put in
                    problems[index] = ChainProblem(problems[index].event_id,
                                                   _("inserted (not part of the signed chain)"), "inserted")
            else:
                if good_id == 0 and not previous_hmac:
                    text = _("the event(s) before this one were deleted (the chain's start is missing)")
                else:
                    text = _("event(s) deleted between {after} and this one").format(after=good_id or last_id)
                problems.append(ChainProblem(event.id, text, "deleted"))
            good_hmac, good_id = event.hmac, event.id
            suspects = []
        else:
            problems.append(ChainProblem(event.id, _("edited or inserted (HMAC mismatch)"), "edited"))
            suspects.append(len(problems) - 1)
        previous_hmac = event.hmac
        last_id = event.id
    head = session.get(AuditHead, 1)
    if head is not None and (head.last_hmac != previous_hmac or head.last_event_id != last_id):
        if head.last_event_id > last_id:
            problems.append(ChainProblem(
                head.last_event_id,
                _("the last event(s) after {last} were deleted (the head names event {head})").format(
                    last=last_id, head=head.last_event_id),
                "tail_deleted",
            ))
        else:
            problems.append(ChainProblem(head.last_event_id, _("the chain head does not match the last event"),
                                         "head_altered"))
    elif head is None and checked:
        problems.append(ChainProblem(0, _("the chain head is missing"), "head_altered"))
    return VerifyResult(
        checked=checked, problems=tuple(problems), key_kind=location.kind, key_where=location.where,
        last_event_id=last_id, last_hmac=previous_hmac,
    )


# --- reading the trail ----------------------------------------------------------------

# Actions that only touch users, settings and such carry no client data.
VIEW_ACTIONS = frozenset({"card_opened", "lead_claimed"})


def _require_audit(session: Session, actor: Actor) -> None:
    require_active_user(session, actor)
    require(actor, Capability.VIEW_AUDIT)


def _detail_text(value: object) -> str:
    # Details are for reading: text as it is, anything else as the JSON it was stored as.
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)


def _entry(event: AuditEvent, full_name: str | None, role: str | None, company: str | None) -> AuditEntry:
    try:
        detail = json.loads(event.detail) if event.detail else {}
        if not isinstance(detail, dict):
            detail = {"value": detail}
    except ValueError:
        detail = {"raw": event.detail}
    detail = {str(key): _detail_text(value) for key, value in detail.items()}
    return AuditEntry(
        id=event.id, at=event.at, actor=event.actor, actor_name=full_name or "", actor_role=role or "",
        action=event.action, entity=event.entity, entity_id=event.entity_id, company_id=event.company_id,
        company_name=company or "", detail=detail, client_address=event.client_address,
    )


def events(
    db: Database,
    actor: Actor,
    *,
    user: str | None = None,
    company_id: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    action: str | None = None,
    before_id: int | None = None,
    limit: int = 100,
) -> list[AuditEntry]:
    """Events newest first, a page at a time (`before_id` = the last id of the previous page)."""
    with db.read() as session:
        _require_audit(session, actor)
        query = (
            select(AuditEvent, User.full_name, User.role, Company.name)
            .outerjoin(User, User.id == AuditEvent.actor_id)
            .outerjoin(Company, Company.id == AuditEvent.company_id)
            .order_by(AuditEvent.id.desc())
            .limit(max(1, min(limit, 1000)))
        )
        if user:
            query = query.where(AuditEvent.actor == user.strip().casefold())
        if company_id is not None:
            query = query.where(AuditEvent.company_id == company_id)
        if since is not None:
            query = query.where(AuditEvent.at >= since)
        if until is not None:
            query = query.where(AuditEvent.at < until)
        if action:
            query = query.where(AuditEvent.action == action)
        if before_id is not None:
            query = query.where(AuditEvent.id < before_id)
        return [_entry(*row) for row in session.execute(query).all()]


def find_companies(db: Database, actor: Actor, text: str, *, limit: int = 20) -> list[CompanyMatch]:
    """Companies whose name (case- and ё-folded) contains every word of *text*, or whose INN is *text*.

    For the audit screen: the supervisor or admin names a client, the screen
    lists who touched it.  An admin sees the name, never commercial data.
    """
    from .search import company_name_filter, company_name_order, query_words

    if not query_words(text):
        return []
    with db.read() as session:
        _require_audit(session, actor)
        query = select(Company.id, Company.name, Company.city, Company.inn)
        digits = text.strip()
        if digits.isdigit():
            query = query.where(or_(company_name_filter(text), Company.inn == digits))
        else:
            query = query.where(company_name_filter(text))
        query = query.order_by(*company_name_order()).limit(limit)
        return [CompanyMatch(id=i, name=n, city=c or "", inn=inn) for i, n, c, inn in session.execute(query).all()]


def access_summary(db: Database, actor: Actor, company_id: int) -> list[AccessRow]:
    """Per user: (user name, full name, events, first, last) for one company, most recent first."""
    with db.read() as session:
        _require_audit(session, actor)
        query = (
            select(AuditEvent.actor, func.max(User.full_name), func.count(), func.min(AuditEvent.at),
                   func.max(AuditEvent.at))
            .outerjoin(User, User.id == AuditEvent.actor_id)
            .where(AuditEvent.company_id == company_id)
            .group_by(AuditEvent.actor)
            .order_by(func.max(AuditEvent.at).desc())
        )
        return [(a, n or "", c, first, last) for a, n, c, first, last in session.execute(query).all()]


def local_actor_name() -> str:
    import getpass

    try:
        return f"local:{getpass.getuser()}"
    except Exception:
        return f"local:uid{os.getuid()}"


def since(days: int) -> datetime:
    from datetime import timedelta

    return utcnow() - timedelta(days=days)
