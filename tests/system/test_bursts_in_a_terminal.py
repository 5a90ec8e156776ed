"""Bursts beyond the caller's flow, in a real pseudo-terminal: every step in ONE write.

A paste, or keys bunched by a laggy SSH link, reach the app as one read: the key that opens a
screen or a dialog, the text of its fields, Tab and Enter between them.  The real `kbase` runs on
a pty (tests/system/test_dropped_connection.py has how), each step is written at once, and what
was stored is read back through the services:

- the closer opens the deal card and fills next step, due date and expected amount, Enter saves
  (two fields' text once went into one; typed text was replaced by the card arriving late);
- the account manager records an order (amount, Enter, Enter, items, Enter) and a follow-up call
  (result, next purchase, Tab, next follow-up, Tab, notes, ctrl+s);
- the supervisor comments a deal and reassigns it to another closer from the pipeline view.
"""

from __future__ import annotations

import os
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select as sa_select

from kbase_tui.models import ClientOrder, Company, Deal, Interaction
from kbase_tui.services import reference, users
from kbase_tui.services.dto import Actor
from kbase_tui.timezones import business_today

from ..conftest import PASSWORD
from ..services.account_setup import account_company
from ..services.pipeline_setup import hand_over
from .test_dropped_connection import pty_apps, wait_until  # noqa: F401 (fixture)

pytestmark = pytest.mark.slow

TODAY = business_today()


@pytest.fixture
def staff(sqlite_db):
    people = {}
    with sqlite_db.write() as session:
        for key, (role, name) in {
            "caller": ("caller", "Ольга Звонова"),
            "closer": ("closer", "Пётр Сделкин"),
            "closer2": ("closer", "Иван Второй"),
            "account": ("account", "Анна Клиентова"),
            "boss": ("supervisor", "Роман Руководов"),
        }.items():
            user = users.add_user(
                session, "local:test", key, role, PASSWORD, full_name=name, must_change_password=False
            )
            people[key] = Actor(id=user.id, username=user.username, role=user.role, full_name=user.full_name)
        for setting in ("security.leads_per_minute", "security.card_views_per_hour", "security.list_views_per_hour"):
            reference.set_setting(session, setting, 0)
    return people


def sign_in(app, username: str, landing: str) -> None:
    app.wait_for("User name")
    os.write(app.master, f"{username}\t{PASSWORD}\r".encode())
    app.wait_for(landing)
    assert PASSWORD not in app.screen_text()


def deal(db, deal_id: int) -> Deal:
    with db.read() as session:
        return session.get(Deal, deal_id)


def test_the_closer_fills_the_deal_card_in_one_write(sqlite_db, staff, pty_apps):  # noqa: F811
    deal_id = hand_over(sqlite_db, staff["caller"], staff["closer"], "ООО «Бета»")
    due = TODAY + timedelta(days=4)
    app = pty_apps(sqlite_db)
    sign_in(app, "closer", "Бета")
    # Enter opens the card; the text is typed before the card has arrived from the server.
    os.write(app.master, f"\rПрислать КП, ё-моё\t{due:%d.%m.%Y}\t150 000\r".encode())
    wait_until(lambda: deal(sqlite_db, deal_id).expected_amount == Decimal(150000), "the card saved")
    saved = deal(sqlite_db, deal_id)
    assert (saved.next_step, saved.next_step_due) == ("Прислать КП, ё-моё", due)


def test_the_account_manager_records_an_order_and_a_follow_up_in_one_write_each(sqlite_db, staff, pty_apps):  # noqa: F811
    company_id = account_company(sqlite_db, staff["account"], "ООО «Гамма»")
    purchase, next_call = TODAY + timedelta(days=20), TODAY + timedelta(days=15)
    app = pty_apps(sqlite_db)
    sign_in(app, "account", "Гамма")

    def orders():
        with sqlite_db.read() as session:
            return session.execute(sa_select(ClientOrder.amount, ClientOrder.items)).all()

    os.write(app.master, "o\r12 500\r\rБумага А4, ёлки\r".encode())  # Enter keeps the date, the first field
    wait_until(orders, "the order")
    assert orders() == [(Decimal("12500.00"), "Бумага А4, ёлки")]

    def follow_ups():
        with sqlite_db.read() as session:
            return session.execute(
                sa_select(Interaction.text).where(Interaction.company_id == company_id, Interaction.kind == "follow_up")
            ).all()

    time.sleep(1.0)  # the list shows the new order; the next step is a burst of its own
    os.write(app.master, f"f\r{purchase:%d.%m.%Y}\t{next_call:%d.%m.%Y}\tОбещали заказ\x13".encode())
    wait_until(follow_ups, "the follow-up call")
    assert any("Обещали заказ" in text for (text,) in follow_ups())
    with sqlite_db.read() as session:
        company = session.get(Company, company_id)
        assert company.next_purchase_at == purchase


def test_the_supervisor_comments_and_reassigns_a_deal_in_one_write_each(sqlite_db, staff, pty_apps):  # noqa: F811
    deal_id = hand_over(sqlite_db, staff["caller"], staff["closer"], "ООО «Дельта»")
    app = pty_apps(sqlite_db)
    sign_in(app, "boss", "Refusals")
    os.write(app.master, "vmПозвоните клиенту сегодня\r".encode())
    wait_until(lambda: deal(sqlite_db, deal_id).supervisor_comment == "Позвоните клиенту сегодня", "the comment")
    os.write(app.master, "r\rПередаю Ивану\r".encode())
    wait_until(lambda: deal(sqlite_db, deal_id).closer_id == staff["closer2"].id, "the reassignment")
    with sqlite_db.read() as session:
        texts = [
            t
            for (t,) in session.execute(
                sa_select(Interaction.text).where(Interaction.company_id == deal(sqlite_db, deal_id).company_id)
            )
        ]
    assert any("Передаю Ивану" in (t or "") for t in texts)
