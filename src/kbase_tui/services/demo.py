"""The demo database: deterministic Russian B2B data and one user per role.

`kbase demo` calls `ensure_demo_database`; the word lists live in `data/demo/`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from sqlalchemy import select

from kbase_tui.models import User

from . import audit, users
from .db import Database
from .setup import open_database


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
)


def ensure_demo_database(path: str | os.PathLike[str]) -> tuple[Database, tuple[DemoCredential, ...], bool]:
    database = open_database(path)
    with database.write() as session:
        if session.execute(select(User.id).limit(1)).first() is not None:
            return database, DEMO_USERS, False
        actor = "local:demo"
        created = {}
        hashes: dict[str, str] = {}  # the demo pairs share a printed password: hash it once (~0.3 s each)
        for cred in DEMO_USERS:
            created[cred.username] = users.add_user(
                session, actor, cred.username, cred.role, cred.password, full_name=cred.full_name,
                must_change_password=False, password_hash=hashes.get(cred.password),
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
