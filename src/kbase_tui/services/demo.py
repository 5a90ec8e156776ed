"""The demo database: deterministic Russian B2B data and one user per role.

`kbase demo` calls `ensure_demo_database`; the word lists live in `data/demo/`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from sqlalchemy import select

from kbase_tui.i18n import _
from kbase_tui.models import AuditEvent, User

from . import audit, users
from .db import Database
from .errors import KbaseError
from .setup import create_database


@dataclass(frozen=True)
class DemoCredential:
    username: str
    password: str
    role: str
    full_name: str


DEMO_USERS = (
    DemoCredential("caller", "Zvonok-2026!", "caller", "Анна Кузнецова"),
    DemoCredential("caller2", "Zvonok-2026!", "caller", "Олег Смирнов"),
    DemoCredential("closer", "Sdelka-2026!", "closer", "Дмитрий Волков"),
    DemoCredential("closer2", "Sdelka-2026!", "closer", "Елена Морозова"),
    DemoCredential("account", "Klient-2026!", "account", "Мария Соколова"),
    DemoCredential("account2", "Klient-2026!", "account", "Игорь Лебедев"),
    DemoCredential("supervisor", "Rukovod-2026!", "supervisor", "Сергей Павлов"),
    DemoCredential("admin", "IT-Sluzhba-2026!", "admin", "Павел Админов"),
    DemoCredential("specialist", "Tehnik-2026!", "specialist", "Никита Техников"),
)


class NotADemoDatabase(KbaseError):
    """`kbase demo` named a database that already has users of its own."""


def ensure_demo_database(path: str | os.PathLike[str]) -> tuple[Database, tuple[DemoCredential, ...], bool]:
    """The demo database at *path*: made (with its users and data) if it is new, reused if it is a demo already.

    A database with users that `kbase demo` did not make is refused: printing the demo passwords
    for it would be false, and demo data must never go into a working base."""
    database = create_database(path)
    with database.write() as session:
        if session.execute(select(User.id).limit(1)).first() is not None:
            made_by_demo = session.execute(
                select(AuditEvent.id).where(AuditEvent.action == "demo_data_created").limit(1)
            ).first()
            if made_by_demo is None:
                database.dispose()
                raise NotADemoDatabase(
                    _(
                        "{where} is not a demo database (it has users of its own): give kbase demo "
                        "another file with --db."
                    ).format(where=database.sqlite_path or database.name)
                )
            return database, DEMO_USERS, False
        actor = "local:demo"
        created = {}
        hashes: dict[str, str] = {}  # the demo pairs share a printed password: hash it once (~0.3 s each)
        for cred in DEMO_USERS:
            created[cred.username] = users.add_user(
                session,
                actor,
                cred.username,
                cred.role,
                cred.password,
                full_name=cred.full_name,
                must_change_password=False,
                password_hash=hashes.get(cred.password),
            )
            hashes.setdefault(cred.password, created[cred.username].password_hash)
        from .demo_data import generate_demo_data

        summary = generate_demo_data(session, created)
        # A demo is tried at any hour, weekends too: its calling window is open around the clock
        # (a real base keeps the shipped weekdays 09:00-18:00; `kbase hours` sets either).
        from . import reference

        reference.set_setting(session, "queue.calling_days", [1, 2, 3, 4, 5, 6, 7])
        reference.set_setting(session, "queue.calling_hours", [["00:00", "24:00"]])
        audit.record(session, actor, "demo_data_created", **vars(summary))
    return database, DEMO_USERS, True
