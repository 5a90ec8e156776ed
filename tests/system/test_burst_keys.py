"""Keys that arrive in one burst (a paste, a laggy SSH link) land where they were typed.

The real app runs in a pseudo-terminal, as under sshd, and the whole sign-in is written to it
in ONE write: the user name, Tab or Enter, the password, Enter.  Textual hands each key to the
widget that has focus when the key arrives, so without care the password went, in clear, into
the user name field.  Here the sign-in must succeed, which the server's audit proves.
"""

from __future__ import annotations

import os
import time

import pytest
from sqlalchemy import select

from kbase_tui.models import AuditEvent

from ..conftest import PASSWORD
from ..server_harness import server_for
from .test_dropped_connection import PtyApp, wait_until

pytestmark = pytest.mark.slow


def signed_in(db, username: str) -> bool:
    with db.read() as session:
        return (
            session.execute(
                select(AuditEvent.id).where(AuditEvent.action == "login", AuditEvent.actor == username)
            ).first()
            is not None
        )


@pytest.mark.parametrize("separator", ["\t", "\r"], ids=["tab", "enter"])
def test_a_whole_sign_in_in_one_write_signs_in(separator, db, make_user):
    make_user("caller", "anna")
    app = PtyApp(args=["--server", server_for(db).address])
    try:
        app.wait_for("User name")
        time.sleep(0.3)  # the screen is up; now everything at once
        os.write(app.master, f"anna{separator}{PASSWORD}\r".encode())
        wait_until(lambda: signed_in(db, "anna"), "the sign-in")
        app.wait_for("Cold-call queue")
        assert PASSWORD not in app.screen_text()  # never shown in clear
    finally:
        app.close()
