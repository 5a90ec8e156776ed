"""Supervisor's and admin's tables at 80x24 in Russian: every heading on the screen whole, every cell that
is cut ends in "…" (a cut name or date read as another word), and the columns laid out again on a resize."""

from __future__ import annotations

import re

from ..server_harness import app_on
from .helpers import settle
from .test_accounts import _open, _sign_in
from .test_layout_80 import _screen, russian  # noqa: F401  (the autouse fixture: these screens in Russian)

DATETIME = re.compile(r"\d\d\.\d\d\.\d{4} \d\d:\d\d")


def _row(lines: list[str], *words: str) -> str:
    return next(line for line in lines if all(word in line for word in words))


async def test_the_supervisors_card_shows_who_looked_whole_at_80_columns(db, make_user):
    """'Кто смотрел' ran off an 80-column screen: the heading 'Последн.' and the last date were cut."""
    from kbase_tui.models import Company
    from kbase_tui.ui.supervisor.company_card import SupervisorCardScreen

    boss = make_user("supervisor", "boss", full_name="Сергей Павлов")
    with db.write() as session:
        company = Company(name="АО «Гранитмашзавод»", city="Пермь")
        session.add(company)
        session.flush()
        company_id = company.id
    app = app_on(db)
    async with app.run_test(size=(200, 50)) as pilot:
        await _open(app, pilot, boss, SupervisorCardScreen(company_id))
        await pilot.resize_terminal(80, 24)
        await settle(app, pilot)
        for tab in "1234576":  # every tab's table laid out at 80 columns; the last one shown is "who looked"
            await pilot.press(tab)
            await settle(app, pilot)
            lines = _screen(app)
            assert all(len(line) <= 80 for line in lines)
        heading = _row(lines, "Пользователь")
        for word in ("Пользователь", "Имя", "Событий", "Первый", "Последн."):
            assert f" {word} " in heading + " ", heading
        row = _row(lines, "boss", "Сергей Павлов")
        assert len(DATETIME.findall(row)) == 2, row


async def test_settings_head_the_default_whole_at_80_columns(db, make_user):
    from kbase_tui.ui.supervisor.settings import SettingsScreen

    boss = make_user("supervisor", "boss")
    app = app_on(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await _open(app, pilot, boss, SettingsScreen())
        lines = _screen(app)
        heading = _row(lines, "Настройка")
        assert heading.rstrip().endswith("Значение      По умолчанию"), heading
        pauses = _row(lines, "Паузы перед следующей попыткой")
        assert pauses.rstrip().endswith("…"), pauses  # the list of pauses is cut with a mark
        await pilot.resize_terminal(200, 30)
        await settle(app, pilot)
        assert "30, 120, 480, 1440, 2880" in _row(_screen(app), "Паузы перед следующей попыткой")


async def test_the_admins_users_show_the_zone_whole_at_80_columns(db, make_user):
    admin = make_user("admin", "it", full_name="Павел Админов")
    make_user("caller", "caller", full_name="Анна Кузнецова")
    app = app_on(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await _sign_in(app, pilot, admin)
        lines = _screen(app)
        heading = _row(lines, "Пользователь", "ФИО")
        assert heading.rstrip().endswith("Часовой пояс"), heading  # and nothing of the next heading
        row = _row(lines, "caller")
        assert row.rstrip().endswith("как у колл-центра"), row
        assert "оператор звонков" in row, row  # the role in its short words, whole
        for _ in range(len(lines)):  # the line under the list has the highlighted user whole
            if "Анна Кузнецова (caller)" in "\n".join(_screen(app)):
                break
            await pilot.press("down")
            await settle(app, pilot)
        assert "Анна Кузнецова (caller) · оператор холодных звонков · работает" in "\n".join(_screen(app))


async def test_the_admins_users_show_every_role_whole_at_80_columns(db, make_user):
    """The role column was cut ("оператор холодн…", "руководитель от…"): only the line under the list had it."""
    from kbase_tui.labels import role_label, role_short_label

    admin = make_user("admin", "it", full_name="Павел Админов")
    roles = ("caller", "closer", "account", "supervisor", "specialist")
    for role in roles:
        make_user(role, role, full_name="Анна Кузнецова-Ростовская")
    for n in range(12):  # more users than lines: the list's scrollbar takes its two columns
        make_user("account", f"km{n}", full_name=f"Менеджер {n}")
    app = app_on(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await _sign_in(app, pilot, admin)
        lines = _screen(app)
        assert _row(lines, "Пользователь", "ФИО").rstrip().endswith("Часовой пояс")
        assert _row(lines, "it ", "Павел").split()[3] == "администратор"
        assert "пользователей: 18" in "\n".join(lines)
        await pilot.press("end")  # the last rows too
        await settle(app, pilot)
        lines += _screen(app)
        for role in roles:
            row = _row(lines, f" {role} ")
            assert f"  {role_short_label(role)}  " in row, row
        assert f"· {role_label('supervisor')} ·" in "\n".join(lines)  # the line under the list: the role in full
