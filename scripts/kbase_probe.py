"""What an OS account can do through the kbase server's socket, and a person signing in over a terminal.

Run by scripts/check_ssh_deploy.sh and tests/system/test_two_accounts.py as the operators' account
(`runuser -u ACCOUNT -- python kbase_probe.py ...`): a stand-in for any program that account could run.

    kbase_probe.py SOCKET health                        the server answers (no sign-in needed for this one)
    kbase_probe.py SOCKET anonymous                     every operation and session route, without a session
                                                        and with a forged one: all must answer 401
    kbase_probe.py SOCKET denied USER PASSWORD OP...    signed in as USER, each OP must be refused (403)
    kbase_probe.py SOCKET take-lead USER PASSWORD       the caller's queue opens: prints the lead's company
    kbase_probe.py SOCKET export USER PASSWORD          an export through the server: prints its file name
    kbase_probe.py SOCKET inbox USER PASSWORD           prints the names of the files in the server's inbox
    kbase_probe.py SOCKET import USER PASSWORD NAME     imports NAME from the inbox: prints the rows imported
    kbase_probe.py SOCKET modules                       signs nothing in: lists the database-layer modules this
                                                        process loaded with the app and its client (none)
    kbase_probe.py - tty SCREEN USER PASSWORD EXPECT -- CMD...
                                                        runs CMD in a terminal (e.g. ssh -tt), waits for the kbase
                                                        sign-in screen, signs in as USER (unless USER is -) and
                                                        waits for EXPECT; the text shown goes to the file SCREEN

Prints one line per finding and exits 0 when every expectation holds, 1 otherwise.
"""

from __future__ import annotations

import asyncio
import sys

PASSED = True


def say(ok: bool, text: str) -> None:
    global PASSED
    PASSED = PASSED and ok
    print(("ok    " if ok else "WRONG ") + text, flush=True)


def raw(socket: str):
    import httpx

    from kbase_tui.protocol import wire

    return httpx.AsyncClient(
        transport=httpx.AsyncHTTPTransport(uds=socket),
        base_url="http://kbase" + wire.API,
        headers={wire.VERSION_HEADER: wire.PROTOCOL_VERSION},
        timeout=30,
    )


async def health(socket: str) -> None:
    async with raw(socket) as http:
        reply = await http.get("/health")
    say(reply.status_code == 200, f"GET /health answers {reply.status_code}")


async def anonymous(socket: str) -> None:
    from kbase_tui import protocol
    from kbase_tui.protocol.operations import all_operations

    protocol.load_all()
    names = sorted(all_operations())
    routes = [("POST", f"/op/{name}") for name in names] + [
        ("GET", "/events"),
        ("POST", "/upload"),
        ("POST", "/session/password"),
        ("POST", "/session/unlock"),
    ]
    async with raw(socket) as http:
        for header in ({}, {"authorization": "Bearer forged-token"}):
            wrong = []
            for method, path in routes:
                reply = await http.request(method, path, content=b"{}", headers=header)
                if reply.status_code != 401:
                    wrong.append(f"{method} {path}: {reply.status_code}")
            what = "a forged token" if header else "no token"
            say(
                not wrong,
                f"{what}: {len(routes) - len(wrong)} of {len(routes)} routes ({len(names)} operations) "
                f"answer 401" + (f"; not: {', '.join(wrong[:5])}" if wrong else ""),
            )


async def signed_in(socket: str, user: str, password: str):
    from kbase_tui.client import KbaseClient

    client = KbaseClient.for_address(f"unix:{socket}")
    signed = await client.sign_in(user, password)
    say(True, f"{user} signed in as {signed.actor.role}")
    return client


async def denied(socket: str, user: str, password: str, names: list[str]) -> None:
    from kbase_tui.protocol import wire
    from kbase_tui.protocol.errors import AccessDenied

    client = await signed_in(socket, user, password)
    try:
        async with raw(socket) as http:
            for name in names:
                reply = await http.post(
                    f"/op/{name}", content=b"{}", headers={"authorization": f"Bearer {client.token}"}
                )
                error = wire.decode_error(reply.content) if reply.status_code != 200 else None
                say(
                    reply.status_code == 403 and isinstance(error, AccessDenied),
                    f"{user} calling {name}: {reply.status_code} {type(error).__name__ if error else 'done'}",
                )
    finally:
        await client.sign_out()
        await client.aclose()


async def take_lead(socket: str, user: str, password: str) -> None:
    from kbase_tui.protocol import queue

    client = await signed_in(socket, user, password)
    try:
        _outcomes, view = await client.call(queue.open_queue)
        say(view.lead is not None, f"{user} holds a lead: {view.lead.name if view.lead else 'none (queue empty)'}")
    finally:
        await client.sign_out()
        await client.aclose()


async def export(socket: str, user: str, password: str) -> None:
    from kbase_tui.protocol import exporter

    client = await signed_in(socket, user, password)
    try:
        report = await client.call(exporter.export_companies, "csv")
        say(bool(report.path), f"export {report.path} ({report.rows} rows)")
        print(report.path)
    finally:
        await client.sign_out()
        await client.aclose()


async def inbox(socket: str, user: str, password: str) -> None:
    from kbase_tui.protocol import importer

    client = await signed_in(socket, user, password)
    try:
        files = await client.call(importer.inbox)
        say(True, f"inbox: {len(files)} file(s)")
        for item in files:
            print(item.name)
    finally:
        await client.sign_out()
        await client.aclose()


async def run_import(socket: str, user: str, password: str, name: str) -> None:
    from kbase_tui.protocol import importer

    client = await signed_in(socket, user, password)
    try:
        job = await client.call(importer.start, name)
        for _ in range(600):
            progress = await client.call(importer.progress, job)
            if progress.finished:
                break
            await asyncio.sleep(0.1)
        report = progress.report
        say(
            report is not None and not progress.error,
            f"import of {name}: "
            + (
                f"{report.imported} imported, {report.rejected} rejected"
                if report
                else progress.error or "did not finish"
            ),
        )
    finally:
        await client.sign_out()
        await client.aclose()


def modules() -> None:
    import kbase_tui.cli.main
    import kbase_tui.client
    import kbase_tui.ui.app  # noqa: F401

    layer = (
        "sqlalchemy",
        "sqlmodel",
        "alembic",
        "psycopg",
        "argon2",
        "keyring",
        "cryptography",
        "kbase_tui.services",
        "kbase_tui.models",
        "kbase_tui.server",
        "kbase_tui.migrations",
    )
    loaded = sorted(m for m in sys.modules if any(m == top or m.startswith(top + ".") for top in layer))
    say(not loaded, "database layer loaded: " + (", ".join(loaded[:10]) or "none"))


def tty(screen_file: str, user: str, password: str, expect: str, command: list[str], timeout: float = 30.0) -> None:
    """Sign in on the kbase sign-in screen of *command*, run in a terminal of 120x40, as a person would."""
    import fcntl
    import os
    import re
    import select
    import struct
    import subprocess
    import termios
    import time

    controller, terminal = os.openpty()
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    process = subprocess.Popen(
        command,
        stdin=terminal,
        stdout=terminal,
        stderr=terminal,
        start_new_session=True,
        env={**os.environ, "TERM": "xterm-256color"},
    )
    os.close(terminal)
    received = bytearray()
    escape = re.compile(r"\x1b\[[0-9;?<>=]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(\x07|\x1b\\)|\x1b[()][A-Z0-9]|\x1b[=>78]")

    def screen() -> str:
        """What was written to the terminal, without its control sequences."""
        return escape.sub("", received.decode("utf-8", "replace"))

    def read(wait: float) -> bool:
        ready, _, _ = select.select([controller], [], [], wait)
        if not ready:
            return False
        try:
            chunk = os.read(controller, 65536)
        except OSError:  # the program ended
            chunk = b""
        received.extend(chunk)
        return bool(chunk)

    def wait_for(text: str, seconds: float) -> bool:
        deadline = time.monotonic() + seconds
        while text not in screen() and time.monotonic() < deadline:
            if not read(0.2) and process.poll() is not None:
                break
        return text in screen()

    def settle(quiet: float = 0.8, longest: float = 4.0) -> None:
        """Wait until the screen has stopped changing (a blinking cursor never quite stops), as a person waits
        before typing."""
        deadline = time.monotonic() + longest
        while time.monotonic() < deadline and read(quiet):
            pass

    def typed(text: str) -> None:
        for char in text:
            os.write(controller, char.encode())
            time.sleep(0.02)
        settle()

    try:
        shown = wait_for("User name", timeout)
        say(shown, "the sign-in screen is shown")
        if shown and user != "-":
            settle()
            for keys in (user, "\r", password, "\r"):
                typed(keys)
            say(wait_for(expect, timeout), f"signed in as {user}: {expect!r} is on the screen")
        else:
            settle(2.0, 4.0)  # whatever else comes (a shell's output would) is kept for the caller
    finally:
        with open(screen_file, "w", encoding="utf-8") as handle:
            handle.write(screen())
        process.terminate()
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            process.kill()
        os.close(controller)


def main(argv: list[str]) -> int:
    socket, command, *rest = argv
    if command == "health":
        asyncio.run(health(socket))
    elif command == "anonymous":
        asyncio.run(anonymous(socket))
    elif command == "denied":
        asyncio.run(denied(socket, rest[0], rest[1], rest[2:]))
    elif command == "take-lead":
        asyncio.run(take_lead(socket, *rest))
    elif command == "export":
        asyncio.run(export(socket, *rest))
    elif command == "inbox":
        asyncio.run(inbox(socket, *rest))
    elif command == "import":
        asyncio.run(run_import(socket, *rest))
    elif command == "modules":
        modules()
    elif command == "tty":
        screen, user, password, expect, separator, *cmd = rest
        assert separator == "--", "tty SCREEN USER PASSWORD EXPECT -- COMMAND..."
        tty(screen, user, password, expect, cmd)
    else:
        raise SystemExit(__doc__)
    return 0 if PASSED else 1


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except Exception as error:
        print(f"WRONG {type(error).__name__}: {error}", flush=True)
        sys.exit(1)
