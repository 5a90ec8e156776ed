"""What the server does on its own: signs out users who may no longer work, forgets vanished apps,
passes notices on to the screens concerned, and stops a private server nobody uses.

The watch reads the signed-in users' state from the database twice a second, so a user
disabled anywhere (the admin's screen, a portfolio transfer, an alarm, `kbase user disable`
run on the server) is signed out within a second, their screen cleared and their lead
released.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable

import anyio

from kbase_tui.i18n import _, language_for
from kbase_tui.protocol.session import PushEvent

from .sessions import ServerSession
from .state import ServerState

log = logging.getLogger("kbase.server")
# How often the server looks whether the audit epoch has ended: an epoch's key outlives it by at most this.
SEAL_CHECK_SECONDS = 20


def _why(reason: str) -> str:
    return {
        "disabled": _("Your account was disabled: you have been signed out. Ask your supervisor or administrator."),
        "role_changed": _("Your role was changed: sign in again to open your new screens."),
        "expired": _("You were away too long: sign in again."),
    }.get(reason, _("You have been signed out."))


class Housekeeping:
    def __init__(self, state: ServerState, *, release: Callable[[ServerSession], Awaitable[None]]) -> None:
        self.state = state
        self.release = release
        self._tasks: list[asyncio.Task[None]] = []
        self._last_session_at = time.monotonic()

    def start(self) -> None:
        from kbase_tui.services import notify

        notify.subscribe(self._notice)
        self._tasks.append(asyncio.create_task(self._watch(), name="kbase-watch"))
        self._tasks.append(asyncio.create_task(self._seals(), name="kbase-audit-seals"))
        if self.state.settings.backup_every_hours and self.state.database.is_sqlite:
            self._tasks.append(asyncio.create_task(self._backups(), name="kbase-backups"))

    async def stop(self) -> None:
        from kbase_tui.services import notify

        notify.unsubscribe(self._notice)
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    def _notice(self, notice) -> None:
        # Called in a service thread after a commit: pass it on to the sessions concerned.
        event = PushEvent(type=notice.kind, what=notice.what, company_id=notice.company_id)
        self.state.sessions.push_to(event, user_ids=notice.user_ids, roles=notice.roles)

    async def _watch(self) -> None:
        interval = self.state.settings.watch_interval
        while True:
            await asyncio.sleep(interval)
            try:
                await self._check_users()
                await self._forget_detached()
                self._maybe_exit()
            except asyncio.CancelledError:
                raise
            except Exception as error:
                log.error("housekeeping failed", exc_info=error)

    async def _check_users(self) -> None:
        from kbase_tui.services import users

        sessions = self.state.sessions.all()
        ids = {s.actor.id for s in sessions if s.actor.id is not None}
        if not ids:
            return
        states = await anyio.to_thread.run_sync(
            lambda: users.session_states(self.state.database, ids), limiter=self.state.limiter
        )
        for session in sessions:
            current = states.get(session.actor.id)
            if current is None or current.disabled:
                reason = "disabled"
            elif current.role != session.actor.role:
                reason = "role_changed"
            else:
                continue
            await self._end(session, reason)

    async def _forget_detached(self) -> None:
        for session in self.state.sessions.detached_for(self.state.settings.detached_ttl):
            await self._end(session, "expired")

    async def _end(self, session: ServerSession, reason: str) -> None:
        with language_for(session.actor.language):
            message = _why(reason)
        if self.state.sessions.end(session, reason, message):
            log.info("signed out %s: %s", session.actor.username, reason)
            await self.release(session)

    async def _seals(self) -> None:
        """Seal every audit epoch when it ends, idle ones too, and erase its key (services/audit.py).

        The head goes to the system log at start and at every seal: a copy the server's account
        cannot take back."""
        from kbase_tui.services import audit

        database = self.state.database
        await anyio.to_thread.run_sync(
            lambda: audit.publish_head(database, "server started"), limiter=self.state.limiter
        )
        while True:
            try:
                if await anyio.to_thread.run_sync(lambda: audit.seal_due(database), limiter=self.state.limiter):
                    await anyio.to_thread.run_sync(
                        lambda: audit.publish_head(database, "epoch sealed"), limiter=self.state.limiter
                    )
            except asyncio.CancelledError:
                raise
            except Exception as error:
                log.error("sealing the audit epoch failed", exc_info=error)
            await asyncio.sleep(SEAL_CHECK_SECONDS)

    async def _backups(self) -> None:
        """An encrypted backup now and then every `backup_every_hours`, the newest `backup_keep` kept."""
        every = self.state.settings.backup_every_hours * 3600
        while True:
            try:
                await anyio.to_thread.run_sync(self._backup_once, limiter=self.state.limiter)
            except asyncio.CancelledError:
                raise
            except Exception as error:
                log.error("the scheduled backup failed", exc_info=error)
            await asyncio.sleep(every)

    def _backup_once(self) -> None:
        from kbase_tui.services import audit, backup

        settings = self.state.settings
        info = backup.make_backup(self.state.database.url, settings.backup_dir, keep=settings.backup_keep)
        with self.state.database.write() as session:
            audit.record(session, "server", "backup_made", file=info.path.name, rows=info.rows)
        log.info("backup written: %s (%d rows)", info.path, info.rows)

    def _maybe_exit(self) -> None:
        idle_exit = self.state.settings.idle_exit
        if idle_exit is None or self.state.request_exit is None:
            return
        if self.state.sessions.all():
            self._last_session_at = time.monotonic()
        elif time.monotonic() - self._last_session_at > idle_exit:
            log.info("no sessions for %.0f s: a private server stops", idle_exit)
            self.state.request_exit()
