"""An audit event's details read as words in the reader's language: records by number, yes and no, the
program's codes as words, dates in the reader's zone, amounts with the reader's decimal mark; a name this
version does not know still shows, and text people typed stays text."""

from __future__ import annotations

import json

import pytest
from rich.text import Text

from kbase_tui import timezones
from kbase_tui.i18n import set_language
from kbase_tui.protocol.audit_details import LIST_SHOWN, detail_text, detail_value

NBSP = "\u00a0"


@pytest.fixture(params=["en", "ru"])
def language(request):
    set_language(request.param)
    yield request.param
    set_language("en")


def _words(en: str, ru: str, language: str) -> str:
    return ru if language == "ru" else en


def test_records_are_named_by_number(language):
    assert detail_text("order_recorded", {"company_id": "12"}) == _words("company: #12", "компания: №12", language)
    many = json.dumps(list(range(1, LIST_SHOWN + 3)))
    shown = detail_value("accounts_lost", "company_ids", many)
    assert shown.startswith(_words("#1, #2", "№1, №2", language))
    assert _words("(12 in all)", "(всего 12)", language) in shown and f"{LIST_SHOWN + 1}" not in shown.split("…")[0]
    assert detail_value("handed_over_to_account", "deal_id", "null") == "—"


def test_yes_and_no(language):
    assert detail_text("account_lost", {"automatic": "false"}) == _words(
        "automatically: no", "автоматически: нет", language
    )
    assert detail_value("card_opened", "as_second_person", "true") == _words("yes", "да", language)


def test_the_programs_codes_are_words(language):
    assert detail_text("login_failed", {"reason": "wrong_password"}) == _words(
        "reason: wrong password", "причина: неверный пароль", language
    )
    assert detail_value("login_refused", "reason", "locked") == _words(
        "the account is locked after an alarm", "учётная запись заблокирована после тревоги", language
    )
    assert detail_value("accounts_lost", "reason", "no_orders") == _words(
        "no order for too long", "слишком долго нет заказов", language
    )
    assert detail_value("lead_claimed", "source", "callback_list") == _words(
        "the list of callbacks", "список перезвонов", language
    )
    assert detail_value("user_created", "role", "closer") == _words(
        "first-sale manager", "менеджер по продажам", language
    )
    assert detail_value("company_assigned", "stage", "account") == _words("account", "сопровождение", language)
    assert detail_value("deal_changed", "fields", '["expected_amount", "next_step_due"]') == _words(
        "expected amount, next step due", "ожидаемая сумма, срок следующего шага", language
    )
    assert detail_value("list_viewed", "list", "audit_events") == _words("the audit log", "журнал аудита", language)


def test_configured_codes_take_their_words_from_the_base(language):
    labels = {"reason:lost_deal:price": "Дорого", "reason:refusal:price": "Не нужно", "interested": "Интерес"}
    assert detail_value("deal_lost", "reason", "price", labels=labels) == "Дорого"
    assert detail_value("call_outcome", "reason", "price", labels=labels) == "Не нужно"
    assert detail_value("call_outcome", "outcome", "interested", labels=labels) == "Интерес"
    # Without the words (an older base, a code since deleted) the code itself shows.
    assert detail_value("deal_lost", "reason", "price") == "price"


def test_dates_and_times_in_the_readers_zone(language):
    timezones.set_reader_zone("Asia/Vladivostok", "Europe/Moscow")
    # 14:00 UTC is midnight of the next day in Vladivostok; a date stays the date it is.
    assert detail_value("call_outcome", "callback_at", "2026-12-25T14:00:00+00:00") == "26.12.2026 00:00"
    assert detail_value("call_outcome", "callback_at", "2026-12-25 14:00:00+00:00") == "26.12.2026 00:00"
    assert detail_value("company_shelved", "until", "2026-12-25") == "25.12.2026"
    assert detail_value("activation_plan_set", "month", "2026-12-01") == "12.2026"
    timezones.set_reader_zone("Europe/Moscow")
    assert detail_value("call_outcome", "callback_at", "2026-12-25T14:00:00+00:00") == "25.12.2026 17:00"


def test_amounts_with_the_readers_decimal_mark(language):
    shown = detail_value("order_recorded", "amount", "1234.5")
    assert shown == _words("₽1,234.50", f"1{NBSP}234,50{NBSP}₽", language)
    assert detail_value("order_recorded", "margin", "null") == "—"
    assert detail_value("deal_won", "amount", "98765432109876.55") == _words(
        "₽98,765,432,109,876.55", f"98{NBSP}765{NBSP}432{NBSP}109{NBSP}876,55{NBSP}₽", language
    )
    target = detail_text("target_set", {"metric": "revenue", "value": "150000"})
    assert _words("₽150,000.00", f"150{NBSP}000,00{NBSP}₽", language) in target


def test_settings_in_words(language):
    text = detail_text(
        "setting_changed", {"key": "queue.calling_days", "old": "[1, 2, 3, 4, 5]", "new": "[1, 2, 3, 4, 5, 6]"}
    )
    assert text == _words(
        "setting: calling days; was: Mon, Tue, Wed, Thu, Fri; now: Mon, Tue, Wed, Thu, Fri, Sat",
        "настройка: дни обзвона; было: пн, вт, ср, чт, пт; стало: пн, вт, ср, чт, пт, сб",
        language,
    )
    lease = detail_text("setting_changed", {"key": "queue.lease_minutes", "old": "30", "new": "45"})
    assert lease.startswith(_words("setting: Lead hold while", "настройка: ", language)) and "45" in lease


def test_the_reading_order(language):
    """What the event is about first, the old value before the new, a list's arguments last."""
    text = detail_text("list_viewed", {"args": '{"limit": 20}', "list": "users"})
    assert text == _words(
        "list: users; asked for: at most: 20", "список: пользователи; запрос: не больше: 20", language
    )
    text = detail_text("user_role_changed", {"new": "closer", "old": "caller", "username": "anna"})
    assert text.startswith(_words("user: anna; was: cold-call operator; now: ", "пользователь: anna; было: ", language))


def test_unknown_names_still_show_last(language):
    text = detail_text("test_event", {"zeta_count": "3", "company_id": "7"})
    assert text == _words("company: #7; zeta_count: 3", "компания: №7; zeta_count: 3", language)
    assert detail_text("card_opened", {"n": '{"a": [1, 2]}'}) == "n: a: 1, 2"


def test_hostile_text_stays_text_on_one_line():
    hostile = "[bold red]ООО[/]\n\x1b[2J<script>"
    text = detail_text("base_searched", {"text": hostile, "city": "[link=x]Тверь[/link]"})
    assert "[bold red]ООО[/]" in text and "[link=x]Тверь[/link]" in text
    assert "\n" not in text and "\x1b" not in text
    # Shown through rich Text, never read as markup.
    assert Text(text).plain == text
    # A value that is not what its name expects is shown as it was recorded, never lost.
    assert detail_value("order_recorded", "amount", "[red]lots[/]") == "[red]lots[/]"
    assert detail_value("order_recorded", "company_id", "[b]x[/b]") == "#[b]x[/b]"


def test_typed_text_shows_as_typed_and_only_numbers_get_a_number_format(db, language):
    """A company renamed to "2024" and a text "2024" were shown as "2 024": the value, recorded as text, was
    read as JSON and given the number format.  What was typed shows as typed; a number recorded as a number
    (a count) still reads with the reader's thousands separator."""
    from kbase_tui.services import audit, users

    with db.write() as session:
        audit.record(session, "local:test", "test_event", old="Ромашка", new="2024", text="2024", zeta_count=2024)
        audit.record(session, "local:test", "potential_changed", old=1500, new=2024)
    found = {event.action: event for event in audit.events(db, users.local_actor(), limit=10)}
    renamed, potential = found["test_event"], found["potential_changed"]
    assert set(renamed.text_keys) == {"old", "new", "text"}
    text = detail_text(renamed.action, renamed.detail, None, renamed.text_keys)
    assert _words("was: Ромашка; now: 2024", "было: Ромашка; стало: 2024", language) in text
    assert _words("text: 2024", "текст: 2024", language) in text
    assert _words("zeta_count: 2,024", f"zeta_count: 2{NBSP}024", language) in text
    assert detail_value("test_event", "new", "2024", text=True) == "2024"
    assert detail_value("test_event", "new", "2024") == _words("2,024", f"2{NBSP}024", language)
    shown = detail_text(potential.action, potential.detail, None, potential.text_keys)
    assert _words("now: 2,024", f"стало: 2{NBSP}024", language) in shown
