"""The server's face to the app: sessions, operations, pushed events, and what it refuses.

Each test runs a server in this process on its own Unix socket (tests/server_harness.py) and
talks to it with the app's own client.
"""

from __future__ import annotations

import asyncio
import os
import time

import httpx
import pytest
from sqlalchemy import select

from kbase_tui.client import KbaseClient
from kbase_tui.models import Company
from kbase_tui.protocol import queue, wire
from kbase_tui.protocol.errors import AccessDenied, LoginFailed, NotFound, SessionEnded, ValidationFailed

from ..conftest import PASSWORD
from ..server_harness import server_for
from ..services.queue_setup import add_company

pytestmark = pytest.mark.usefixtures("no_rate_limits")


async def signed_in(db, username: str) -> KbaseClient:
    client = KbaseClient.for_address(server_for(db).address)
    await client.sign_in(username, PASSWORD)
    return client


def held_by(db, user_id):
    with db.read() as session:
        return session.execute(select(Company.id).where(Company.held_by_id == user_id)).scalars().all()


async def test_a_caller_signs_in_takes_a_lead_and_signing_out_gives_it_back(db, make_user):
    anna = make_user("caller", "anna")
    company_id = add_company(db, "ООО «Ромашка»")
    client = await signed_in(db, "anna")
    outcomes, view = await client.call(queue.open_queue)
    assert view.lead.company_id == company_id and {o.code for o in outcomes} >= {"no_answer", "refused"}
    assert held_by(db, anna.id) == [company_id]
    await client.sign_out()
    assert held_by(db, anna.id) == []
    with pytest.raises(SessionEnded):
        await client.call(queue.take_next)
    await client.aclose()


async def test_wrong_unknown_and_disabled_sign_ins_get_the_same_answer(db, make_user):
    make_user("caller", "anna")
    make_user("caller", "olga")
    from kbase_tui.services import users

    users.disable_user(db, users.local_actor(), "olga")
    client = KbaseClient.for_address(server_for(db).address)
    answers = []
    for username, password in (("anna", "wrong-password"), ("nobody", PASSWORD), ("olga", "wrong-password")):
        with pytest.raises(LoginFailed) as caught:
            await client.sign_in(username, password)
        answers.append(str(caught.value))
    assert len(set(answers)) == 1
    await client.aclose()


async def test_the_app_cannot_name_an_actor_or_reach_beyond_its_role(db, make_user):
    make_user("caller", "anna")
    client = await signed_in(db, "anna")
    token = client.token
    async with httpx.AsyncClient(
        transport=httpx.AsyncHTTPTransport(uds=str(server_for(db).running.listen.socket_path)),
        base_url="http://kbase/v1",
    ) as raw:
        headers = {"authorization": f"Bearer {token}"}
        reply = await raw.post(
            "/op/queue.take_callback", content=b'{"company_id": 1, "actor": {"role": "admin"}}', headers=headers
        )
        assert reply.status_code == 400 and isinstance(wire.decode_error(reply.content), ValidationFailed)
        reply = await raw.post("/op/users.list_users", content=b"{}", headers=headers)
        assert reply.status_code in (403, 404)
        assert isinstance(wire.decode_error(reply.content), (AccessDenied, NotFound))
        reply = await raw.post("/op/no.such_operation", content=b"{}", headers=headers)
        assert reply.status_code == 404
        reply = await raw.post("/op/queue.take_next", content=b"{}", headers={"authorization": "Bearer forged"})
        assert reply.status_code == 401 and isinstance(wire.decode_error(reply.content), SessionEnded)
        reply = await raw.post("/op/queue.take_next", content=b"{}", headers={**headers, wire.VERSION_HEADER: "0"})
        assert reply.status_code == 400
    await client.aclose()


async def test_a_disabled_user_is_signed_out_at_once_and_their_lead_goes_back(db, make_user):
    anna = make_user("caller", "anna")
    add_company(db, "ООО «Лютик»")
    client = await signed_in(db, "anna")
    await client.call(queue.take_next)
    assert held_by(db, anna.id)
    events: list = []

    async def listen():
        async for event in client.events():
            events.append(event)

    listener = asyncio.create_task(listen())
    await asyncio.sleep(0.1)
    from kbase_tui.services import users

    disabled_at = time.monotonic()
    users.disable_user(db, users.local_actor(), "anna")
    while not any(e.type == "signed_out" for e in events) and time.monotonic() - disabled_at < 2:
        await asyncio.sleep(0.02)
    signed_out = [e for e in events if e.type == "signed_out"]
    assert signed_out and signed_out[0].reason == "disabled", events
    assert time.monotonic() - disabled_at < 2
    for _ in range(50):
        if not held_by(db, anna.id):
            break
        await asyncio.sleep(0.02)
    assert held_by(db, anna.id) == []
    with pytest.raises(SessionEnded):
        await client.call(queue.take_next)
    listener.cancel()
    await client.aclose()


async def test_the_socket_admits_only_its_owner_and_group(db, make_user):
    server = server_for(db)
    mode = os.stat(server.running.listen.socket_path).st_mode & 0o777
    assert mode == 0o600


async def test_every_refused_sign_in_takes_as_long_as_the_others(db, make_user, tmp_path):
    """Unknown user, wrong password, a locked terminal and a disabled account: same answer, same floor of time."""
    import tempfile
    from pathlib import Path

    from kbase_tui.server.runner import ServerThread
    from kbase_tui.services import users

    from ..server_harness import settings_for

    make_user("caller", "anna")
    make_user("caller", "olga")
    users.disable_user(db, users.local_actor(), "olga")
    folder = Path(tempfile.mkdtemp(prefix="kbs-"))
    settings = settings_for(folder)
    settings.sign_in_floor = 0.3
    with ServerThread(db, folder / "kbase.sock", settings) as server:
        client = KbaseClient.for_address(server.address)
        timings = {}
        for case, (username, password) in {
            "unknown": ("nobody", PASSWORD),
            "wrong": ("anna", "bad-password"),
            "disabled": ("olga", "bad-password"),
        }.items():
            started = time.monotonic()
            with pytest.raises(LoginFailed):
                await client.sign_in(username, password)
            timings[case] = time.monotonic() - started
        for _ in range(4):
            with pytest.raises(LoginFailed):
                await client.sign_in("anna", "bad-password")
        started = time.monotonic()
        with pytest.raises(LoginFailed):
            await client.sign_in("anna", PASSWORD)  # the right password at a locked terminal
        timings["locked"] = time.monotonic() - started
        await client.aclose()
    assert all(0.3 <= seconds < 0.6 for seconds in timings.values()), timings


async def test_a_user_with_no_language_of_his_own_is_answered_in_his_terminal_s_language(db, make_user):
    # The terminal showed "Cold-call operators" in English over headings the server wrote in its own Russian.
    from kbase_tui.i18n import language_for
    from kbase_tui.protocol import reports

    make_user("supervisor", "boss")
    for language, heading in (("ru", "Оператор"), ("en", "Operator")):
        client = KbaseClient.for_address(server_for(db).address)
        with language_for("en" if language == "ru" else "ru"):  # the server's own language is the other one
            signed = await client.sign_in("boss", PASSWORD, language=language)
            report = await client.call(reports.run, "operators")
        assert signed.actor.language == language
        assert report.columns[0] == heading
        await client.aclose()
