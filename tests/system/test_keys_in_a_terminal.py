"""The caller's day in a real pseudo-terminal, every key as the terminal sends it, each step in ONE
write (a paste, a laggy SSH link): the sign-in, outcome keys on the Russian layout, a callback at a
typed time, a refusal with its reason and comment.  What reached the base is read back."""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select as sa_select

from kbase_tui.models import Company, Interaction, Refusal
from kbase_tui.services import reference, users

from ..conftest import PASSWORD
from ..services.queue_setup import add_company
from .test_dropped_connection import PtyApp, pty_apps, wait_until  # noqa: F401 (fixture)

pytestmark = pytest.mark.slow


def test_a_burst_at_each_step_on_the_russian_layout(sqlite_db, pty_apps):  # noqa: F811
    with sqlite_db.write() as session:
        users.add_user(
            session, "local:test", "olga", "caller", PASSWORD, full_name="Ольга Звонова", must_change_password=False
        )
        reference.set_setting(session, "security.leads_per_minute", 0)
    ids = [add_company(sqlite_db, name) for name in ("ООО «Альфа»", "ООО «Бета»", "ООО «Гамма»", "ООО «Дельта»")]
    # Typed in the typist's zone: the call centre's (Europe/Moscow, the shipped default), not the process's.
    when = (datetime.now(ZoneInfo("Europe/Moscow")) + timedelta(days=2)).replace(
        hour=15, minute=30, second=0, microsecond=0
    )

    app = pty_apps(sqlite_db)
    app.wait_for("User name")
    os.write(app.master, f"olga\t{PASSWORD}\r".encode())  # the whole sign-in in one write
    app.wait_for("Альфа")
    assert PASSWORD not in app.screen_text()  # never shown, never in the user name box

    def outcomes():
        with sqlite_db.read() as session:
            return session.execute(
                sa_select(Interaction.company_id, Interaction.outcome)
                .where(Interaction.kind == "call")
                .order_by(Interaction.id)
            ).all()

    def until(check, what: str) -> None:
        try:
            wait_until(check, what)
        except AssertionError as error:  # what the typist saw then, to tell a lost key from a slow one
            raise AssertionError(f"{error}; the screen's last output:\n{app.screen_text()[-2000:]}") from None

    os.write(app.master, "т".encode())  # N on the Russian layout: no answer
    until(lambda: outcomes() == [(ids[0], "no_answer")], "no answer by т")
    os.write(app.master, ("с" + when.strftime("%d.%m.%Y %H:%M") + "\r").encode())
    until(lambda: len(outcomes()) == 2, "the callback")
    os.write(app.master, "к2дорого, ё-моё\r".encode())
    until(lambda: len(outcomes()) == 3, "the refusal")
    assert outcomes() == [(ids[0], "no_answer"), (ids[1], "callback"), (ids[2], "refused")]
    with sqlite_db.read() as session:
        assert session.get(Company, ids[1]).callback_at == when
        refusal = session.execute(sa_select(Refusal)).scalar_one()
    assert (refusal.reason_code, refusal.comment) == ("no_need", "дорого, ё-моё")
    app.wait_for("Дельта")
