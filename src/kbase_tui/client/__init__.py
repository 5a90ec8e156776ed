"""The one way the terminal app reaches the base: a client of the kbase server.

    client = KbaseClient.for_address("unix:/run/kbase/kbase.sock")
    signed = await client.sign_in("anna", "…")
    view = await client.call(queue.take_next)
    async for event in client.events(): ...

The app holds a session token and nothing else: no database, no key, no file of the base.
Every request names an operation from kbase_tui.protocol with its typed arguments; errors come
back as the protocol's exception classes.  HTTP over a Unix socket (or TLS over TCP) with
httpx; bodies are JSON, encoded and checked by kbase_tui.protocol.wire.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from kbase_tui.i18n import _
from kbase_tui.protocol import wire
from kbase_tui.protocol.dto import Actor
from kbase_tui.protocol.errors import KbaseError, ProtocolMismatch, ServerUnavailable, SessionEnded
from kbase_tui.protocol.operations import Operation
from kbase_tui.protocol.session import ChangePassword, PushEvent, SignedIn, SignIn, Terminal, Unlock

if TYPE_CHECKING:
    import httpx

R = TypeVar("R")

# A call that takes longer than this is reported, not waited for forever (an import runs longer: see `call`).
DEFAULT_TIMEOUT = 60.0
CONNECT_TIMEOUT = 5.0


@dataclass(frozen=True)
class ServerAddress:
    """Where the server listens: `unix:/path/to/socket` or `https://host:port`."""

    text: str

    @property
    def is_unix(self) -> bool:
        return self.text.startswith("unix:")

    @property
    def socket_path(self) -> Path:
        return Path(self.text[len("unix:") :])

    @classmethod
    def parse(cls, text: str) -> ServerAddress:
        value = text.strip()
        if value.startswith("unix:") and len(value) > len("unix:"):
            return cls(value)
        if value.startswith("/"):
            return cls("unix:" + value)
        if value.startswith("https://"):
            return cls(value.rstrip("/"))
        raise ValueError(
            _("A server address is unix:/path/to/socket or https://host:port, not {text!r}.").format(text=text[:80])
        )


def terminal() -> Terminal:
    """Where this app runs, as far as it can tell (reported to the server for the audit)."""
    connection = os.environ.get("SSH_CONNECTION") or os.environ.get("SSH_CLIENT") or ""
    address = connection.split()[0][:64] if connection else ""
    try:
        tty = os.ttyname(0)[:64]
    except OSError:
        tty = ""
    return Terminal(address=address, tty=tty)


def warm_up() -> None:
    """Import the HTTP library ahead of the first request (a thread may run this while the login waits).

    httpx, with what it pulls in, is the largest import of the app's start after Textual; the login
    paints without it, and the person takes seconds to type a name and password.
    """
    import httpx  # noqa: F401


class KbaseClient:
    def __init__(self, address: ServerAddress, *, timeout: float = DEFAULT_TIMEOUT) -> None:
        import httpx

        self.address = address
        self.token = ""
        self.actor: Actor | None = None
        if address.is_unix:
            transport = httpx.AsyncHTTPTransport(uds=str(address.socket_path))
            base_url = "http://kbase"
            verify: Any = True
        else:
            transport = None
            base_url = address.text
            verify = _tls_context()
        self._http = httpx.AsyncClient(
            transport=transport,
            base_url=base_url + wire.API,
            verify=verify,
            timeout=httpx.Timeout(timeout, connect=CONNECT_TIMEOUT),
            headers={wire.VERSION_HEADER: wire.PROTOCOL_VERSION},
        )

    @classmethod
    def for_address(cls, text: str) -> KbaseClient:
        return cls(ServerAddress.parse(text))

    # --- the session -----------------------------------------------------------------------
    async def sign_in(self, username: str, password: str, *, language: str = "") -> SignedIn:
        body = wire.encode(SignIn(username=username, password=password, terminal=terminal(), language=language))
        signed = await self._request("POST", "/session", body, kind=SignedIn, authorised=False)
        self.token = signed.token
        self.actor = signed.actor
        return signed

    async def change_password(self, old_password: str, new_password: str) -> Actor:
        body = wire.encode(ChangePassword(old_password=old_password, new_password=new_password))
        actor = await self._request("POST", "/session/password", body, result=Actor)
        self.actor = actor
        return actor

    async def unlock(self, password: str) -> None:
        await self._request("POST", "/session/unlock", wire.encode(Unlock(password=password)))

    async def sign_out(self) -> None:
        if self.token:
            with contextlib.suppress(KbaseError):  # the server forgets an abandoned session by itself
                await self._request("DELETE", "/session", b"")
        self.token = ""
        self.actor = None

    # --- operations ------------------------------------------------------------------------
    async def call(self, op: Operation[R], /, *args: Any, timeout: float | None = None, **kwargs: Any) -> R:
        """Run *op* on the server with these arguments; its result, or the error it raised."""
        body = wire.encode(op.bind(*args, **kwargs))
        response = await self._send("POST", f"/op/{op.name}", body, timeout=timeout)
        if response.status_code != 200:
            raise wire.decode_error(response.content, op)
        return wire.decode_result(op, response.content)

    async def upload(self, path: Path) -> str:
        """Send the file at *path* (on this computer) to the server's inbox; returns its name there."""

        import httpx

        async def chunks() -> AsyncIterator[bytes]:
            with open(path, "rb") as handle:
                while chunk := handle.read(1 << 20):
                    yield chunk

        from urllib.parse import quote

        headers = {**self._auth(), "x-kbase-filename": quote(path.name)}  # headers are ASCII; names often not
        try:
            response = await self._http.post(
                "/upload", content=chunks(), headers=headers, timeout=httpx.Timeout(600.0, connect=CONNECT_TIMEOUT)
            )
        except httpx.TransportError as error:
            raise ServerUnavailable() from error
        if response.status_code != 200:
            raise wire.decode_error(response.content)
        return wire.decode_reply(response.content, str)

    async def events(self) -> AsyncIterator[PushEvent]:
        """The events the server pushes for this session, until it ends or the link drops."""
        import httpx

        try:
            async with self._http.stream(
                "GET", "/events", headers=self._auth(), timeout=httpx.Timeout(None, connect=CONNECT_TIMEOUT)
            ) as response:
                if response.status_code != 200:
                    await response.aread()
                    raise wire.decode_error(response.content)
                async for line in response.aiter_lines():
                    if line.strip():
                        yield wire.decode_as(line.encode(), PushEvent)
        except httpx.TransportError as error:
            raise ServerUnavailable() from error

    async def aclose(self) -> None:
        await self._http.aclose()

    # --- plumbing --------------------------------------------------------------------------
    def _auth(self) -> dict[str, str]:
        return {"authorization": f"Bearer {self.token}"} if self.token else {}

    async def _send(
        self, method: str, path: str, body: bytes, *, authorised: bool = True, timeout: float | None = None
    ) -> httpx.Response:
        import httpx

        try:
            response = await self._http.request(
                method,
                path,
                content=body,
                headers=self._auth() if authorised else {},
                timeout=httpx.USE_CLIENT_DEFAULT if timeout is None else timeout,
            )
        except httpx.TimeoutException as error:
            raise ServerUnavailable(
                _(
                    "The server did not answer in time; the action may or may not have been "
                    "saved. Look before you repeat it."
                )
            ) from error
        except httpx.TransportError as error:
            raise ServerUnavailable() from error
        theirs = response.headers.get(wire.VERSION_HEADER)
        if theirs is not None and theirs != wire.PROTOCOL_VERSION:
            raise ProtocolMismatch()
        if response.status_code == 401 and authorised:
            error = wire.decode_error(response.content)
            if isinstance(error, SessionEnded):
                self.token = ""
            raise error
        return response

    async def _request(
        self, method: str, path: str, body: bytes, *, kind: Any = None, result: Any = None, authorised: bool = True
    ) -> Any:
        """A session route's reply: a whole body of *kind*, or the `result` field as *result*."""
        response = await self._send(method, path, body, authorised=authorised)
        if response.status_code != 200:
            raise wire.decode_error(response.content)
        if kind is not None:
            return wire.decode_as(response.content, kind)
        return wire.decode_reply(response.content, result) if result is not None else None


def _tls_context() -> Any:
    """TLS towards a shared server: its CA (KBASE_SERVER_CA) and this host's certificate if it must show one."""
    import ssl

    context = ssl.create_default_context(cafile=os.environ.get("KBASE_SERVER_CA") or None)
    cert = os.environ.get("KBASE_CLIENT_CERT")
    if cert:
        context.load_cert_chain(cert, os.environ.get("KBASE_CLIENT_KEY") or None)
    return context
