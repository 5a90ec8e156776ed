"""A dropped SSH connection, or a killed process, in the middle of work.

The real `kbase --db X` runs in a pseudo-terminal, as sshd runs it: the pty is its controlling
terminal, stdin/stdout/stderr, TERM=xterm-256color, a window size set with TIOCSWINSZ.  Keystrokes
are written to the pty master and the screen is read back from it.  Then the connection "drops":

- `hangup`: the pty master is closed, as sshd does when the network goes; the kernel sends SIGHUP
  to the session;
- `sighup`: SIGHUP sent to the process;
- `sigkill`: kill -9.

The app keeps Python's default for SIGHUP (the process ends at once; docs/robustness.md says why).
Afterwards the process has ended, the database passes `PRAGMA integrity_check` and
`foreign_key_check`, the audit chain verifies, nothing was written that the user did not confirm,
and:

- a closer typing a note on the board (`n`): the text written as a draft a second after typing
  stopped is in the draft table, and the next sign-in offers it back ("Unsaved text from your last
  session");
- a caller holding a lead: the lead stays held until its lease ends (no other caller gets it
  before), then another caller's `claim_next_lead` gets it (the lease is ended by setting
  held_until in the past rather than by waiting).
"""

from __future__ import annotations

import fcntl
import os
import re
import select
import signal
import struct
import subprocess
import sys
import termios
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, text, update
from sqlalchemy import select as sa_select

from kbase_tui.models import AuditEvent, Company, Draft, Interaction, utcnow
from kbase_tui.services import audit, queue
from kbase_tui.services.errors import QueueEmpty

from ..conftest import PASSWORD
from ..services.pipeline_setup import company_of, hand_over
from ..services.queue_setup import add_company

pytestmark = pytest.mark.slow

KBASE = str(Path(sys.executable).with_name("kbase"))
COLS, ROWS = 120, 36
ANSI = re.compile(r"\x1b(\[[0-9;?<>=]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|P[^\x1b]*\x1b\\|[()][0-9A-Za-z]|[=>78])")
TIMEOUT = float(os.environ.get("KBASE_PTY_TIMEOUT", "60"))


class PtyApp:
    """`kbase --db X` on a pseudo-terminal that is its controlling terminal."""

    def __init__(self, db_path: Path | None = None, *, args: list[str] | None = None) -> None:
        self.master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("TEXTUAL", "PYTEST")) and k not in ("COLUMNS", "LINES")
        }
        env.update(TERM="xterm-256color", KBASE_FAST_HASH="1", KBASE_LANG="en", LANG="C.UTF-8")

        def controlling_tty() -> None:  # runs after setsid() in the child
            fcntl.ioctl(0, termios.TIOCSCTTY, 0)

        self.proc = subprocess.Popen(
            [KBASE, *(args or ["--db", str(db_path)])],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=env,
            start_new_session=True,
            preexec_fn=controlling_tty,
            close_fds=True,
        )
        os.close(slave)
        self.raw = bytearray()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while not self._stop.is_set():
            try:
                ready, _w, _x = select.select([self.master], [], [], 0.1)
                if ready:
                    chunk = os.read(self.master, 65536)
                    if not chunk:
                        return
                    with self._lock:
                        self.raw += chunk
            except OSError:  # EIO: the other side has gone
                return

    def screen_text(self) -> str:
        with self._lock:
            data = bytes(self.raw)
        return ANSI.sub("", data.decode("utf-8", errors="replace"))

    def mark(self) -> int:
        return len(self.screen_text())

    def wait_for(self, wanted: str, since: int = 0, timeout: float = TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if wanted in self.screen_text()[since:]:
                return
            if self.proc.poll() is not None:
                break
            time.sleep(0.1)
        tail = self.screen_text()[-1500:]
        raise AssertionError(f"{wanted!r} did not appear on the screen (exit {self.proc.poll()}); last output:\n{tail}")

    def type(self, keys: str, pause: float = 0.02) -> None:
        for char in keys:
            os.write(self.master, char.encode("utf-8"))
            time.sleep(pause)

    def sign_in(self, username: str) -> None:
        self.wait_for("User name")
        self.type(username + "\r")
        time.sleep(0.3)
        self.type(PASSWORD + "\r")

    def hang_up(self) -> None:
        """What sshd does when the connection drops: close the terminal's master side."""
        self._stop.set()
        self._reader.join(timeout=5)
        os.close(self.master)
        self.master = -1

    def close(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)
        self._stop.set()
        self._reader.join(timeout=5)
        if self.master >= 0:
            os.close(self.master)
            self.master = -1


def drop(app: PtyApp, how: str) -> int:
    """Drop the connection (or kill the process); return its exit status once it has ended."""
    if how == "hangup":
        app.hang_up()
    elif how == "sighup":
        os.kill(app.proc.pid, signal.SIGHUP)
    else:
        os.kill(app.proc.pid, signal.SIGKILL)
    return app.proc.wait(timeout=20)


def wait_until(check, what: str, timeout: float = TIMEOUT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def assert_intact(db) -> None:
    with db.read() as session:
        assert session.execute(text("PRAGMA integrity_check")).scalar_one() == "ok"
        assert session.execute(text("PRAGMA foreign_key_check")).all() == []
        assert audit.verify_chain(session) == []


def counts(db) -> tuple[int, int]:
    with db.read() as session:
        return (
            session.execute(sa_select(func.count()).select_from(Interaction)).scalar_one(),
            session.execute(
                sa_select(func.count()).select_from(AuditEvent).where(AuditEvent.action.not_in(("login", "logout")))
            ).scalar_one(),
        )


@pytest.fixture
def pty_apps():
    started: list[PtyApp] = []

    def start(db) -> PtyApp:
        db.engine.dispose()  # the test's own connections stay out of the app's way
        app = PtyApp(db.sqlite_path)
        started.append(app)
        return app

    yield start
    for app in started:
        app.close()


NOTE = "Клиент просит КП до пятницы, [bold]директор[/] в отпуске"


@pytest.mark.parametrize("how", ["hangup", "sighup", "sigkill"])
def test_a_closers_note_survives_as_a_draft_and_is_offered_back(how, sqlite_db, pty_apps):
    from kbase_tui.services import users
    from kbase_tui.services.dto import Actor

    with sqlite_db.write() as session:
        made = {
            name: users.add_user(
                session, "local:test", name, role, PASSWORD, full_name=full, must_change_password=False
            )
            for name, role, full in (("olga", "caller", "Ольга Звонова"), ("petr", "closer", "Пётр Сделкин"))
        }
        actors = {
            name: Actor(id=u.id, username=u.username, role=u.role, full_name=u.full_name) for name, u in made.items()
        }
    deal_id = hand_over(sqlite_db, actors["olga"], actors["petr"], "ООО «Обрыв связи»")
    company_id = company_of(sqlite_db, deal_id)
    before = counts(sqlite_db)

    app = pty_apps(sqlite_db)
    app.sign_in("petr")
    app.wait_for("Обрыв связи")  # the board with the deal
    mark = app.mark()
    app.type("n")
    app.wait_for("What happened", since=mark)
    app.type(NOTE)

    def saved_draft():
        with sqlite_db.read() as session:
            return session.execute(sa_select(Draft.context, Draft.text).where(Draft.user_id == actors["petr"].id)).all()

    drafts = wait_until(lambda: [d for d in saved_draft() if d.text == NOTE], "the draft")  # ~1 s after the last key
    assert drafts[0].context == f"note:deal:{deal_id}"

    status = drop(app, how)
    assert status == {"hangup": -signal.SIGHUP, "sighup": -signal.SIGHUP, "sigkill": -signal.SIGKILL}[how]
    assert_intact(sqlite_db)
    assert saved_draft() == [(f"note:deal:{deal_id}", NOTE)]
    assert counts(sqlite_db) == before  # the note itself was never saved: no history row, no audit event

    # The next sign-in offers the text back; s saves it as a note on the deal's company.
    again = pty_apps(sqlite_db)
    again.sign_in("petr")
    again.wait_for("Unsaved text from your last session")
    again.wait_for("Обрыв связи")
    mark = again.mark()
    again.type("s")

    def note_saved():
        with sqlite_db.read() as session:
            return (
                session.execute(
                    sa_select(Interaction.text).where(Interaction.company_id == company_id, Interaction.kind == "note")
                )
                .scalars()
                .all()
            )

    assert wait_until(note_saved, "the note saved from the draft") == [NOTE]
    wait_until(lambda: not saved_draft(), "the draft to be dropped once saved")
    again.type("\x11")  # ctrl+q: quit normally
    assert again.proc.wait(timeout=30) == 0
    assert_intact(sqlite_db)


@pytest.mark.parametrize("how", ["hangup", "sighup", "sigkill"])
def test_a_callers_held_lead_stays_held_until_the_lease_ends(how, sqlite_db, pty_apps):
    from kbase_tui.services import users
    from kbase_tui.services.dto import Actor

    with sqlite_db.write() as session:
        made = [
            users.add_user(session, "local:test", name, "caller", PASSWORD, full_name=name, must_change_password=False)
            for name in ("anna", "oleg")
        ]
        users.add_user(session, "local:test", "petr", "closer", PASSWORD, must_change_password=False)
    anna, oleg = (Actor(id=u.id, username=u.username, role=u.role, full_name=u.full_name) for u in made)
    company_id = add_company(sqlite_db, "ООО «Связь прервалась»", city="Тверь")
    before = counts(sqlite_db)

    app = pty_apps(sqlite_db)
    app.sign_in("anna")
    app.wait_for("Связь прервалась")  # the lead card

    def holder():
        with sqlite_db.read() as session:
            return session.execute(
                sa_select(Company.held_by_id, Company.held_until).where(Company.id == company_id)
            ).one()

    held_by, held_until = wait_until(lambda: holder() if holder()[0] else None, "the claim")
    assert held_by == anna.id and held_until > utcnow()

    status = drop(app, how)
    assert status == {"hangup": -signal.SIGHUP, "sighup": -signal.SIGHUP, "sigkill": -signal.SIGKILL}[how]
    assert_intact(sqlite_db)
    interactions, events = counts(sqlite_db)
    assert interactions == before[0]  # no call was recorded
    assert events == before[1] + 1  # only the claim itself (lead_claimed)

    # The lease still runs: nobody else gets the lead ...
    assert holder() == (anna.id, held_until)
    with pytest.raises(QueueEmpty):
        queue.claim_next_lead(sqlite_db, oleg)
    # ... until it ends; then the next caller gets it.
    with sqlite_db.write() as session:
        session.execute(
            update(Company).where(Company.id == company_id).values(held_until=utcnow() - timedelta(seconds=1))
        )
    claimed = queue.claim_next_lead(sqlite_db, oleg)
    assert claimed.company_id == company_id and holder()[0] == oleg.id
    assert_intact(sqlite_db)
