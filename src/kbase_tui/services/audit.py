"""The audit trail: append-only, every event chained to the previous by HMAC, sealed per epoch.

Forward-secure sealing (after journald's Forward Secure Sealing; Marson & Poettering,
"Practical secure logging: seekable sequential key generators"):

- When the chain begins, a random seed is made and shown once to the owner (`kbase init`), who
  keeps it offline.  The key of epoch 0 is derived from it; the key of epoch n+1 is
  HMAC-SHA256(key of epoch n, constant): one way, so a key says nothing about earlier ones.
- Events are signed with the key of the epoch they are written in (default 15 minutes, counted
  from the genesis).  The key store holds only the current epoch's key: on moving on, the
  previous one is overwritten.  Whoever takes the server's account today holds today's key and
  can forge only the current epoch; every earlier one stays provable with the seed.
- Every epoch ends with a seal event signed with its own key, naming the next epoch, its first
  event and how many events it held; an epoch that ends without its seal (a cut chain) or a
  chain that starts without its genesis is reported, never "intact".

Appending locks the single `audit_head` row, so concurrent writers (server threads, CLI
processes) form one linear chain and one epoch clock; on SQLite the write transaction already
serialises.  Each process keeps the current key in memory; moving it on costs one HMAC.
"""

from __future__ import annotations

import base64
import hashlib
import hmac as hmac_lib
import json
import os
import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from kbase_tui.i18n import _
from kbase_tui.models import AuditEvent, AuditHead, Company, User, utcnow

# The data this module hands out, and the words for its action codes, live in the protocol.
from kbase_tui.protocol.audit import AccessRow, AuditEntry, CompanyMatch, action_label, record_text  # noqa: F401

from . import keystore
from .db import Database, LeanTx
from .dto import Actor
from .errors import KbaseError
from .policy import Capability, require, require_active_user
from .views import audited_view


class AuditKeyMissing(KbaseError):
    def default_message(self) -> str:
        return _("The audit key was not found: the audit chain cannot be checked.")


def client_address() -> str:
    """The SSH client's address, when the app runs under sshd."""
    conn = os.environ.get("SSH_CONNECTION") or os.environ.get("SSH_CLIENT") or ""
    return conn.split()[0][:64] if conn else ""


# --- the keys ------------------------------------------------------------------------

SEAL_PURPOSE = "audit-seal"  # the key store entry holding "<epoch> <key>"
GENESIS = "audit_genesis"  # the first event of a new chain
SEALING_STARTED = "audit_sealing_started"  # the first sealed event of a chain begun before sealing
SEALED = "audit_sealed"  # the last event of an epoch
RESUMED = "audit_resumed"  # the head's epoch key was gone (a restored backup): that epoch stays unsealed
DEFAULT_EPOCH_SECONDS = 900
_EVOLVE = b"kbase audit: next epoch"
_FROM_SEED = b"kbase audit: epoch 0"

# The clock the epochs are counted by; tests move it.
_clock = time.time


def epoch_seconds_setting() -> int:
    """How long an epoch lasts for a chain begun now (KBASE_AUDIT_EPOCH_SECONDS, at least 60)."""
    try:
        value = int(os.environ.get("KBASE_AUDIT_EPOCH_SECONDS", DEFAULT_EPOCH_SECONDS))
    except ValueError:
        value = DEFAULT_EPOCH_SECONDS
    return max(60, value)


def first_key(seed: bytes) -> bytes:
    """The key of epoch 0."""
    return hmac_lib.digest(seed, _FROM_SEED, "sha256")


def evolve(key: bytes, steps: int = 1) -> bytes:
    """The key *steps* epochs later: one HMAC per epoch, and no way back."""
    for _step in range(steps):
        key = hmac_lib.digest(key, _EVOLVE, "sha256")
    return key


def epoch_key(seed: bytes, epoch: int) -> bytes:
    return evolve(first_key(seed), epoch)


def format_seed(seed: bytes) -> str:
    """The seed as the owner writes it down: base32 in groups of four, with a two-byte check."""
    check = hashlib.sha256(seed).digest()[:2]
    text = base64.b32encode(seed + check).decode().rstrip("=").lower()
    return "-".join(text[i : i + 4] for i in range(0, len(text), 4))


def parse_seed(text: str) -> bytes:
    """The seed from what the owner typed; ValueError on a typo (the check does not match)."""
    raw = "".join(ch for ch in text.strip().upper() if ch.isalnum())
    try:
        data = base64.b32decode(raw + "=" * (-len(raw) % 8))
    except ValueError:
        raise ValueError(
            _("This is not an audit seed: it holds letters a-z and digits 2-7 in groups of four.")
        ) from None
    seed, check = data[:-2], data[-2:]
    if len(seed) != 32 or hashlib.sha256(seed).digest()[:2] != check:
        raise ValueError(
            _("This audit seed has a typo: its check does not match. Copy it again from where it is kept.")
        )
    return seed


def _seal_ref(chain_id: str) -> str:
    return f"chain:{chain_id}"


class _KeyCache:
    """Per process: the key of the newest epoch seen committed in the head, per chain.

    Only committed epochs go in (the head row read under its lock): a transaction that moved
    to a new epoch and rolled back must not lose the key its epoch still needs for the seal.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._keys: dict[str, tuple[int, bytes]] = {}

    def key_at(self, chain_id: str, head_epoch: int) -> tuple[int, bytes]:
        """(epoch, key) for the head's committed epoch, the store moved on to it; or a later
        epoch when the store is already past it (the head came back from a backup)."""
        with self._lock:
            cached = self._keys.get(chain_id)
            if cached is None:
                try:
                    epoch, key, _where = keystore.get_evolving(SEAL_PURPOSE, _seal_ref(chain_id))
                except FileNotFoundError as error:
                    raise AuditKeyMissing(
                        _(
                            "The audit sealing key was not found ({where}): no event can be signed. Restore the key "
                            "file from a backup of this server's configuration."
                        ).format(where=error)
                    ) from None
                cached = (epoch, key)
            epoch, key = cached
            if epoch < head_epoch:
                key = evolve(key, head_epoch - epoch)
                epoch = head_epoch
                # The head's epoch is committed: the earlier key is no longer needed, erase it.
                keystore.put_evolving(SEAL_PURPOSE, _seal_ref(chain_id), epoch, key)
            self._keys[chain_id] = (epoch, key)
            return epoch, key

    def clear(self) -> None:
        with self._lock:
            self._keys.clear()


_keys = _KeyCache()


# The key of events written before sealing existed: one key for the whole chain.
def _key_ref(session: Session, head: AuditHead | None) -> str:
    """What names the old key in the key store: the chain id, or (older chains) the database URL."""
    return _key_ref_of(session, head.chain_id if head is not None else None)


def _key_ref_of(session: Session, chain_id: str | None) -> str:
    if chain_id:
        return f"chain:{chain_id}"
    bind = session.get_bind()
    return bind.url.render_as_string(hide_password=True)


def key_location(session: Session, *, create: bool = False) -> tuple[bytes, keystore.KeyLocation]:
    """The key of a chain's events from before sealing, and where it is kept; AuditKeyMissing when absent."""
    head = session.get(AuditHead, 1)
    try:
        return keystore.get_key("audit", _key_ref(session, head), create=create)
    except FileNotFoundError as error:
        raise AuditKeyMissing(
            _(
                "The audit key was not found ({where}): the audit chain cannot be checked. Run this as the user "
                "who owns the database, or restore the key file from a backup."
            ).format(where=error)
        ) from None


_legacy_keys: dict[str, bytes] = {}


def _legacy_key(ref: str) -> bytes:
    key = _legacy_keys.get(ref)
    if key is None:
        try:
            key = _legacy_keys[ref] = keystore.get_key("audit", ref, create=False)[0]
        except FileNotFoundError as error:
            raise AuditKeyMissing(
                _("The audit key was not found ({where}): no event can be signed.").format(where=error)
            ) from None
    return key


def clear_key_cache() -> None:
    """Forget the keys held in memory (tests; after the key store was changed by hand)."""
    _keys.clear()
    _legacy_keys.clear()


def seal_location(chain_id: str) -> keystore.KeyLocation:
    """Where the sealing key of *chain_id* is kept; AuditKeyMissing when it is not there."""
    try:
        return keystore.get_evolving(SEAL_PURPOSE, _seal_ref(chain_id))[2]
    except FileNotFoundError as error:
        raise AuditKeyMissing(_("The audit sealing key was not found ({where}).").format(where=error)) from None


# --- signing ---------------------------------------------------------------------------


def _canonical_time(at: datetime) -> str:
    if at.tzinfo is None:  # a driver that drops the zone: the value is UTC
        at = at.replace(tzinfo=UTC)
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def _content(event: AuditEvent) -> bytes:
    fields = [
        str(event.id),
        _canonical_time(event.at),
        event.actor,
        str(event.actor_id or ""),
        event.action,
        event.entity,
        str(event.entity_id or ""),
        event.detail,
        event.client_address,
        event.prev_hmac,
    ]
    epoch = getattr(event, "epoch", None)
    if epoch is not None:  # sealed events sign their epoch too (older events were signed without it)
        fields.append(str(epoch))
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
_HEAD_COLUMNS = "last_event_id, last_hmac, chain_id, seal_epoch, seal_start, epoch_seconds, epoch_first_id"
_SELECT_HEAD_SQL = f"SELECT {_HEAD_COLUMNS} FROM audit_head WHERE id = 1"
# SQLite: the head and the highest id in one statement (the write lock is held from BEGIN
# IMMEDIATE, so both are read at the same moment).  PostgreSQL: the highest id is read after
# the head row is locked, so it is never older than the head it is compared with.
_SELECT_HEAD_AND_MAX_SQLITE = f"SELECT {_HEAD_COLUMNS}, (SELECT max(id) FROM audit_event) FROM audit_head WHERE id = 1"
_MAX_ID_SQL = "SELECT max(id) FROM audit_event"
_NEW_HEAD_SQL = (
    "INSERT INTO audit_head (id, last_event_id, last_hmac, chain_id, seal_epoch, seal_start, epoch_seconds, "
    "epoch_first_id) VALUES (1, 0, '', :chain_id, 0, :start, :seconds, 0) ON CONFLICT DO NOTHING"
)
_START_SEALING_SQL = (
    "UPDATE audit_head SET chain_id = :chain_id, seal_epoch = 0, seal_start = :start, epoch_seconds = :seconds, "
    "epoch_first_id = 0 WHERE id = 1"
)
# json.dumps with any non-default option builds a new encoder per call; one kept here is the
# same text (every claim and card view writes a detail).
_DETAIL_JSON = json.JSONEncoder(ensure_ascii=False, default=str, sort_keys=True)
_INSERT_EVENT_SQL = (
    "INSERT INTO audit_event (id, at, actor, actor_id, action, entity, entity_id, detail, client_address, "
    "prev_hmac, hmac, company_id, epoch) VALUES (:id, :at, :actor, :actor_id, :action, :entity, :entity_id, "
    ":detail, :client_address, :prev_hmac, :hmac, :company_id, :epoch)"
)
_MOVE_HEAD_SQL = "UPDATE audit_head SET last_event_id = :event_id, last_hmac = :event_hmac WHERE id = 1"
# PostgreSQL: the event and the head it moves in one round trip.  The head row stays locked until the commit, and
# every audited write of the base waits for it, so each round trip under it is paid by all of them.
_INSERT_EVENT_AND_MOVE_HEAD_SQL = (
    f"WITH written AS ({_INSERT_EVENT_SQL}) UPDATE audit_head SET last_event_id = :id, last_hmac = :hmac WHERE id = 1"
)
_MOVE_HEAD_EPOCH_SQL = (
    "UPDATE audit_head SET last_event_id = :event_id, last_hmac = :event_hmac, seal_epoch = :epoch, "
    "epoch_first_id = :first_id WHERE id = 1"
)


@dataclass
class _Head:
    last_id: int
    last_hmac: str
    chain_id: str
    seal_epoch: int | None
    seal_start: int | None
    epoch_seconds: int
    epoch_first_id: int
    highest: int

    @property
    def next_id(self) -> int:
        # Normally the head's last id + 1; past any row planted behind the head's back (the highest
        # id), so a forged event can be found by verify but can never block the next genuine one.
        return max(self.last_id, self.highest) + 1


def _locked_head(tx: LeanTx) -> _Head | None:
    """The chain's head row, locked until the transaction ends, and the highest event id; None
    when there is no chain yet."""
    if tx.is_sqlite:
        row = tx.one(_SELECT_HEAD_AND_MAX_SQLITE)
        return None if row is None else _Head(*row[:6], row[6] or 0, row[7] or 0)
    row = tx.one(_SELECT_HEAD_SQL + " FOR UPDATE")
    return None if row is None else _Head(*row[:6], row[6] or 0, tx.scalar(_MAX_ID_SQL) or 0)


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


def _write(
    tx: LeanTx,
    event_id: int,
    prev_hmac: str,
    key: bytes,
    epoch: int | None,
    actor_name: str,
    actor_id: int | None,
    address: str,
    action: str,
    entity: str,
    entity_id: int | None,
    detail: dict,
    *,
    move_head: bool = False,
) -> str:
    """Insert the event; with *move_head*, point the chain's head at it too."""
    event = SimpleNamespace(
        id=event_id,
        at=utcnow(),
        actor=actor_name[:96],
        actor_id=actor_id,
        action=action,
        entity=entity,
        entity_id=entity_id,
        detail=_DETAIL_JSON.encode(detail) if detail else "",
        client_address=address,
        prev_hmac=prev_hmac,
        company_id=_company_of(entity, entity_id, detail),
        epoch=epoch,
    )
    event.hmac = compute_hmac(key, event)
    if move_head and not tx.is_sqlite:
        tx.execute(_INSERT_EVENT_AND_MOVE_HEAD_SQL, vars(event))
        return event.hmac
    tx.execute(_INSERT_EVENT_SQL, vars(event))
    if move_head:  # SQLite has no INSERT inside WITH, and no round trip to save in the process
        tx.execute(_MOVE_HEAD_SQL, {"event_id": event.id, "event_hmac": event.hmac})
    return event.hmac


def _epoch_now(head: _Head) -> int:
    return max(head.seal_epoch, int((_clock() - head.seal_start) // head.epoch_seconds))


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
    computed before the single INSERT (and ids stay gapless).  The first event of a new epoch
    is preceded, in the same transaction, by the seal of the epoch before.
    """
    if isinstance(actor, Actor):
        name, actor_id, address = actor.username, actor.id, actor.client_address or client_address()
    else:
        name, actor_id, address = actor, None, client_address()
    head = _locked_head(tx)
    if head is None or (head.seal_epoch is None and not head.last_hmac):
        # No chain (a wiped log, or a database made without `kbase init`): begin one whose seed is
        # shown to nobody.  Its genesis says so, and verify reports it.
        _begin(tx, head, secrets.token_bytes(32), shown=False)
        head = _locked_head(tx)
    event_id, prev_hmac = head.next_id, head.last_hmac
    if head.seal_epoch is None:  # a chain begun before sealing, not yet moved on by `kbase init`
        key, epoch = _legacy_key(f"chain:{head.chain_id}" if head.chain_id else tx.database_name), None
    else:
        key_epoch, key = _keys.key_at(head.chain_id, head.seal_epoch)
        epoch = _epoch_now(head)
        if epoch != head.seal_epoch or key_epoch != epoch:  # a new epoch: the seal of the one before first
            event_id, prev_hmac, epoch, key, first_id = _next_epoch(tx, head, key_epoch, key, epoch)
            event_hmac = _write(
                tx, event_id, prev_hmac, key, epoch, name, actor_id, address, action, entity, entity_id, detail
            )
            moved = {"event_id": event_id, "event_hmac": event_hmac, "epoch": epoch, "first_id": first_id}
            tx.execute(_MOVE_HEAD_EPOCH_SQL, moved)
            return
    _write(
        tx, event_id, prev_hmac, key, epoch, name, actor_id, address, action, entity, entity_id, detail, move_head=True
    )


def _next_epoch(tx: LeanTx, head: _Head, key_epoch: int, key: bytes, epoch: int) -> tuple[int, str, int, bytes, int]:
    """Close the head's epoch and move on to *epoch* (or later).

    Returns the next event's id, the HMAC it links to, its epoch and key, and the first id of
    that epoch.  Normally the seal, signed with the closing epoch's key, is written first.  When
    the key store is already past the head's epoch (a backup restored over a later chain), that
    key is gone and the epoch cannot be sealed: a signed note says so, and verify reports the cut.
    """
    event_id, prev_hmac = head.next_id, head.last_hmac
    if key_epoch > head.seal_epoch:
        epoch = max(epoch, key_epoch)
        key = evolve(key, epoch - key_epoch)
        prev_hmac = _write(
            tx,
            event_id,
            prev_hmac,
            key,
            epoch,
            "audit",
            None,
            "",
            RESUMED,
            "",
            None,
            {"unsealed_epoch": head.seal_epoch, "last_event": head.last_id},
        )
        return event_id + 1, prev_hmac, epoch, key, event_id
    prev_hmac = _write(
        tx,
        event_id,
        prev_hmac,
        key,
        head.seal_epoch,
        "audit",
        None,
        "",
        SEALED,
        "",
        None,
        {
            "epoch": head.seal_epoch,
            "next_epoch": epoch,
            "first_id": head.epoch_first_id,
            "events": event_id - head.epoch_first_id,
        },
    )
    return event_id + 1, prev_hmac, epoch, evolve(key, epoch - head.seal_epoch), event_id + 1


def seal_due(db: Database) -> bool:
    """Seal the head's epoch if its time is over, and erase its key from the store.

    The server calls this every little while, so that every epoch is sealed (an idle one too)
    and an epoch's key does not outlive it by more than that.  True when a seal was written.
    """
    sealed = False
    with db.lean_write() as tx:
        head = _locked_head(tx)
        if head is None or head.seal_epoch is None:
            return False
        key_epoch, key = _keys.key_at(head.chain_id, head.seal_epoch)
        epoch = _epoch_now(head)
        if epoch > head.seal_epoch and key_epoch == head.seal_epoch:
            event_id, prev_hmac, epoch, _key, first_id = _next_epoch(tx, head, key_epoch, key, epoch)
            tx.execute(
                _MOVE_HEAD_EPOCH_SQL,
                {"event_id": event_id - 1, "event_hmac": prev_hmac, "epoch": epoch, "first_id": first_id},
            )
            sealed = True
        chain_id = head.chain_id
    if sealed:
        with db.lean_write() as tx:  # committed: the head's epoch moved on, so its key can go
            head = _locked_head(tx)
            if head is not None and head.seal_epoch is not None and head.chain_id == chain_id:
                _keys.key_at(chain_id, head.seal_epoch)
    return sealed


_COUNT_DATA_SQL = "SELECT (SELECT count(*) FROM user_account), (SELECT count(*) FROM company)"
_ANY_EVENT_SQL = "SELECT 1 FROM audit_event LIMIT 1"


def _begin(tx: LeanTx, head: _Head | None, seed: bytes, *, shown: bool) -> bool:
    """Begin sealing: a new chain's genesis, or a chain from before sealing moved on to it.

    The genesis names how many users and companies the database held: a chain begun on a
    database full of data is a log started over, and verify says so.  False when another
    writer began the chain first.
    """
    start, seconds = int(_clock()), epoch_seconds_setting()
    users, companies = tx.one(_COUNT_DATA_SQL)
    if head is None:
        chain_id = secrets.token_hex(16)
        if tx.execute(_NEW_HEAD_SQL, {"chain_id": chain_id, "start": start, "seconds": seconds}).rowcount != 1:
            return False  # another writer's chain (PostgreSQL: we waited for its commit)
        action, prev_hmac, highest = GENESIS, "", tx.scalar(_MAX_ID_SQL) or 0
    else:
        legacy = bool(head.last_hmac)
        chain_id = head.chain_id if legacy and head.chain_id else secrets.token_hex(16)
        tx.execute(_START_SEALING_SQL, {"chain_id": chain_id, "start": start, "seconds": seconds})
        action = SEALING_STARTED if legacy else GENESIS
        prev_hmac, highest = head.last_hmac, max(head.last_id, head.highest)
    key = first_key(seed)
    event_id = highest + 1
    event_hmac = _write(
        tx,
        event_id,
        prev_hmac,
        key,
        0,
        "audit",
        None,
        "",
        action,
        "",
        None,
        {
            "chain_id": chain_id,
            "epoch_seconds": seconds,
            "start": start,
            "seed_shown": shown,
            "users": users,
            "companies": companies,
        },
    )
    tx.execute(_MOVE_HEAD_EPOCH_SQL, {"event_id": event_id, "event_hmac": event_hmac, "epoch": 0, "first_id": event_id})
    keystore.put_evolving(SEAL_PURPOSE, _seal_ref(chain_id), 0, key)
    return True


def begin_sealing(session: Session, *, any_database: bool = False) -> bytes | None:
    """Begin the sealed chain if there is none yet; the seed to show the owner once, or None.

    Without *any_database*, only a database with nothing in it gets a genesis (what opening a new
    database does): a chain wiped from a database full of data is left for verify to report.
    `kbase init` passes True: it also moves a chain from before sealing on to sealing.
    """
    session.flush()
    tx = LeanTx.in_session(session)
    head = _locked_head(tx)
    if head is not None and head.seal_epoch is not None:
        return None
    if not any_database and (
        head is not None or tx.one(_ANY_EVENT_SQL) is not None or any(tx.one(_COUNT_DATA_SQL) or ())
    ):
        return None
    seed = secrets.token_bytes(32)
    return seed if _begin(tx, head, seed, shown=True) else None


def head_line(db: Database) -> str:
    """The chain's head as one line for copies kept outside the server (backups, reports, syslog):
    `verify --expect-head` proves later that the log still holds it."""
    with db.read() as session:
        head = session.get(AuditHead, 1)
        if head is None:
            return "kbase-audit-head none"
        return f"kbase-audit-head {head.last_event_id}:{head.last_hmac} epoch {head.seal_epoch}"


def parse_head_line(text: str) -> tuple[int, str]:
    """(event id, HMAC) from a head line or from `ID:HMAC`; ValueError otherwise."""
    for word in text.split():
        number, colon, digest = word.partition(":")
        if colon and number.isdigit() and len(digest) == 64 and all(c in "0123456789abcdef" for c in digest):
            return int(number), digest
    raise ValueError(_("Not an audit head: expected EVENT:HMAC as printed in a backup, a report or the system log."))


def publish_head(db: Database, why: str) -> str:
    """Send the head to the system log (journald or syslog) when the machine has one: a copy the
    server's account cannot take back.  Returns the line."""
    line = head_line(db)
    to_system_log(f"{line} ({why})")
    return line


def to_system_log(line: str) -> bool:
    """One line to the system log (journald and syslog both read /dev/log); False when there is none."""
    if not os.path.exists("/dev/log"):
        return False
    try:
        import syslog

        syslog.openlog("kbase", 0, syslog.LOG_AUTH)
        syslog.syslog(syslog.LOG_NOTICE, line)
        return True
    except OSError:
        return False  # no system log: the backups and the reports still carry the head


# --- verification -------------------------------------------------------------------


@dataclass(frozen=True)
class ChainProblem:
    event_id: int
    problem: str
    # edited | inserted | deleted | tail_deleted | head_altered | unsealed | restarted | wiped | key_missing
    # | head_not_found
    kind: str = ""


@dataclass(frozen=True)
class VerifyResult:
    checked: int
    problems: tuple[ChainProblem, ...]
    key_kind: str
    key_where: str
    last_event_id: int
    last_hmac: str
    sealed: bool = False  # the chain is sealed (False: all of it from before sealing)
    epochs: int = 0  # sealed epochs seen
    unproven: int = 0  # events whose signature could not be checked (no seed given)
    notes: tuple[str, ...] = field(default=())
    seed_used: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def proven(self) -> bool:
        """Nothing wrong, and every event's signature checked (the sealed ones with the seed)."""
        return self.ok and self.unproven == 0


def verify_chain(session: Session, seed: bytes | None = None) -> list[ChainProblem]:
    return list(_verify(session, seed).problems)


def verify(db: Database, seed: bytes | None = None, *, expect_heads: tuple[tuple[int, str], ...] = ()) -> VerifyResult:
    with db.read() as session:
        return _verify(session, seed, expect_heads)


class _Keys:
    """The key of each epoch while walking the chain: from the seed (every epoch), or else from
    the key store (its epoch and later only)."""

    def __init__(self, seed: bytes | None, stored: tuple[int, bytes] | None) -> None:
        self.seed = seed
        self.base = (0, first_key(seed)) if seed is not None else stored
        self.current = self.base

    def of(self, epoch: int) -> bytes | None:
        if self.base is None or epoch < self.base[0]:
            return None
        if self.current is None or epoch < self.current[0]:
            self.current = self.base
        have_epoch, key = self.current
        if epoch > have_epoch:
            key = evolve(key, epoch - have_epoch)
            self.current = (epoch, key)
        return key


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def _loads(text: str) -> dict:
    try:
        value = json.loads(text or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _verify(
    session: Session, seed: bytes | None = None, expect_heads: tuple[tuple[int, str], ...] = ()
) -> VerifyResult:
    """Walk the chain in id order and name every event that does not fit.

    - an edited event fails its own HMAC, and the next event still links to it;
    - an inserted event fails its HMAC, and the next event links past it;
    - a deletion leaves an authentic event whose predecessor is gone;
    - a deleted tail leaves the head pointing at an event that is not there;
    - an epoch that ends without its seal, or whose seal names another next epoch, was cut;
    - with the seed, every event is checked with the key of its own epoch, so events re-signed
      with a later key (the one an intruder could have taken) fail.
    Nothing passes by absence: an empty log on a database with users or companies, a missing key
    or a head that names what the table does not hold are problems.
    """
    problems: list[ChainProblem] = []
    notes: list[str] = []
    head = session.get(AuditHead, 1)
    users = session.scalar(select(func.count()).select_from(User)) or 0
    companies = session.scalar(select(func.count()).select_from(Company)) or 0
    key_kind, key_where = "none", ""
    stored = None
    if head is not None and head.seal_epoch is not None:
        try:
            epoch, key, location = keystore.get_evolving(SEAL_PURPOSE, _seal_ref(head.chain_id))
            stored, key_kind, key_where = (epoch, key), location.kind, location.where
        except FileNotFoundError as error:
            problems.append(
                ChainProblem(
                    0,
                    _(
                        "the sealing key is missing from the key store ({where}): the server "
                        "cannot sign events, and the current epoch cannot be checked"
                    ).format(where=error),
                    "key_missing",
                )
            )
        except ValueError as error:
            problems.append(ChainProblem(0, str(error), "key_missing"))
    keys = _Keys(seed, stored)
    legacy_key: bytes | None = None
    legacy_key_tried = False

    previous_hmac = ""  # the stored HMAC of the row before
    good_hmac, good_id = "", 0  # the last row that passed its own HMAC
    suspects: list[int] = []  # indexes in problems of failed rows since the last good one
    checked = unproven = epochs = 0
    last_id = 0
    sealing = False  # a sealed event was seen
    epoch = None  # the epoch being walked
    epoch_rows = 0
    after_seal: dict | None = None  # the detail of the seal just passed
    query = select(AuditEvent).order_by(AuditEvent.id).execution_options(yield_per=2000)
    for event in session.execute(query).scalars():
        checked += 1
        detail = _loads(event.detail)
        forged = False  # known not to be signed, whatever the key
        if event.epoch is None and sealing:
            forged, key = True, None  # no event without an epoch follows the genesis
        elif event.epoch is None:
            if not legacy_key_tried:
                legacy_key_tried = True
                try:
                    legacy_key, location = key_location(session)
                    if key_kind == "none":
                        key_kind, key_where = location.kind, location.where
                except AuditKeyMissing as error:
                    problems.append(ChainProblem(event.id, str(error), "key_missing"))
            key = legacy_key
        else:
            if not sealing:
                sealing = True
                epoch, epoch_rows, epochs = event.epoch, 0, 1
                if event.action not in (GENESIS, SEALING_STARTED) or event.epoch != 0:
                    problems.append(
                        ChainProblem(
                            event.id,
                            _("the sealed chain does not begin with its genesis: its first events were deleted"),
                            "deleted",
                        )
                    )
                elif event.action == GENESIS and last_id:
                    problems.append(
                        ChainProblem(
                            event.id, _("a genesis after other events: the chain was begun again"), "restarted"
                        )
                    )
                if event.action == GENESIS and not last_id:
                    # The genesis is the database's birth: a user made before it means the chain was begun
                    # again later (its counts could be forged by whoever forged the genesis).
                    first_user = session.scalar(select(func.min(User.created_at)))
                    if first_user is not None and _aware(first_user) < _aware(event.at) - timedelta(minutes=1):
                        problems.append(
                            ChainProblem(
                                event.id,
                                _(
                                    "the chain's genesis ({at}) is later than the first user ({user}): the log was begun "
                                    "again after the database was made"
                                ).format(at=_canonical_time(event.at)[:19], user=_canonical_time(first_user)[:19]),
                                "restarted",
                            )
                        )
                if event.action == GENESIS:
                    if detail.get("users") or detail.get("companies"):
                        problems.append(
                            ChainProblem(
                                event.id,
                                _(
                                    "the chain was begun on a database that already held {users} user(s) and {companies} "
                                    "company(ies): the log was wiped and started over"
                                ).format(users=detail.get("users"), companies=detail.get("companies")),
                                "restarted",
                            )
                        )
                    elif not detail.get("seed_shown"):
                        notes.append(
                            _(
                                "The chain was begun without showing its seed to anyone (the database was "
                                "not made with `kbase init`): its sealed epochs cannot be proven."
                            )
                        )
            elif event.action in (GENESIS, SEALING_STARTED):
                problems.append(
                    ChainProblem(event.id, _("a genesis after other events: the chain was begun again"), "restarted")
                )
            elif event.epoch != epoch:
                if event.epoch < epoch:
                    problems.append(
                        ChainProblem(
                            event.id,
                            _("an event of epoch {e} after epoch {before}").format(e=event.epoch, before=epoch),
                            "inserted",
                        )
                    )
                elif after_seal is None:
                    if event.action == RESUMED:
                        text = _(
                            "epoch {e} was never sealed and the events after it are gone (a backup restored "
                            "over a later log, or a cut chain); the log resumes in epoch {next}"
                        )
                    else:
                        text = _("epoch {e} ends without its seal: the events after event {after} were cut")
                    problems.append(
                        ChainProblem(event.id, text.format(e=epoch, next=event.epoch, after=last_id), "unsealed")
                    )
                elif after_seal.get("next_epoch") != event.epoch:
                    problems.append(
                        ChainProblem(
                            event.id,
                            _(
                                "epoch {e}'s seal names epoch {named} next, but the next event is of epoch {found}: "
                                "the events between were cut"
                            ).format(e=epoch, named=after_seal.get("next_epoch"), found=event.epoch),
                            "unsealed",
                        )
                    )
                epoch, epoch_rows = event.epoch, 0
                epochs += 1
            elif after_seal is not None:
                problems.append(ChainProblem(event.id, _("an event after its epoch's seal"), "inserted"))
            key = keys.of(event.epoch)
        if forged:
            authentic = False
        else:
            authentic = None if key is None else hmac_lib.compare_digest(compute_hmac(key, event), event.hmac)
        if authentic is None:
            unproven += 1
        after_seal = None
        if event.epoch is not None and event.action == SEALED:
            if detail.get("epoch") != event.epoch or detail.get("events") != epoch_rows:
                problems.append(
                    ChainProblem(
                        event.id,
                        _("the seal of epoch {e} counts {n} event(s), the table holds {found}").format(
                            e=detail.get("epoch"), n=detail.get("events"), found=epoch_rows
                        ),
                        "deleted",
                    )
                )
            after_seal = detail
        epoch_rows += 1
        if authentic is not False:
            expected_company = _company_of(event.entity, event.entity_id, detail)
            if event.company_id != expected_company:
                problems.append(
                    ChainProblem(event.id, _("client column changed (does not match the signed event)"), "edited")
                )
            if event.prev_hmac == previous_hmac:
                for index in suspects:  # the next event still links to them: edited in place
                    problems[index] = ChainProblem(
                        problems[index].event_id, _("content edited (HMAC mismatch)"), "edited"
                    )
            elif suspects and event.prev_hmac == good_hmac:
                for index in suspects:  # the next event links past them: they were put in
                    problems[index] = ChainProblem(
                        problems[index].event_id, _("inserted (not part of the signed chain)"), "inserted"
                    )
            else:
                if good_id == 0 and not previous_hmac:
                    text = _("the event(s) before this one were deleted (the chain's start is missing)")
                else:
                    text = _("event(s) deleted between {after} and this one").format(after=good_id or last_id)
                problems.append(ChainProblem(event.id, text, "deleted"))
            good_hmac, good_id = event.hmac, event.id
            suspects = []
        else:
            problems.append(ChainProblem(event.id, _("edited, inserted or re-signed (HMAC mismatch)"), "edited"))
            suspects.append(len(problems) - 1)
        previous_hmac = event.hmac
        last_id = event.id
    if head is not None and (head.last_hmac != previous_hmac or head.last_event_id != last_id):
        if head.last_event_id > last_id:
            problems.append(
                ChainProblem(
                    head.last_event_id,
                    _("the last event(s) after {last} were deleted (the head names event {head})").format(
                        last=last_id, head=head.last_event_id
                    ),
                    "tail_deleted",
                )
            )
        else:
            problems.append(
                ChainProblem(head.last_event_id, _("the chain head does not match the last event"), "head_altered")
            )
    elif head is None and checked:
        problems.append(ChainProblem(0, _("the chain head is missing"), "head_altered"))
    if stored is not None and head is not None and head.seal_epoch is not None and stored[0] > head.seal_epoch:
        problems.append(
            ChainProblem(
                head.last_event_id,
                _(
                    "the key store has moved on to epoch {store}, but the log ends in epoch {head}: that epoch can "
                    "never be sealed now, so the events after event {last} were cut (or an older backup was restored)"
                ).format(store=stored[0], head=head.seal_epoch, last=head.last_event_id),
                "unsealed",
            )
        )
    sealed_on = after_seal.get("next_epoch") if after_seal is not None else None
    if head is not None and sealing and head.seal_epoch not in (epoch, sealed_on):
        problems.append(
            ChainProblem(head.last_event_id, _("the head's epoch does not match the last event's"), "head_altered")
        )
    if head is not None and head.seal_epoch is not None and not sealing:
        problems.append(
            ChainProblem(0, _("the head says the chain is sealed, but the table holds no sealed event"), "wiped")
        )
    if not checked and (users or companies):
        problems.append(
            ChainProblem(
                0,
                _(
                    "the audit log is empty, but the database holds {users} user(s) and {companies} company(ies): "
                    "the log was wiped"
                ).format(users=users, companies=companies),
                "wiped",
            )
        )
    for event_id, digest in expect_heads:
        found = session.get(AuditEvent, event_id)
        if found is None or not hmac_lib.compare_digest(found.hmac, digest):
            problems.append(
                ChainProblem(
                    event_id,
                    _(
                        "a head kept outside the server names event {id} with HMAC {hmac}, which the log does not hold: "
                        "it was cut or rewritten after that copy was made"
                    ).format(id=event_id, hmac=digest[:16]),
                    "head_not_found",
                )
            )
    if sealing and seed is None and unproven:
        notes.append(
            _(
                "{n} event(s) of epochs before the key store's were checked for their links only: give the "
                "owner's seed to prove them."
            ).format(n=unproven)
        )
    if head is not None and head.seal_epoch is None and checked:
        notes.append(_("This chain is not sealed yet: run `kbase init` to begin sealing and get the seed."))
    return VerifyResult(
        checked=checked,
        problems=tuple(problems),
        key_kind=key_kind,
        key_where=key_where,
        last_event_id=last_id,
        last_hmac=previous_hmac,
        sealed=sealing,
        epochs=epochs,
        unproven=unproven,
        notes=tuple(notes),
        seed_used=seed is not None,
    )


# --- reading the trail ----------------------------------------------------------------

# The audit screen's client search (find_companies): enough to name a client, not to list the base.
SEARCH_MIN_CHARS = 3
SEARCH_MATCHES = 10

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
    text_keys = tuple(str(key) for key, value in detail.items() if isinstance(value, str))
    detail = {str(key): _detail_text(value) for key, value in detail.items()}
    return AuditEntry(
        id=event.id,
        at=event.at,
        actor=event.actor,
        actor_name=full_name or "",
        actor_role=role or "",
        action=event.action,
        entity=event.entity,
        entity_id=event.entity_id,
        company_id=event.company_id,
        company_name=company or "",
        detail=detail,
        client_address=event.client_address,
        text_keys=text_keys,
    )


@audited_view("audit_events")
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


@audited_view("audit_search", search_arg="text")
def find_companies(db: Database, actor: Actor, text: str, *, limit: int = 20) -> list[CompanyMatch]:
    """Clients in the audit log whose name (case- and ё-folded) contains every word of *text*, or
    whose INN is *text*: for the audit screen, where the supervisor or admin names a client to see
    who touched it.

    It answers about the audit log, not the client base: only companies that some event concerns,
    at most SEARCH_MATCHES of them, at least SEARCH_MIN_CHARS typed, the INN only to whoever typed
    it; every search is audited and counted against the reader's hourly search limit.
    """
    from .search import company_name_filter, company_name_order, query_words

    typed = text.strip()
    if not query_words(text) or len(typed) < SEARCH_MIN_CHARS:
        return []
    with db.read() as session:
        _require_audit(session, actor)
        touched = select(AuditEvent.id).where(AuditEvent.company_id == Company.id).exists()
        query = select(Company.id, Company.name, Company.city, Company.inn).where(touched)
        if typed.isdigit():
            query = query.where(or_(company_name_filter(text), Company.inn == typed))
        else:
            query = query.where(company_name_filter(text))
        query = query.order_by(*company_name_order()).limit(max(1, min(limit, SEARCH_MATCHES)))
        return [
            CompanyMatch(id=i, name=n, city=c or "", inn=inn if inn == typed else "")
            for i, n, c, inn in session.execute(query).all()
        ]


@audited_view("audit_access_summary")
def access_summary(db: Database, actor: Actor, company_id: int) -> list[AccessRow]:
    """Per user: (user name, full name, events, first, last) for one company, most recent first."""
    with db.read() as session:
        _require_audit(session, actor)
        query = (
            select(
                AuditEvent.actor,
                func.max(User.full_name),
                func.count(),
                func.min(AuditEvent.at),
                func.max(AuditEvent.at),
            )
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
