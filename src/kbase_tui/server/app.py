"""The server's HTTP face: sign-in, named operations, and the stream of pushed events.

Routes (all JSON, under /v1):

    GET    /health               protocol version, no sign-in needed
    POST   /session              sign in: user name + password -> token and the user
    DELETE /session              sign out (the held lead is released)
    POST   /session/password     change the password (also the only thing a forced-change session may do)
    POST   /session/unlock       the idle lock's password check
    GET    /events               pushed events, one JSON object a line, for as long as the session lives
    POST   /op/{name}            one operation: arguments in, result or error out
    POST   /upload               a file for an import, stored in the inbox under a name the server chooses

Every request but /health carries `Authorization: Bearer <token>`.  Service calls run in
threads (the database blocks); the event loop only moves bytes.  Nothing here decides who
may do what: the services do, with the session's user as the actor.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import importlib
import logging
import os
import secrets
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from typing import Any
from urllib.parse import unquote

import anyio
import msgspec
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from kbase_tui import __version__
from kbase_tui.i18n import _, language_for
from kbase_tui.protocol import FEATURES, wire
from kbase_tui.protocol.errors import (
    AccessDenied,
    AccountLocked,
    DatabaseBusy,
    KbaseError,
    LoginFailed,
    NotFound,
    PasswordChangeRequired,
    ProtocolMismatch,
    SessionEnded,
    SlowDown,
    StaleRecord,
    StorageFull,
    ValidationFailed,
)
from kbase_tui.protocol.operations import find
from kbase_tui.protocol.session import ChangePassword, Health, PushEvent, SignedIn, SignIn, Unlock
from kbase_tui.timezones import reader_zone_for

from .bindings import Bound, CallContext, all_bound
from .sessions import ServerSession
from .state import ServerState

log = logging.getLogger("kbase.server")

JSON = "application/json"
PING_SECONDS = 15.0
MAX_SMALL_BODY = 64 * 1024
BINDING_PAUSE = 0.01  # seconds between two features' bindings imported at start (see create_app)

_STATUS: tuple[tuple[type[KbaseError], int], ...] = (
    (SessionEnded, 401),
    (AccessDenied, 403),
    (NotFound, 404),
    (StaleRecord, 409),
    (SlowDown, 429),
    (DatabaseBusy, 503),
    (StorageFull, 507),
    (ProtocolMismatch, 400),
    (ValidationFailed, 400),
    (LoginFailed, 401),
    (AccountLocked, 401),
)


def _status(error: KbaseError) -> int:
    for cls, status in _STATUS:
        if isinstance(error, cls):
            return status
    return 422


def _reply(body: bytes, status: int = 200) -> Response:
    return Response(body, status_code=status, media_type=JSON, headers={wire.VERSION_HEADER: wire.PROTOCOL_VERSION})


def _error(error: KbaseError) -> Response:
    return _reply(wire.encode_error(error), _status(error))


def _unexpected(error: BaseException, where: str) -> Response:
    reference = secrets.token_hex(4)
    log.error("unexpected error %s in %s", reference, where, exc_info=error)
    return _error(
        KbaseError(
            _(
                "Unexpected error on the server (reference {ref}); nothing more was done. The administrator finds the "
                "details in the server's log."
            ).format(ref=reference)
        )
    )


async def _body(request: Request, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise ValidationFailed(_("The request is too large."))
        chunks.append(chunk)
    return b"".join(chunks)


def _token(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _sep, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def _terminal_address(request: Request, reported: str) -> str:
    """The terminal's address for the audit: what the app reports, after the peer's when it came over TCP."""
    peer = request.client.host if request.client else ""
    parts = [part for part in (peer, reported) if part]
    return "/".join(parts)[:64] or "local"


def create_app(state: ServerState) -> Starlette:
    # The operations' bindings import every service: a quarter of a server's start.  Sign-in needs none of
    # them, so the server listens without them and imports them on its event loop once it runs, one feature
    # at a time with a pause between two (a request takes several turns of the loop: it is answered in the
    # pause, not after every feature); an operation that arrives before they are all in waits for them.
    bound: dict[str, Bound] = {}
    loading: asyncio.Future[None] | None = None
    # What a sign-in needs is in before the server listens: the first sign-in waits for no import.
    for needed in ("kbase_tui.services.reference", "kbase_tui.services.users"):
        importlib.import_module(needed)

    async def bind_all() -> None:
        for feature in FEATURES:
            module = f"kbase_tui.server.bindings.{feature}"
            if module not in sys.modules:  # imported already (a server in a test's process): no wait
                importlib.import_module(module)
                await asyncio.sleep(BINDING_PAUSE)
        bound.update(all_bound())

    def start_binding() -> asyncio.Future[None]:
        nonlocal loading
        if loading is None:
            loading = asyncio.ensure_future(bind_all())
        return loading

    async def bindings() -> dict[str, Bound]:
        if not bound:
            await asyncio.shield(start_binding())
        return bound

    async def in_thread(function: Callable[[], Any], language: str | None, zone: str | None = None) -> Any:
        def run() -> Any:
            # The person's language and zone: a text composed for them reads in their time.
            with language_for(language), reader_zone_for(zone):
                return function()

        return await anyio.to_thread.run_sync(run, limiter=state.limiter)

    def session_of(request: Request) -> ServerSession:
        if request.headers.get(wire.VERSION_HEADER, wire.PROTOCOL_VERSION) != wire.PROTOCOL_VERSION:
            raise ProtocolMismatch()
        session = state.sessions.get(_token(request))
        if session is None:
            raise SessionEnded(reason="expired")
        return session

    # --- routes -----------------------------------------------------------------------------
    async def health(request: Request) -> Response:
        return _reply(wire.encode(Health(protocol=wire.PROTOCOL_VERSION, version=__version__)))

    async def sign_in(request: Request) -> Response:
        from kbase_tui.services import reference, users

        started = time.monotonic()
        try:
            if request.headers.get(wire.VERSION_HEADER, wire.PROTOCOL_VERSION) != wire.PROTOCOL_VERSION:
                raise ProtocolMismatch()
            try:
                form = wire.decode_as(await _body(request, MAX_SMALL_BODY), SignIn)
            except (msgspec.ValidationError, msgspec.DecodeError):
                raise ValidationFailed(_("The sign-in request was refused.")) from None
            address = _terminal_address(request, form.terminal.address)
            language = form.language or None
            must_change = False
            try:
                actor = await in_thread(
                    lambda: users.login(state.database, form.username, form.password, address=address), language
                )
            except PasswordChangeRequired as error:
                actor = error.actor  # type: ignore[attr-defined]
                must_change = True
            # A user with no language of his own is answered in his terminal's: the headings and sentences the
            # server writes (reports, history, messages) must read in the language of the screen around them.
            actor = replace(actor, client_address=address, language=actor.language or language)
            limits = await in_thread(lambda: reference.session_limits(state.database), language)
        except KbaseError as error:
            # An account under attack answers slowly (services/signin.py), whoever asks.
            await _pad(started, max(state.settings.sign_in_floor, getattr(error, "slow", 0.0)))
            return _error(error)
        except Exception as error:
            await _pad(started, state.settings.sign_in_floor)
            return _unexpected(error, "sign-in")
        token, _session = state.sessions.create(actor, password_change_only=must_change)
        await _pad(started, state.settings.sign_in_floor)
        return _reply(
            wire.encode(
                SignedIn(
                    token=token,
                    actor=actor,
                    must_change_password=must_change,
                    idle_lock_minutes=limits.idle_lock_minutes,
                    lead_lease_minutes=limits.lead_lease_minutes,
                    centre_time_zone=limits.centre_time_zone,
                )
            )
        )

    async def sign_out(request: Request) -> Response:
        try:
            session = session_of(request)
        except KbaseError:
            return _reply(wire.encode_result(None))  # already gone: signing out again is no error
        if state.sessions.end(session, "signed_out"):
            await _release(session)
        return _reply(wire.encode_result(None))

    async def change_password(request: Request) -> Response:
        from kbase_tui.services import users

        try:
            session = session_of(request)
            form = wire.decode_as(await _body(request, MAX_SMALL_BODY), ChangePassword)
            await in_thread(
                lambda: users.change_password(state.database, session.actor, form.old_password, form.new_password),
                session.actor.language,
            )
        except (msgspec.ValidationError, msgspec.DecodeError):
            return _error(ValidationFailed())
        except KbaseError as error:
            return _error(error)
        except Exception as error:
            return _unexpected(error, "password change")
        session.password_change_only = False
        return _reply(wire.encode_result(session.actor))

    async def unlock(request: Request) -> Response:
        from kbase_tui.services import users

        started = time.monotonic()
        try:
            session = session_of(request)
            form = wire.decode_as(await _body(request, MAX_SMALL_BODY), Unlock)
            actor = session.actor
            with contextlib.suppress(PasswordChangeRequired):  # the password was right
                await in_thread(
                    lambda: users.login(state.database, actor.username, form.password, address=actor.client_address),
                    actor.language,
                )
        except (msgspec.ValidationError, msgspec.DecodeError):
            return _error(ValidationFailed())
        except KbaseError as error:
            await _pad(started, state.settings.sign_in_floor)
            return _error(error)
        except Exception as error:
            return _unexpected(error, "unlock")
        await _pad(started, state.settings.sign_in_floor)
        return _reply(wire.encode_result(None))

    async def upload(request: Request) -> Response:
        """A file from the app's computer into the inbox, under a name the server chooses."""
        from kbase_tui.services import importing

        from . import files

        temporary = None
        try:
            session = session_of(request)
            actor = session.actor
            await in_thread(lambda: importing.require_importer(state.database, actor), actor.language)
            original = unquote(request.headers.get("x-kbase-filename", ""))[:200]
            name = files.stamped_name("upload", actor.username, original)
            folder = state.inbox_dir()
            fd, temporary = tempfile.mkstemp(prefix=".upload-", dir=folder)  # hidden until complete
            size = 0
            with os.fdopen(fd, "wb") as handle:
                async for chunk in request.stream():
                    size += len(chunk)
                    if size > state.settings.max_upload:
                        raise ValidationFailed(
                            _("The file is larger than the server accepts ({n} MB).").format(
                                n=state.settings.max_upload // (1024 * 1024)
                            )
                        )
                    handle.write(chunk)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, folder / name)
            temporary = None
            return _reply(wire.encode_result(name))
        except KbaseError as error:
            return _error(error)
        except OSError as error:
            return _error(
                StorageFull()
                if error.errno in (errno.ENOSPC, errno.EFBIG)
                else KbaseError(_("The server could not store the file: {why}.").format(why=error.strerror))
            )
        except Exception as error:
            return _unexpected(error, "upload")
        finally:
            if temporary is not None:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(temporary)

    async def events(request: Request) -> Response:
        try:
            session = session_of(request)
        except KbaseError as error:
            return _error(error)
        stream: asyncio.Queue[PushEvent | None] = asyncio.Queue()
        session.streams.add(stream)

        async def lines() -> AsyncIterator[bytes]:
            try:
                yield wire.encode(PushEvent(type="ping")) + b"\n"  # the app knows the stream is up
                while True:
                    try:
                        event = await asyncio.wait_for(stream.get(), PING_SECONDS)
                    except TimeoutError:
                        event = PushEvent(type="ping")
                    if event is None:
                        return
                    yield wire.encode(event) + b"\n"
            finally:
                session.streams.discard(stream)
                session.last_seen = time.monotonic()

        return StreamingResponse(
            lines(), media_type="application/x-ndjson", headers={wire.VERSION_HEADER: wire.PROTOCOL_VERSION}
        )

    async def call(request: Request) -> Response:
        name = request.path_params["name"]
        try:
            binding = (await bindings()).get(name)
            op = find(name)
            session = session_of(request)
            if op is None or binding is None:
                raise NotFound(_("The server does not know the operation {name}.").format(name=name[:64]))
            if session.password_change_only and not op.anonymous:
                raise AccessDenied(_("Set a new password first."))
            args = wire.decode_args(op, await _body(request, op.max_body))
            context = CallContext(state.database, session.actor, session, state)
            result = await in_thread(
                lambda: binding.handler(context, **args), session.actor.language, session.actor.time_zone
            )
            return _reply(wire.encode_result(result))
        except KbaseError as error:
            return _error(error)
        except Exception as error:
            return _unexpected(error, f"operation {name}")

    async def _release(session: ServerSession) -> None:
        from kbase_tui.services import queue, users

        actor = session.actor

        def release() -> None:
            queue.release_lead(state.database, actor)
            users.logout(state.database, actor)

        try:
            await in_thread(release, actor.language)
        except Exception as error:
            log.warning("releasing the lead of %s failed: %s", actor.username, error)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        from .housekeeping import Housekeeping

        state.sessions.loop = asyncio.get_running_loop()
        if state.limiter is None:
            state.limiter = anyio.CapacityLimiter(state.settings.threads)
        keeper = Housekeeping(state, release=_release)
        keeper.start()
        start_binding()
        try:
            yield
        finally:
            await keeper.stop()

    routes = [
        Route(f"{wire.API}/health", health, methods=["GET"]),
        Route(f"{wire.API}/session", sign_in, methods=["POST"]),
        Route(f"{wire.API}/session", sign_out, methods=["DELETE"]),
        Route(f"{wire.API}/session/password", change_password, methods=["POST"]),
        Route(f"{wire.API}/session/unlock", unlock, methods=["POST"]),
        Route(f"{wire.API}/events", events, methods=["GET"]),
        Route(f"{wire.API}/upload", upload, methods=["POST"]),
        Route(f"{wire.API}/op/{{name:str}}", call, methods=["POST"]),
    ]
    return Starlette(routes=routes, lifespan=lifespan)


async def _pad(started: float, floor: float) -> None:
    left = floor - (time.monotonic() - started)
    if left > 0:
        await asyncio.sleep(left)
