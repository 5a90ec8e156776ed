"""The calling hours screen driven by keys (the Russian layout's too): the call centre's window and the zones open
now, a change refused with a sentence and the text kept, then saved; a channel no company has refused until it is
said to be new; a channel's window changed with Enter and taken away with x; the administrator reaches it by h."""

from __future__ import annotations

import json
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import select

from kbase_tui.models import AuditEvent
from kbase_tui.services import reference

from ..conftest import PASSWORD
from ..server_harness import app_on
from ..services.queue_setup import add_company
from .helpers import settle, sign_in

MOSCOW = ZoneInfo("Europe/Moscow")
TUESDAY = date(2026, 12, 8)
NOON = datetime.combine(TUESDAY, time(12, 30), tzinfo=MOSCOW)


def _setting(db, key):
    with db.read() as s:
        return reference.get_setting(s, key)


@pytest.fixture
def base(db):
    """The shipped window (weekdays 09-13 and 14-18 Moscow time, Russia's holidays), a shop in Moscow, a café in
    Vladivostok."""
    defaults = reference.shipped_defaults()["settings"]
    with db.write() as session:
        for key in ("queue.calling_days", "queue.calling_hours", "queue.holidays_country", "centre.time_zone"):
            reference.set_setting(session, key, defaults[key])
    add_company(db, "Магазин у дома", channel="Розница", time_zone="Europe/Moscow")
    add_company(db, "Кафе «Залив»", channel="HoReCa", time_zone="Asia/Vladivostok")
    return db


def _text(widget) -> str:
    return str(widget.render())


def _rows(table) -> dict[str, list[str]]:
    rows = {}
    for n in range(table.row_count):
        cells = [str(cell) for cell in table.get_row_at(n)]
        rows[cells[0]] = cells[1:]
    return rows


async def test_the_head_of_sales_sees_and_changes_the_calling_hours_by_keys(base, make_user):
    from kbase_tui.ui.supervisor.calling_hours import CallingHoursScreen, WindowDialog
    from kbase_tui.ui.widgets.confirm import ConfirmDialog

    db = base
    make_user("supervisor", "boss")
    with time_machine.travel(NOON, tick=True):
        app = app_on(db)
        async with app.run_test(size=(80, 24)) as pilot:
            await sign_in(app, pilot, "boss", PASSWORD)
            await pilot.press("я")  # z on the Russian layout
            await settle(app, pilot)
            screen = app.screen
            assert isinstance(screen, CallingHoursScreen)
            summary = _text(screen.query_one("#hours-summary"))
            assert "Now it is 12:30 at the call centre (Moscow)." in summary
            # The country in words, not as its code.
            assert "Mon-Fri, 09:00-18:00, lunch 13:00-14:00. Public holidays of Russia." in summary
            assert "Next public holidays:" in summary
            zones = _rows(screen.query_one("#hours-zones"))
            assert zones["Moscow"] == ["12:30", "1", "1", "open"]  # a zone by its city
            assert zones["Vladivostok"] == ["19:30", "1", "1", "closed, opens 09.12 09:00"]

            # e (у on the Russian layout): the call centre's window; a value that makes no sense is refused with a
            # sentence, the dialog keeps what was typed and nothing is stored.
            await pilot.press("у")
            await settle(app, pilot)
            dialog = app.screen
            assert isinstance(dialog, WindowDialog)
            assert [dialog.query_one(f"#window-{name}").value for name in ("days", "hours", "lunch", "country")] == [
                "Mon-Fri",
                "09:00-18:00",
                "13:00-14:00",
                "RU",
            ]
            # The code is typed; the country it names is said under it.
            assert _text(dialog.query_one("#window-country-name")) == "Russia"
            dialog.query_one("#window-country").value = "by"
            await pilot.pause()
            assert _text(dialog.query_one("#window-country-name")) == "Belarus"
            # A region with no holiday calendar (the world, the European Union) is not named as if it had one;
            # UK, the calendar's other name for GB, is named.
            dialog.query_one("#window-country").value = "uk"
            await pilot.pause()
            assert _text(dialog.query_one("#window-country-name")) == "United Kingdom"
            for code in ("eu", "001"):
                dialog.query_one("#window-country").value = code
                await pilot.pause()
                said = _text(dialog.query_one("#window-country-name"))
                assert said.startswith(f"No public holiday calendar for the country «{code.upper()}»"), said
            dialog.query_one("#window-country").value = "RU"
            await pilot.pause()
            hours, lunch = dialog.query_one("#window-hours"), dialog.query_one("#window-lunch")
            hours.value = "9-25"
            await pilot.press("ctrl+s")
            await settle(app, pilot)
            assert app.screen is dialog and hours.value == "9-25"
            assert "Calling hours: write them as 9:00-13:00, 14:00-18:00" in _text(dialog.query_one(".dialog-error"))
            assert _setting(db, "queue.calling_hours") == [["09:00", "13:00"], ["14:00", "18:00"]]
            hours.value, lunch.value = "8:00-17:00", "12:00-13:00"
            hours.focus()
            await pilot.press("enter")
            await settle(app, pilot)
            assert app.screen is screen
            assert _setting(db, "queue.calling_hours") == [["08:00", "12:00"], ["13:00", "17:00"]]
            assert "Mon-Fri, 08:00-17:00, lunch 12:00-13:00." in _text(screen.query_one("#hours-summary"))
            assert "The call centre's window is saved." in _text(screen.query_one("#hours-status"))

            # n (т): a channel's own window; a channel no company has is refused until it is said to be new.
            await pilot.press("т")
            await settle(app, pilot)
            dialog = app.screen
            assert isinstance(dialog, WindowDialog) and dialog.for_channel
            dialog.query_one("#window-channel").value = "Дилеры"
            dialog.query_one("#window-hours").value = "9-18"
            await pilot.press("ctrl+s")
            await settle(app, pilot)
            assert app.screen is dialog
            assert "No company has the sales channel «Дилеры»" in _text(dialog.query_one(".dialog-error"))
            assert _setting(db, "queue.channel_windows") == {}
            dialog.query_one("#window-new").focus()
            await pilot.press("space", "ctrl+s")
            await settle(app, pilot)
            assert app.screen is screen
            assert _setting(db, "queue.channel_windows") == {"Дилеры": {"hours": [["09:00", "18:00"]]}}
            assert _rows(screen.query_one("#hours-channels"))["Дилеры"] == [
                "the centre's",
                "09:00-18:00",
                "—",
                "0",
                "—",
            ]

            # Enter on the channel: its window, the channel fixed; days of its own.
            screen.query_one("#hours-channels").focus()
            await pilot.press("enter")
            await settle(app, pilot)
            dialog = app.screen
            assert isinstance(dialog, WindowDialog) and dialog.channel is not None
            assert not dialog.query("#window-channel")
            dialog.query_one("#window-days").value = "сб"
            dialog.query_one("#window-hours").value = "10-16"
            await pilot.press("ctrl+s")
            await settle(app, pilot)
            assert app.screen is screen
            assert _setting(db, "queue.channel_windows") == {"Дилеры": {"hours": [["10:00", "16:00"]], "days": [6]}}
            assert _rows(screen.query_one("#hours-channels"))["Дилеры"][:2] == ["Sat", "10:00-16:00"]

            # x (ч): taken away after a yes.
            await pilot.press("ч")
            await settle(app, pilot)
            assert isinstance(app.screen, ConfirmDialog)
            await pilot.press("y")
            await settle(app, pilot)
            assert app.screen is screen and screen.query_one("#hours-channels").row_count == 0
            assert _setting(db, "queue.channel_windows") == {}
            assert "Дилеры keeps the call centre's window again." in _text(screen.query_one("#hours-status"))

            await pilot.press("escape")
            await settle(app, pilot)
            assert type(app.screen).__name__ == "SupervisorDesk"
    with db.read() as s:
        keys = [
            json.loads(e.detail)["key"]
            for e in s.execute(select(AuditEvent).where(AuditEvent.action == "setting_changed")).scalars()
        ]
    assert keys == ["queue.calling_hours"] + ["queue.channel_windows"] * 3


async def test_the_administrator_reaches_it_with_h_and_a_caller_not_at_all(base, make_user):
    from kbase_tui.protocol import hours
    from kbase_tui.protocol.errors import AccessDenied
    from kbase_tui.ui.supervisor.calling_hours import CallingHoursScreen

    make_user("admin", "root")
    make_user("caller", "anna")
    app = app_on(base)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(app, pilot, "root", PASSWORD)
        await pilot.press("р")  # h on the Russian layout
        await settle(app, pilot)
        assert isinstance(app.screen, CallingHoursScreen)
        assert {z.zone for z in app.screen.view.zones} == {"Europe/Moscow", "Asia/Vladivostok"}
        await pilot.press("escape")
        await settle(app, pilot)
        assert type(app.screen).__name__ == "UsersScreen"
    app = app_on(base)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(app, pilot, "anna", PASSWORD)
        for call in (
            lambda: app.client.call(hours.calling_window),
            lambda: app.client.call(hours.change_calling_window, "mon-fri", "9-18", "", "RU"),
            lambda: app.client.call(hours.change_channel_window, "Розница", "", "9-18", "", False),
            lambda: app.client.call(hours.remove_channel_window, "Розница"),
        ):
            with pytest.raises(AccessDenied):
                await call()
    assert _setting(base, "queue.channel_windows") == {}


async def test_enter_on_a_time_zone_changes_the_call_centres_window(base, make_user):
    """The footer shows Enter as "Change" on both tables: on a zone it opens the call centre's window (the zone is
    called in it), on a channel the channel's own."""
    from kbase_tui.ui.supervisor.calling_hours import CallingHoursScreen, WindowDialog
    from kbase_tui.ui.widgets.footer import KeyFooter

    make_user("supervisor", "boss")
    with time_machine.travel(NOON, tick=True):
        app = app_on(base)
        async with app.run_test(size=(80, 24)) as pilot:
            await sign_in(app, pilot, "boss", PASSWORD)
            await pilot.press("z")
            await settle(app, pilot)
            screen = app.screen
            assert isinstance(screen, CallingHoursScreen)
            screen.query_one("#hours-zones").focus()
            await pilot.pause()
            assert "Change" in screen.query_one(KeyFooter).descriptions
            await pilot.press("enter")
            await settle(app, pilot)
            dialog = app.screen
            assert isinstance(dialog, WindowDialog) and not dialog.for_channel
