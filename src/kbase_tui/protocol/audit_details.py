"""The details of an audit event in words, for a reader who does not know the program's codes.

Every event keeps its details as named values (`company_id=12, reason="locked"`).  The audit screen and
`kbase audit show` print them through `detail_text`: each name as a word in the reader's language
("company", "компания"), each value as the rest of the program shows it: a record as "#12" ("№12"), yes
or no, a code of a known vocabulary as its word (a role, a stage, a call result, a refusal reason), a date
or a time in the reader's zone and format, an amount with the reader's decimal mark.  A name this version
does not know (an event written by an older one) still shows, as `name: value`: nothing is dropped.

The result is plain text: the values are what people typed (a company's name, a file's name) and are
never read as markup.  No database and no Textual here: the terminal app and the owner's CLI both use it.
Codes the administrator configures (call results, reasons, pipeline stages) take their words from
`labels`, the dictionary `history_labels.outcome_labels` returns; without it they show as codes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation

from kbase_tui.formatting import (
    format_amount,
    format_date,
    format_datetime,
    format_fraction,
    format_number,
    weekday_names,
    zone_city,
)
from kbase_tui.i18n import LANGUAGE_NAMES, N_, _, current_language
from kbase_tui.labels import (
    alarm_kind_label,
    base_flag_labels,
    category_label,
    field_label,
    growth_metric_label,
    history_kind_label,
    refusal_decision_label,
    role_label,
    script_purpose_label,
    segment_kind_label,
    stage_label,
)

from .accounts import follow_up_results
from .reports import metric_label, period_label, report_titles
from .settings import setting_label


@dataclass(frozen=True)
class _Event:
    """What a value's words may depend on: the event's action, its other details, the configured codes."""

    action: str
    detail: Mapping[str, str]
    labels: Mapping[str, str]
    # The value was recorded as text (what someone typed, a name): it is not read as JSON, so a comment "2024"
    # stays "2024" and never becomes the number 2 024.
    text: bool = False


Show = Callable[[str, _Event], str]

LIST_SHOWN = 10  # records of a long list named one by one (a sweep may name thousands)
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_ISO_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:?\d{2}|Z)?")
# Control characters (C0, DEL, C1), bidi marks, embeddings, overrides and isolates, zero-width characters and
# line separators: what the app's screen filter drops (ui/safe_display.py), here for `kbase audit show` too, which
# prints to a terminal without that filter.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200b\u200e\u200f\u202a-\u202e\u2028\u2029\u2060\u2066-\u2069\ufeff]+")


def _plain(text: str) -> str:
    """Text on one line: a typed value with line breaks or control characters stays in its cell."""
    return _CONTROL.sub(" ", text)


def _parsed(text: str) -> object:
    """A value as it was recorded: JSON for anything that was not text, else the text itself."""
    try:
        return json.loads(text)
    except ValueError:
        return text


# --- values ---------------------------------------------------------------------------------------


def _nothing() -> str:
    return "—"


def _text(text: str, _event: _Event) -> str:
    return _plain(text) if text != "" else _nothing()


def record_number(value: object) -> str:
    """A record named by its number: "#12" in English, "№12" in Russian."""
    return _("#{id}").format(id=value)


def _id(text: str, _event: _Event) -> str:
    value = _parsed(text)
    if value is None or value == "":
        return _nothing()
    if isinstance(value, list):
        shown = ", ".join(record_number(_plain(str(v))) for v in value[:LIST_SHOWN]) or _nothing()
        if len(value) > LIST_SHOWN:
            shown += " " + _("… ({n} in all)").format(n=format_number(len(value)))
        return shown
    return record_number(_plain(str(value)))


def _count(text: str, _event: _Event) -> str:
    value = _parsed(text)
    if isinstance(value, bool) or value is None:
        return _generic(value)
    if isinstance(value, int | float):
        return format_number(value) if float(value).is_integer() else format_fraction(value, 3, trim=True)
    return _generic(value)


def _amount(text: str, _event: _Event) -> str:
    if text in ("", "null"):
        return _nothing()
    try:
        return format_amount(Decimal(text))  # the text itself: a float would lose a large amount's kopecks
    except (InvalidOperation, ValueError):
        return _plain(text)


def _yes_no(text: str, _event: _Event) -> str:
    value = _parsed(text)
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return _generic(value)


def _moment(value: object) -> str:
    """A date, or a moment in the reader's zone and format; anything else as it is."""
    if isinstance(value, int | float) and not isinstance(value, bool) and value > 10**8:
        return format_datetime(datetime.fromtimestamp(value, UTC))  # seconds since 1970 (the chain's start)
    if not isinstance(value, str):
        return _generic(value)
    try:
        if _ISO_DAY.fullmatch(value):
            return format_date(date.fromisoformat(value))
        if _ISO_MOMENT.fullmatch(value):
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
            return format_datetime(moment if moment.tzinfo else moment.replace(tzinfo=UTC))
    except ValueError:
        pass
    return _plain(value)


def _when(text: str, _event: _Event) -> str:
    value = _parsed(text)
    return _nothing() if value in (None, "") else _moment(value)


def _month(text: str, _event: _Event) -> str:
    """A plan's month: "12.2026"."""
    try:
        return date.fromisoformat(text).strftime("%m.%Y")
    except ValueError:
        return _plain(text)


def _code(words: Callable[[str], str]) -> Show:
    """A code of a fixed vocabulary, in words (the code itself when the vocabulary does not know it)."""

    def show(text: str, _event: _Event) -> str:
        value = _parsed(text)
        if value in (None, ""):
            return _nothing()
        if isinstance(value, list):
            return ", ".join(words(str(v)) or _plain(str(v)) for v in value) or _nothing()
        return words(_plain(str(value))) or _plain(str(value))

    return show


def _configured(prefix: str = "") -> Show:
    """A code the administrator configures (a call result, a stage, a reason): its word from `labels`."""

    def show(text: str, event: _Event) -> str:
        if text in ("", "null"):
            return _nothing()
        return _plain(event.labels.get(prefix + text) or event.labels.get(text) or text)

    return show


def _language(code: str) -> str:
    return LANGUAGE_NAMES.get(code, code)


def _zone(text: str, _event: _Event) -> str:
    return zone_city(text) if text else _("the call centre's zone")  # none of its own: the centre's applies


def _country(code: str) -> str:
    from babel import Locale

    if not code:
        return _("no holidays")
    try:
        return str(Locale.parse(current_language()).territories.get(code.upper(), code))
    except (ValueError, LookupError):
        return code


def _days(value: object) -> str:
    """[1, 2, 3, 4, 5] as "Mon, Tue, Wed, Thu, Fri" in the reader's language."""
    names = weekday_names()
    if not isinstance(value, list):
        return _generic(value)
    return ", ".join(names[v - 1] if isinstance(v, int) and 1 <= v <= 7 else _generic(v) for v in value)


def _hours(value: object) -> str:
    """[["09:00", "13:00"], ["14:00", "18:00"]] as "09:00–13:00, 14:00–18:00"."""
    if not isinstance(value, list):
        return _generic(value)
    spans = []
    for span in value:
        if isinstance(span, list) and len(span) == 2:
            spans.append(f"{_plain(str(span[0]))}–{_plain(str(span[1]))}")
        else:
            spans.append(_generic(span))
    return ", ".join(spans)


def _window(value: object) -> str:
    """A sales channel's own window ({"days": [...], "hours": [...]}), or every channel's ({name: window})."""
    if not isinstance(value, dict):
        return _generic(value)
    if "hours" in value or "days" in value:
        days = _days(value["days"]) if "days" in value else _("the call centre's days")
        return f"{days} {_hours(value.get('hours'))}".strip()
    return "; ".join(f"{_plain(str(name))}: {_window(spec)}" for name, spec in value.items()) or _nothing()


def _of(shape: Callable[[object], str]) -> Show:
    def show(text: str, _event: _Event) -> str:
        return shape(_parsed(text))

    return show


def _fields(text: str, _event: _Event) -> str:
    value = _parsed(text)
    if isinstance(value, list):
        return ", ".join(field_label(str(v)) for v in value) or _nothing()
    return _generic(value)


# The kinds of records a merge moves to the company it keeps.
def _moved_kind(kind: str) -> str:
    return {
        "contact": _("contact persons"),
        "phone": _("phones"),
        "interaction": _("history entries"),
        "refusal": _("refusals"),
        "deal": _("deals"),
        "follow_up_task": _("tasks"),
    }.get(kind, kind)


def _moved(text: str, _event: _Event) -> str:
    value = _parsed(text)
    if not isinstance(value, dict):
        return _generic(value)
    return ", ".join(f"{_moved_kind(str(k))}: {_generic(n)}" for k, n in value.items()) or _nothing()


def _receivers(text: str, _event: _Event) -> str:
    """{user id: companies received} as "#5: 10, #7: 12"."""
    value = _parsed(text)
    if not isinstance(value, dict):
        return _generic(value)
    return ", ".join(f"{record_number(_plain(str(k)))}: {_generic(n)}" for k, n in value.items()) or _nothing()


def _pairs(text: str, event: _Event) -> str:
    """A dictionary of named values (an export's filter, a list's arguments), each named in words."""
    value = _parsed(text)
    if not isinstance(value, dict):
        return _generic(value)
    parts = []
    for key, item in value.items():
        spec = _spec(event.action, str(key), nested=True)
        shown = spec.show(item if isinstance(item, str) else json.dumps(item, ensure_ascii=False), event)
        parts.append(f"{_(spec.label) if spec.label else _plain(str(key))}: {shown}")
    return ", ".join(parts) or _nothing()


def _generic(value: object) -> str:
    """A value of a name this version does not know (or inside a list): its plain form, read for the reader."""
    if value is None or value == "":
        return _nothing()
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, int):
        return format_number(value)
    if isinstance(value, float):
        return format_fraction(value, 3, trim=True)
    if isinstance(value, list):
        return ", ".join(_generic(v) for v in value) or _nothing()
    if isinstance(value, dict):
        return ", ".join(f"{_plain(str(k))}: {_generic(v)}" for k, v in value.items()) or _nothing()
    return _moment(str(value))


def _any(text: str, event: _Event) -> str:
    return _generic(text if event.text else _parsed(text))


def _setting_value(text: str, event: _Event) -> str:
    """A setting's old or new value, read by the setting it belongs to."""
    key = event.detail.get("key", "")
    value = text if event.text else _parsed(text)
    if key == "queue.calling_days":
        return _days(value)
    if key == "queue.calling_hours":
        return _hours(value)
    if key == "queue.holidays_country":
        return _country(str(value or ""))
    if key == "centre.time_zone":
        return zone_city(str(value)) if value else _nothing()
    if key == "queue.channel_windows":
        return _window(value) if value else _nothing()
    return _generic(value)


def _target_value(text: str, event: _Event) -> str:
    """A target's figure: money for revenue or an amount, else a count."""
    if event.detail.get("metric") in ("revenue", "amount"):
        return _amount(text, event)
    return _count(text, event)


def _format(text: str, _event: _Event) -> str:
    return _plain(text.upper())


def _seconds(text: str, _event: _Event) -> str:
    value = _parsed(text)
    if isinstance(value, int) and not isinstance(value, bool):
        return _("{n} min").format(n=format_fraction(value / 60, 1, trim=True))
    return _generic(value)


# --- vocabularies of the program's own codes ------------------------------------------------------


def _sign_in_reason(code: str) -> str:
    return {
        "unknown_user": _("no such user"),
        "wrong_password": _("wrong password"),
        "locked": _("the account is locked after an alarm"),
        "disabled": _("the account is disabled"),
    }.get(code, code)


def _duplicate_reason(code: str) -> str:
    return {"phone": _("the same phone"), "name": _("a similar name")}.get(code, code)


def _claim_source(code: str) -> str:
    return {
        "queue": _("the cold-call queue"),
        "callback": _("a callback due to the caller"),
        "callback_list": _("the list of callbacks"),
        "outcome": _("taken back to record a call's result"),
    }.get(code, code)


def _reason_kind(code: str) -> str:
    return {
        "refusal": _("Refusal reasons"),
        "lost_deal": _("Lost deal reasons"),
        "lost_client": _("Lost client reasons"),
    }.get(code, code)


def _screen(code: str) -> str:
    return {"base": _("the base search")}.get(code, code)


def view_label(what: str) -> str:
    """A list, report or search a user opened (the `list` of a `list_viewed` event), in words."""
    return {
        "activation": _("activation of clients"),
        "all_accounts": _("all accounts"),
        "all_deals": _("all deals"),
        "assignments": _("a specialist's tasks"),
        "audit_access_summary": _("who had access to a client"),
        "audit_events": _("the audit log"),
        "audit_search": _("the audit log's client search"),
        "behind_by_manager": _("clients behind their standard, by manager"),
        "capacity": _("market capacity"),
        "census": _("the client census"),
        "duplicates": _("possible duplicates"),
        "follow_up_list": _("follow-up calls due"),
        "growth_report": _("the growth report"),
        "key_clients": _("key clients"),
        "lost_accounts": _("lost clients"),
        "lost_top": _("the largest lost clients"),
        "my_callbacks": _("my callbacks"),
        "my_second_clients": _("clients where I am the second person"),
        "my_tasks": _("my tasks"),
        "portfolio": _("a person's portfolio"),
        "products": _("the product catalog"),
        "refusals": _("refusals"),
        "report": _("a report"),
        "targets": _("targets"),
        "team_behind": _("the team's clients behind their standard"),
        "users": _("users"),
        "white_spots": _("white spots of the portfolio"),
    }.get(what, what)


def _setting(key: str) -> str:
    """A setting's name: the calling window's own, else the tunable's."""
    return {
        "queue.calling_days": _("calling days"),
        "queue.calling_hours": _("calling hours"),
        "queue.holidays_country": _("holidays calendar"),
        "queue.channel_windows": _("sales channels' own calling hours"),
        "centre.time_zone": _("call centre's time zone"),
    }.get(key) or setting_label(key)


def _report(code: str) -> str:
    return dict(report_titles()).get(code, code)


# --- the names -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Spec:
    label: str  # an N_() text, translated when shown; "" for a name this version does not know
    show: Show = _any


def _k(label: str, show: Show = _any) -> _Spec:
    return _Spec(label, show)


# Short names for the table below.
_ID, _COUNT, _AMOUNT, _BOOL, _WHEN = _id, _count, _amount, _yes_no, _when

# Every name an event's details carry, with its word and the way its value is shown.
KEYS: dict[str, _Spec] = {
    # Records, shown by number.
    "account_manager_id": _k(N_("account manager"), _ID),
    "alarm_id": _k(N_("alarm"), _ID),
    "assignee_id": _k(N_("assigned to"), _ID),
    "categories": _k(N_("product categories"), _ID),
    "category_id": _k(N_("product category"), _ID),
    "closer_id": _k(N_("closer"), _ID),
    "company_id": _k(N_("company"), _ID),
    "company_ids": _k(N_("companies"), _ID),
    "deal_id": _k(N_("deal"), _ID),
    "duplicate_id": _k(N_("duplicate"), _ID),
    "first_id": _k(N_("first event"), _ID),
    "last_event": _k(N_("last event"), _ID),
    "lost_deal_id": _k(N_("lost deal"), _ID),
    "manager_id": _k(N_("manager"), _ID),
    "merge_id": _k(N_("merge"), _ID),
    "new_closer_id": _k(N_("new closer"), _ID),
    "new_owner_id": _k(N_("new owner"), _ID),
    "new_user_id": _k(N_("given to"), _ID),
    "offer_user_id": _k(N_("offer made by"), _ID),
    "old_closer_id": _k(N_("previous closer"), _ID),
    "old_owner_id": _k(N_("previous owner"), _ID),
    "old_user_id": _k(N_("previously with"), _ID),
    "order_id": _k(N_("order"), _ID),
    "other": _k(N_("other company"), _ID),
    "owner_id": _k(N_("owner"), _ID),
    "previous_owner_id": _k(N_("previous owner"), _ID),
    "previous_user_id": _k(N_("previous second person"), _ID),
    "quality_task_id": _k(N_("quality call task"), _ID),
    "return_task_id": _k(N_("return task"), _ID),
    "return_task_ids": _k(N_("return tasks"), _ID),
    "specialist_id": _k(N_("specialist"), _ID),
    "user_id": _k(N_("person"), _ID),
    # Counts.
    "accounts_active": _k(N_("active clients"), _COUNT),
    "attempts": _k(N_("attempts"), _COUNT),
    "callbacks": _k(N_("callbacks"), _COUNT),
    "categories_added": _k(N_("categories added"), _COUNT),
    "classes_changed": _k(N_("classes changed"), _COUNT),
    "companies": _k(N_("companies"), _COUNT),
    "conflicts": _k(N_("conflicts"), _COUNT),
    "contacts": _k(N_("contact persons"), _COUNT),
    "contacts_removed": _k(N_("contact persons removed"), _COUNT),
    "count": _k(N_("counted"), _COUNT),
    "deals": _k(N_("deals"), _COUNT),
    "deals_moved": _k(N_("deals moved"), _COUNT),
    "deals_open": _k(N_("open deals"), _COUNT),
    "epoch": _k(N_("epoch"), _COUNT),
    "events": _k(N_("events"), _COUNT),
    "fields_cleared": _k(N_("fields cleared"), _COUNT),
    "held_leads": _k(N_("leads held"), _COUNT),
    "imported": _k(N_("imported"), _COUNT),
    "interactions": _k(N_("history entries"), _COUNT),
    "interval_days": _k(N_("purchase interval, days"), _COUNT),
    "kept": _k(N_("companies kept"), _COUNT),
    "key_clients": _k(N_("key clients"), _COUNT),
    "limit": _k(N_("limit"), _COUNT),
    "lost_clients": _k(N_("lost clients"), _COUNT),
    "merged": _k(N_("merged into existing companies"), _COUNT),
    "moved_back": _k(N_("records moved back"), _COUNT),
    "moved_to_lost": _k(N_("moved to lost"), _COUNT),
    "needs_research": _k(N_("to research"), _COUNT),
    "next_epoch": _k(N_("next epoch"), _COUNT),
    "orders": _k(N_("orders"), _COUNT),
    "phones_removed": _k(N_("phones removed"), _COUNT),
    "possible_duplicates": _k(N_("possible duplicates"), _COUNT),
    "potential_in_queue": _k(N_("potential clients in the queue"), _COUNT),
    "products_added": _k(N_("products added"), _COUNT),
    "products_updated": _k(N_("products updated"), _COUNT),
    "refused": _k(N_("refused"), _COUNT),
    "rejected": _k(N_("rejected"), _COUNT),
    "removed": _k(N_("companies removed"), _COUNT),
    "rows": _k(N_("rows"), _COUNT),
    "score": _k(N_("score"), _COUNT),
    "shown": _k(N_("shown"), _COUNT),
    "special_offers": _k(N_("special offers"), _COUNT),
    "tasks": _k(N_("tasks"), _COUNT),
    "tasks_moved": _k(N_("tasks moved"), _COUNT),
    "unchanged": _k(N_("unchanged"), _COUNT),
    "unsealed_epoch": _k(N_("epoch left unsealed"), _COUNT),
    "users": _k(N_("users"), _COUNT),
    # Money.
    "amount": _k(N_("amount"), _AMOUNT),
    "average_order": _k(N_("average order"), _AMOUNT),
    "margin": _k(N_("margin"), _AMOUNT),
    "price": _k(N_("price"), _AMOUNT),
    # Yes or no.
    "active": _k(N_("in use"), _BOOL),
    "as_second_person": _k(N_("as the second person"), _BOOL),
    "automatic": _k(N_("automatically"), _BOOL),
    "disabled": _k(N_("the leaver's account disabled"), _BOOL),
    "forced": _k(N_("forced"), _BOOL),
    "from_card": _k(N_("from the company's card"), _BOOL),
    "next_page": _k(N_("next page"), _BOOL),
    "returned": _k(N_("back from the lost list"), _BOOL),
    "seed_shown": _k(N_("seed shown to the owner"), _BOOL),
    "stopped": _k(N_("stopped before the end"), _BOOL),
    # Dates and times.
    "callback_at": _k(N_("call back at"), _WHEN),
    "ends_on": _k(N_("ends"), _WHEN),
    "month": _k(N_("month"), _month),
    "next_follow_up_at": _k(N_("next follow-up"), _WHEN),
    "next_purchase_at": _k(N_("next purchase"), _WHEN),
    "shelved_until": _k(N_("shelved until"), _WHEN),
    "start": _k(N_("begun"), _WHEN),
    "starts_on": _k(N_("starts"), _WHEN),
    "until": _k(N_("until"), _WHEN),
    # Codes of the program's own vocabularies.
    "calling_days": _k(N_("calling days"), _of(_days)),
    "calling_hours": _k(N_("calling hours"), _of(_hours)),
    "category": _k(N_("category"), _code(category_label)),
    "days": _k(N_("days"), _of(_days)),
    "decision": _k(N_("decision"), _code(refusal_decision_label)),
    "fields": _k(N_("fields"), _fields),
    "flag": _k(N_("mark"), _code(lambda code: base_flag_labels().get(code, code))),
    "format": _k(N_("format"), _format),
    "holidays_country": _k(N_("holidays calendar"), _code(_country)),
    "hours": _k(N_("hours"), _of(_hours)),
    "language": _k(N_("language"), _code(_language)),
    "list": _k(N_("list"), _code(view_label)),
    "metric": _k(N_("measure"), _code(metric_label)),
    "moved": _k(N_("records moved"), _moved),
    "outcome": _k(N_("result"), _configured()),
    "period": _k(N_("period"), _code(period_label)),
    "purpose": _k(N_("purpose"), _code(script_purpose_label)),
    "receivers": _k(N_("companies received"), _receivers),
    "result": _k(N_("result"), _code(lambda code: follow_up_results().get(code, code))),
    "role": _k(N_("role"), _code(role_label)),
    "screen": _k(N_("screen"), _code(_screen)),
    "segment_kind": _k(N_("segment by"), _code(segment_kind_label)),
    "source": _k(N_("taken from"), _code(_claim_source)),
    "stage": _k(N_("stage"), _code(stage_label)),
    "time_zone": _k(N_("time zone"), _zone),
    # Text as it was written.
    "chain_id": _k(N_("chain"), _text),
    "channel": _k(N_("channel"), _text),
    "city": _k(N_("city"), _text),
    "code": _k(N_("code"), _text),
    "file": _k(N_("file"), _text),
    "industry": _k(N_("industry"), _text),
    "key": _k(N_("setting"), _code(_setting)),
    "kind": _k(N_("kind"), _text),
    "name": _k(N_("name"), _text),
    "raw": _k(N_("recorded as"), _text),
    "segment": _k(N_("segment"), _text),
    "text": _k(N_("text"), _text),
    "username": _k(N_("user"), _text),
    "value": _k(N_("value"), _any),
    # Several at once.
    "args": _k(N_("asked for"), _pairs),
    "filter": _k(N_("filter"), _pairs),
    "epoch_seconds": _k(N_("epoch length"), _seconds),
    "new": _k(N_("now"), _any),
    "old": _k(N_("was"), _any),
    "reason": _k(N_("reason"), _configured()),
}

# Names whose word or value depends on the action.
BY_ACTION: dict[tuple[str, str], _Spec] = {
    ("login_failed", "reason"): _k(N_("reason"), _code(_sign_in_reason)),
    ("login_refused", "reason"): _k(N_("reason"), _code(_sign_in_reason)),
    ("accounts_lost", "reason"): _k(
        N_("reason"), _code(lambda code: {"no_orders": _("no order for too long")}.get(code, code))
    ),
    ("account_lost", "reason"): _k(N_("reason"), _configured("reason:lost_client:")),
    ("deal_lost", "reason"): _k(N_("reason"), _configured("reason:lost_deal:")),
    ("call_outcome", "reason"): _k(N_("reason"), _configured("reason:refusal:")),
    ("duplicate_dismissed", "reason"): _k(N_("found by"), _code(_duplicate_reason)),
    ("duplicates_scanned", "phone"): _k(N_("pairs by phone"), _COUNT),
    ("duplicates_scanned", "name"): _k(N_("pairs by name"), _COUNT),
    ("duplicates_scanned", "new"): _k(N_("new pairs"), _COUNT),
    ("alarm_raised", "kind"): _k(N_("what was counted"), _code(alarm_kind_label)),
    ("alarm_dismissed", "kind"): _k(N_("what was counted"), _code(alarm_kind_label)),
    ("user_locked_by_alarm", "kind"): _k(N_("what was counted"), _code(alarm_kind_label)),
    ("history_added", "kind"): _k(N_("entry"), _code(history_kind_label)),
    ("reason_added", "kind"): _k(N_("list"), _code(_reason_kind)),
    ("reason_changed", "kind"): _k(N_("list"), _code(_reason_kind)),
    ("outcome_added", "key"): _k(N_("key"), _text),
    ("outcome_changed", "key"): _k(N_("key"), _text),
    ("calling_hours_set", "time_zone"): _k(N_("call centre's time zone"), _zone),
    ("focus_target_set", "metric"): _k(N_("measure"), _code(growth_metric_label)),
    ("focus_target_set", "value"): _k(N_("target"), _target_value),
    ("target_set", "value"): _k(N_("target"), _target_value),
    ("target_set", "old"): _k(N_("was"), _target_value),
    ("target_deleted", "value"): _k(N_("target"), _target_value),
    ("activation_plan_set", "value"): _k(N_("clients to activate"), _COUNT),
    ("activation_plan_set", "old"): _k(N_("was"), _COUNT),
    ("potential_changed", "old"): _k(N_("was"), _COUNT),
    ("potential_changed", "new"): _k(N_("now"), _COUNT),
    ("deal_stage_changed", "old"): _k(N_("was"), _configured()),
    ("deal_stage_changed", "new"): _k(N_("now"), _configured()),
    ("user_role_changed", "old"): _k(N_("was"), _code(role_label)),
    ("user_role_changed", "new"): _k(N_("now"), _code(role_label)),
    ("company_time_zone_set", "old"): _k(N_("was"), _zone),
    ("company_time_zone_set", "new"): _k(N_("now"), _zone),
    ("setting_changed", "old"): _k(N_("was"), _setting_value),
    ("setting_changed", "new"): _k(N_("now"), _setting_value),
    ("demo_data_created", "refused"): _k(N_("refused companies"), _COUNT),
}

# The arguments a list or a report was opened with (inside `args`), beyond the names above.
ARGS: dict[str, _Spec] = {
    "action": _k(N_("action"), _code(lambda code: _action_label(code))),
    "active_only": _k(N_("active only"), _BOOL),
    "abcde_class": _k(N_("ABCDE class"), _text),
    "after": _k(N_("page after"), _any),
    "before_id": _k(N_("before event"), _ID),
    "date_from": _k(N_("first day"), _WHEN),
    "date_to": _k(N_("last day"), _WHEN),
    "find": _k(N_("search"), _text),
    "include_inactive": _k(N_("switched-off ones too"), _BOOL),
    "flt": _k(N_("filter"), _pairs),
    "limit": _k(N_("at most"), _COUNT),
    "months": _k(N_("months"), _COUNT),
    "name": _k(N_("report"), _code(_report)),
    "offset": _k(N_("from row"), _COUNT),
    "since": _k(N_("since"), _WHEN),
    "stale_only": _k(N_("stale deals only"), _BOOL),
    "stage_code": _k(N_("stage"), _configured()),
    "today": _k(N_("as of"), _WHEN),
    "user": _k(N_("user"), _text),
}


def _action_label(code: str) -> str:
    from .audit import action_label

    return action_label(code)


def _spec(action: str, key: str, *, nested: bool = False) -> _Spec:
    first = ARGS.get(key) if nested else BY_ACTION.get((action, key))
    return first or KEYS.get(key) or _Spec("", _any)


def detail_label(action: str, key: str) -> str | None:
    """The word for one name of an event's details, in the reader's language; None for a name this
    version does not know."""
    spec = BY_ACTION.get((action, key)) or KEYS.get(key)
    return _(spec.label) if spec is not None else None


def detail_value(
    action: str,
    key: str,
    value: str,
    detail: Mapping[str, str] | None = None,
    labels: Mapping[str, str] | None = None,
    *,
    text: bool = False,
) -> str:
    """One value of an event's details as the reader reads it (plain text, on one line).

    *text*: the value was recorded as text (`AuditEntry.text_keys`), shown as such rather than read as JSON."""
    event = _Event(action, detail or {key: value}, labels or {}, text)
    try:
        return _spec(action, key).show(value, event)
    except Exception:  # an odd value of an older event: as it was recorded, never lost
        return _plain(value)


# The order details are read in: what the event is about first, the old value before the new, what a list was
# opened with last; the others as recorded (by name).  Names this version does not know come after all of them.
FIRST = ("list", "key", "channel", "username", "role", "kind", "outcome", "reason")
LAST = ("old", "new", "args", "filter")


def _reading_order(detail: Mapping[str, str]) -> list[str]:
    first = [key for key in FIRST if key in detail]
    last = [key for key in LAST if key in detail]
    return first + [key for key in detail if key not in FIRST and key not in LAST] + last


def detail_text(
    action: str, detail: Mapping[str, str], labels: Mapping[str, str] | None = None, text_keys: Iterable[str] = ()
) -> str:
    """The details of one event in words: "company: №12; reason: wrong password"; plain text, one line.

    *text_keys*: the names whose values were recorded as text (`AuditEntry.text_keys`): shown as typed.
    Names this version does not know come last, as they were recorded (`name: value`)."""
    known, unknown = [], []
    texts = frozenset(text_keys)
    for key in _reading_order(detail):
        value = detail[key]
        label = detail_label(action, key)
        shown = detail_value(action, key, value, detail, labels, text=key in texts)
        if label is None:
            unknown.append(f"{_plain(key)}: {shown}")
        else:
            known.append(f"{label}: {shown}")
    return "; ".join(known + unknown)
