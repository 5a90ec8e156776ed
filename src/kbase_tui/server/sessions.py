"""Signed-in sessions, held by the server only.

A session is what a sign-in buys: a random token (the app keeps it in memory; the server keeps
only its SHA-256), the user it acts for, and the streams of pushed events open for it.  A
session ends when the person signs out, when the server ends it (the user was disabled, got
another role, or was locked by an alarm), or when its app has been gone for `DETACHED_TTL`
(a dropped SSH connection: no events stream and no request).  The lead a session's user
holds is released when the session ends for any reason but a restart.

Sessions live in the server's memory: after a restart the apps are asked for the password
again and carry on where they were (their screens and typed text are theirs).
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
import threading
import time
from dataclasses import dataclass, field, replace

from kbase_tui.protocol.dto import Actor
from kbase_tui.protocol.session import PushEvent

# An app with no events stream and no request for this long is gone (killed, dropped link): the shared
# server's default; ServerSettings.detached_ttl is what the housekeeping uses.
DETACHED_TTL = 15 * 60.0
# Events waiting for a slow reader beyond this are dropped: they are hints to refresh.
QUEUE_LIMIT = 256


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


@dataclass(eq=False)
class ServerSession:
    digest: str
    actor: Actor
    # A forced password change is all this session may do until it is done.
    password_change_only: bool = False
    created: float = field(default_factory=time.monotonic)
    last_seen: float = field(default_factory=time.monotonic)
    streams: set[asyncio.Queue[PushEvent | None]] = field(default_factory=set)
    ended: str = ""

    @property
    def attached(self) -> bool:
        return bool(self.streams)


class SessionStore:
    """The sessions of one server; safe to use from the event loop and from service threads."""

    def __init__(self) -> None:
        self._by_digest: dict[str, ServerSession] = {}
        self._lock = threading.Lock()
        self.loop: asyncio.AbstractEventLoop | None = None

    def create(self, actor: Actor, *, password_change_only: bool = False) -> tuple[str, ServerSession]:
        token = secrets.token_urlsafe(32)
        session = ServerSession(token_digest(token), actor, password_change_only=password_change_only)
        with self._lock:
            self._by_digest[session.digest] = session
        return token, session

    def get(self, token: str) -> ServerSession | None:
        if not token:
            return None
        with self._lock:
            session = self._by_digest.get(token_digest(token))
        if session is not None:
            session.last_seen = time.monotonic()
        return session

    def all(self) -> list[ServerSession]:
        with self._lock:
            return list(self._by_digest.values())

    def of_user(self, user_id: int) -> list[ServerSession]:
        return [s for s in self.all() if s.actor.id == user_id]

    def update_actor(self, session: ServerSession, actor: Actor) -> None:
        session.actor = actor

    def set_language(self, session: ServerSession, language: str | None) -> None:
        session.actor = replace(session.actor, language=language)

    def end(self, session: ServerSession, reason: str, message: str = "") -> bool:
        """Forget *session* and tell its open screens why; False if it had already ended."""
        with self._lock:
            if self._by_digest.pop(session.digest, None) is None:
                return False
        session.ended = reason
        self.push(session, PushEvent(type="signed_out", reason=reason, message=message))
        for stream in list(session.streams):
            self._put(stream, None)  # closes the stream after the event
        return True

    def detached_for(self, seconds: float) -> list[ServerSession]:
        now = time.monotonic()
        return [s for s in self.all() if not s.attached and now - s.last_seen > seconds]

    # --- pushing -------------------------------------------------------------------------------
    def push(self, session: ServerSession, event: PushEvent) -> None:
        for stream in list(session.streams):
            self._put(stream, event)

    def push_to(self, event: PushEvent, *, user_ids: tuple[int, ...] = (), roles: tuple[str, ...] = ()) -> None:
        for session in self.all():
            if session.actor.id in user_ids or session.actor.role in roles:
                self.push(session, event)

    def _put(self, stream: asyncio.Queue[PushEvent | None], event: PushEvent | None) -> None:
        def put() -> None:
            if event is None or stream.qsize() < QUEUE_LIMIT:
                stream.put_nowait(event)

        loop = self.loop
        if loop is None:
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            put()
        else:
            loop.call_soon_threadsafe(put)
