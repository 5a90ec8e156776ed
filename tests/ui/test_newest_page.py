"""Two quick switches of a list's filter: every list screen shows the newest page, under the newest heading.

Each case signs in as the person whose screen it is, on the screen catalogue's seeded base (plus more of
the catalog, a specialist's task and two companies for the audit), reaches the screen by its keys and
makes two choices in a row with real key presses, while the client holds back the server's answer to the first
choice until the second choice's answer has arrived (`HeldAnswers`): the older answer then arrives last, even
though the app gave up on it.  The rows and the heading must be the second choice's, as the server answers it.

Lists that nobody filters (the users, the follow-ups, the board, the alarms, the specialist's assignments, the
playbook's standards) are refreshed twice instead, with the data changed between the first answer and the
second call: the older answer is then out of date, and must not replace the newer one.

Some second choices need no call at all (an emptied search field, "every client" instead of a segment, no
user chosen): the older answer arriving after them must not show either.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import select, update
from textual.widgets import DataTable, Input, OptionList, Select

from kbase_tui.i18n import _
from kbase_tui.models import Company, SecurityAlarm, User
from kbase_tui.protocol import accounts as accounts_api
from kbase_tui.protocol import alarms as alarms_api
from kbase_tui.protocol import audit as audit_api
from kbase_tui.protocol import catalog as catalog_api
from kbase_tui.protocol import clients as clients_api
from kbase_tui.protocol import companies as companies_api
from kbase_tui.protocol import growth as growth_api
from kbase_tui.protocol import pipeline as pipeline_api
from kbase_tui.protocol import playbook as playbook_api
from kbase_tui.protocol import queue as queue_api
from kbase_tui.protocol import refusals as refusals_api
from kbase_tui.protocol import reports as reports_api
from kbase_tui.protocol import specialists as specialists_api
from kbase_tui.protocol import transfer as transfer_api
from kbase_tui.protocol import users as users_api
from kbase_tui.protocol.companies import BaseQuery
from kbase_tui.protocol.refusals import RefusalFilter
from kbase_tui.timezones import business_today
from kbase_tui.ui.widgets.formats import show_date

from ..conftest import PASSWORD
from ..server_harness import app_on
from .helpers import HeldAnswers, settle
from .screen_catalogue import class_name, russian_words, seed

UI = "kbase_tui.ui."


# --- the base ------------------------------------------------------------------------------------


def _seed(db, folder):
    """The catalogue's base (with its catalog, standards and specialist), and what its walk does not need: more
    products, a second specialist's task, a lost client of each account manager, a decided refusal, two companies
    whose audit is read."""
    from decimal import Decimal

    from kbase_tui.services import accounts, catalog, refusals, specialists, users
    from kbase_tui.services.dto import Actor

    from ..services.supervisor_data import add_company, days_ago, refused_company

    seeded = seed(db, russian_words(), folder)
    people = seeded.people
    boss, olga = people["boss"], people["olga"]
    with db.write() as session:
        user = users.add_user(
            session,
            "local:test",
            "spec",
            "specialist",
            PASSWORD,
            full_name="Семён Техников",
            must_change_password=False,
        )
        people["spec"] = Actor(id=user.id, username=user.username, role=user.role, full_name=user.full_name)
        olgas = session.execute(select(Company.id).where(Company.owner_id == olga.id).order_by(Company.id)).all()
    olgas = [row.id for row in olgas]
    fasteners = catalog.save_category(db, boss, "Крепёж")
    glue = catalog.save_category(db, boss, "Клеи")
    for name, category in (("Болт М8", fasteners), ("Болт М10", fasteners), ("Клей ПВА", glue)):
        catalog.save_product(db, boss, category.id, name, unit="шт", price=Decimal(10))
    specialists.bring_in(db, olga, olgas[0], people["spec"].id, "Настроить станок", business_today() + timedelta(1))
    accounts.mark_lost(db, olga, olgas[1], "relations", "Ушли к другому поставщику")
    _company, decided = refused_company(db, people["anna"].id, "ООО «Решено»", at=days_ago(1), city="Пермь")
    refusals.decide(db, boss, [decided], "do_not_call")
    seeded.context["audited"] = [add_company(db, f"ООО «{n} проверка»", city="Самара") for n in ("Первая", "Вторая")]
    seeded.context["olgas"] = olgas
    return seeded


# --- driving a screen ----------------------------------------------------------------------------


@dataclass
class Ctx:
    app: object
    pilot: object
    db: object
    seeded: object
    server_call: Callable  # the app's client before any answer is held

    @property
    def screen(self):
        return self.app.screen

    async def press(self, *keys: str) -> None:
        await self.pilot.press(*keys)

    async def reach(self, *keys: str) -> None:
        """Keys that lead to the screen, each waited for: nothing is held yet."""
        for key in keys:
            await self.pilot.press(key)
            await settle(self.app, self.pilot)

    async def type(self, text: str) -> None:
        await self.pilot.press(*[("space" if ch == " " else ch) for ch in text])

    async def clear(self, field: Input) -> None:
        await self.press("end", *["backspace"] * len(field.value))

    async def until(self, condition: Callable[[], bool], what: str) -> None:
        """Pause until *condition* holds; never `settle`, which would wait for the held answer too."""
        for _attempt in range(250):
            if condition():
                return
            await self.pilot.pause(0.02)
        raise AssertionError(f"never happened: {what}")

    async def on_top(self, name: str) -> None:
        await self.until(lambda: class_name(self.app.screen) == UI + name, name)

    async def choose(self, select: Select, value) -> None:
        """Pick *value* in the focused *select* as a person does: Enter opens it, arrows move, Enter takes."""
        values = [v for _prompt, v in select._options]
        target = values.index(value)
        here = values.index(select.value)  # the list opens on the current value (on the blank line when none)
        assert self.app.focused is select, f"{select.id} has no focus"
        await self.press("enter")
        await self.press(*(["down"] * (target - here) if target > here else ["up"] * (here - target)))
        await self.press("enter")

    async def server(self, op, *args, **kwargs):
        """What the server answers now (through the app's own session, never held)."""
        return await self.server_call(op, *args, **kwargs)

    async def settle(self) -> None:
        await settle(self.app, self.pilot)

    def text(self, selector: str) -> str:
        return str(self.screen.query_one(selector).render())

    def change(self, work: Callable) -> Awaitable:
        """Change the base between the two calls, the way someone else does it meanwhile (no push reaches the
        screen: the refresh must show it)."""
        return asyncio.to_thread(work)


def keys_of(table: DataTable) -> list[str]:
    return [table.coordinate_to_cell_key((row, 0)).row_key.value for row in range(table.row_count)]


def column(table: DataTable, index: int) -> list[str]:
    return [str(table.get_row_at(row)[index]) for row in range(table.row_count)]


def options_of(select: Select) -> list:
    return [value for _prompt, value in select._options if value != Select.NULL]


def switched(held: HeldAnswers, *ops) -> None:
    """Both choices asked the server, and the held (older) answer did arrive after the newer one."""
    for op in ops or tuple(held.calls):
        assert len(held.calls[op]) >= 2, f"{op.name}: asked {len(held.calls[op])} time(s), not twice"
        assert op in held.delivered_late, f"{op.name}: the held answer never came back"
    assert not held.waited_in_vain, [op.name for op in held.waited_in_vain]


def rename(db, company_id: int, name: str) -> Callable:
    def work() -> None:
        with db.write() as session:
            session.execute(update(Company).where(Company.id == company_id).values(name=name))

    return work


CASES: dict[str, tuple[str, Callable]] = {}


def case(name: str, user: str):
    def register(run):
        CASES[name] = (user, run)
        return run

    return register


# --- the supervisor ----------------------------------------------------------------------------


@case("review.filter_dialog", "boss")
async def _review_dates(ctx: Ctx) -> None:
    await ctx.reach("r")
    today = business_today()
    first, second = show_date(today - timedelta(days=30)), show_date(today - timedelta(days=5))
    held = HeldAnswers(ctx.app, refusals_api.list_refusals, refusals_api.count_refusals)
    for n, day in enumerate((first, second)):
        await ctx.press("f")
        await ctx.on_top("supervisor.dialogs:RefusalFilterDialog")
        await ctx.until(lambda: isinstance(ctx.app.focused, Input), "the date field has the focus")
        await ctx.clear(ctx.app.focused)
        await ctx.type(day)
        await ctx.press("ctrl+s")
        await ctx.on_top("supervisor.review:RefusalReview")
        if not n:
            await held.answered()
    await ctx.settle()
    switched(held)
    wanted = RefusalFilter(status="undecided", date_from=today - timedelta(days=5))
    page = await ctx.server(refusals_api.list_refusals, wanted, limit=200)
    total = await ctx.server(refusals_api.count_refusals, wanted)
    assert keys_of(ctx.screen.query_one("#review-table")) == [str(r.id) for r in page.rows]
    assert second in ctx.text("#review-filters")
    assert f"of {total} shown" in ctx.text("#review-status")


@case("review.status", "boss")
async def _review_status(ctx: Ctx) -> None:
    await ctx.reach("r")
    held = HeldAnswers(ctx.app, refusals_api.list_refusals, refusals_api.count_refusals)
    await ctx.press("u")  # decided
    await held.answered()
    await ctx.press("u")  # all
    await ctx.settle()
    switched(held)
    page = await ctx.server(refusals_api.list_refusals, RefusalFilter(status="all"), limit=200)
    decided = await ctx.server(refusals_api.list_refusals, RefusalFilter(status="decided"), limit=200)
    assert len(page.rows) > len(decided.rows)
    assert keys_of(ctx.screen.query_one("#review-table")) == [str(r.id) for r in page.rows]
    assert ctx.text("#review-filters").endswith(_("all"))
    assert f"{len(page.rows)} of {len(page.rows)} shown" in ctx.text("#review-status")


@case("base.search", "boss")
async def _base_text(ctx: Ctx) -> None:
    await ctx.reach("b")
    field = ctx.screen.query_one("#base-query", Input)
    held = HeldAnswers(ctx.app, companies_api.search)
    await ctx.type("камн")
    await ctx.press("enter")
    await held.answered()
    await ctx.press("slash")
    await ctx.clear(field)
    await ctx.type("вект")
    await ctx.press("enter")
    await ctx.settle()
    switched(held)
    page = await ctx.server(companies_api.search, BaseQuery(text="вект"), limit=100)
    assert page.rows and all("Вектор" in row.name for row in page.rows)
    assert keys_of(ctx.screen.query_one("#base-table")) == [str(r.id) for r in page.rows]
    assert field.value == "вект" and ctx.text("#base-status") == f"{len(page.rows)} found"


@case("base.filter_dialog", "boss")
async def _base_city(ctx: Ctx) -> None:
    await ctx.reach("b", "tab")
    held = HeldAnswers(ctx.app, companies_api.search)
    for n, city in enumerate(("Казань", "Пермь")):
        await ctx.press("f")
        await ctx.on_top("supervisor.base_search:BaseFilterDialog")
        await ctx.until(lambda: ctx.app.focused is ctx.screen.query_one("#bflt-city"), "the city has the focus")
        await ctx.clear(ctx.app.focused)
        await ctx.type(city)
        await ctx.press("enter")
        await ctx.on_top("supervisor.base_search:BaseSearchScreen")
        if not n:
            await held.answered()
    await ctx.settle()
    switched(held)
    page = await ctx.server(companies_api.search, BaseQuery(city="Пермь"), limit=100)
    assert page.rows and all(row.city == "Пермь" for row in page.rows)
    assert keys_of(ctx.screen.query_one("#base-table")) == [str(r.id) for r in page.rows]
    assert ctx.text("#base-filters") == "city: Пермь"


@case("pipeline.closer", "boss")
async def _pipeline_closer(ctx: Ctx) -> None:
    await ctx.reach("v")
    closers = await ctx.server(pipeline_api.closers)
    held = HeldAnswers(ctx.app, pipeline_api.all_deals)
    await ctx.press("c")
    await held.answered()
    await ctx.press("c")
    await ctx.settle()
    switched(held)
    first = await ctx.server(pipeline_api.all_deals, closer_id=closers[0].id, limit=100)
    page = await ctx.server(pipeline_api.all_deals, closer_id=closers[1].id, limit=100)
    assert [d.id for d in first.deals] != [d.id for d in page.deals]
    assert keys_of(ctx.screen.query_one("#pipeview-table")) == [str(d.id) for d in page.deals]
    heading = ctx.text("#pipeview-filters")
    assert f"Closer: {closers[1].name}" in heading and f"of {page.total}" in heading


@case("accounts.manager", "boss")
async def _accounts_manager(ctx: Ctx) -> None:
    await ctx.reach("a")
    managers = await ctx.server(accounts_api.managers)
    held = HeldAnswers(ctx.app, accounts_api.all_accounts)
    await ctx.press("m")
    await held.answered()
    await ctx.press("m")
    await ctx.settle()
    switched(held)
    first = await ctx.server(accounts_api.all_accounts, manager_id=managers[0].id, limit=100)
    page = await ctx.server(accounts_api.all_accounts, manager_id=managers[1].id, limit=100)
    assert [r.company_id for r in first.rows] != [r.company_id for r in page.rows]
    assert keys_of(ctx.screen.query_one("#sv-accounts")) == [str(r.company_id) for r in page.rows]
    heading = ctx.text("#sv-summary")
    assert f"Manager: {managers[1].name}" in heading and f"of {page.total}" in heading


@case("lost.manager", "boss")
async def _lost_manager(ctx: Ctx) -> None:
    await ctx.reach("l")
    managers = await ctx.server(accounts_api.managers)
    held = HeldAnswers(ctx.app, accounts_api.lost_accounts)
    await ctx.press("m")
    await held.answered()
    await ctx.press("m")
    await ctx.settle()
    switched(held)
    first = await ctx.server(accounts_api.lost_accounts, manager_id=managers[0].id, limit=100)
    page = await ctx.server(accounts_api.lost_accounts, manager_id=managers[1].id, limit=100)
    assert first.rows and page.rows and {r.company_id for r in first.rows} != {r.company_id for r in page.rows}
    assert keys_of(ctx.screen.query_one("#lost-table")) == [str(r.company_id) for r in page.rows]
    heading = ctx.text("#lost-summary")
    assert f"Manager: {managers[1].name}" in heading and f"of {page.total}" in heading


@case("market.kind", "boss")
async def _market_kind(ctx: Ctx) -> None:
    from kbase_tui.ui.growth.labels import segment_kind_label

    await ctx.reach("m")
    held = HeldAnswers(ctx.app, growth_api.capacity)
    await ctx.press("t")  # industries
    await held.answered()
    await ctx.press("t")  # channels again
    await ctx.settle()
    switched(held)
    rows = await ctx.server(growth_api.capacity, "channel")
    industries = await ctx.server(growth_api.capacity, "industry")
    assert [r.segment for r in rows] != [r.segment for r in industries]
    shown = column(ctx.screen.query_one("#market-table"), 0)
    assert shown == [r.segment or _("(none)") for r in rows]
    assert ctx.text("#market-summary").startswith(f"Capacity by {segment_kind_label('channel')}")


@case("standards.kind", "boss")
async def _standard_kind(ctx: Ctx) -> None:
    await ctx.reach("d", "n")
    kind = ctx.screen.query_one("#standard-kind", Select)
    held = HeldAnswers(ctx.app, growth_api.segments)
    await ctx.choose(kind, "industry")
    await held.answered()
    await ctx.choose(kind, "channel")
    await ctx.settle()
    switched(held)
    channels = await ctx.server(growth_api.segments, "channel")
    assert channels != await ctx.server(growth_api.segments, "industry")
    assert kind.value == "channel"
    assert options_of(ctx.screen.query_one("#standard-segment", Select)) == list(channels)


@case("focus.kind", "boss")
async def _focus_kind(ctx: Ctx) -> None:
    await ctx.reach("j", "n", "tab")
    kind = ctx.screen.query_one("#focus-kind", Select)
    held = HeldAnswers(ctx.app, growth_api.segments)
    await ctx.choose(kind, "channel")
    await held.answered()
    await ctx.choose(kind, "industry")
    await ctx.settle()
    switched(held)
    industries = await ctx.server(growth_api.segments, "industry")
    assert industries != await ctx.server(growth_api.segments, "channel")
    assert options_of(ctx.screen.query_one("#focus-segment", Select)) == list(industries)


@case("focus.kind_then_every_client", "boss")
async def _focus_every(ctx: Ctx) -> None:
    await ctx.reach("j", "n", "tab")
    kind = ctx.screen.query_one("#focus-kind", Select)
    held = HeldAnswers(ctx.app, growth_api.segments)
    await ctx.choose(kind, "channel")
    await held.answered()
    await ctx.choose(kind, "")  # every client: no segment, nothing to ask
    await ctx.settle()
    assert held.delivered_late == [growth_api.segments]
    assert kind.value == "" and options_of(ctx.screen.query_one("#focus-segment", Select)) == []


@case("catalog.find", "boss")
async def _catalog_find(ctx: Ctx) -> None:
    await ctx.reach("k")
    held = HeldAnswers(ctx.app, catalog_api.products)
    for n, text in enumerate(("болт", "клей")):
        await ctx.press("slash")
        field = ctx.screen.query_one("#catalog-find", Input)
        await ctx.clear(field)
        await ctx.type(text)
        await ctx.press("enter")
        if not n:
            await held.answered()
    await ctx.settle()
    switched(held)
    page = await ctx.server(catalog_api.products, find="клей", include_inactive=True, limit=200)
    assert [p.name for p in page.rows] == ["Клей ПВА"]
    assert column(ctx.screen.query_one("#catalog-table"), 1) == ["Клей ПВА"]
    assert "found by «клей»" in ctx.text("#catalog-summary")


@case("audit.company", "boss")
async def _audit_company(ctx: Ctx) -> None:
    first, second = ctx.seeded.context["audited"]
    for company_id in (first, second):
        await ctx.server(companies_api.card, company_id)  # a view of each, so each has its own events
    await ctx.reach("u")
    field = ctx.screen.query_one("#audit-client", Input)
    held = HeldAnswers(ctx.app, audit_api.find_companies)
    await ctx.type("первая")
    await ctx.press("enter")
    await held.answered()
    await ctx.press("ctrl+f")
    await ctx.clear(field)
    await ctx.type("вторая")
    await ctx.press("enter")
    await ctx.settle()
    switched(held)
    events = await ctx.server(audit_api.events, company_id=second, limit=100)
    assert events and ctx.screen.company_id == second
    assert keys_of(ctx.screen.query_one("#audit-table")) == [str(e.id) for e in events]
    assert "ООО «Вторая проверка»" in ctx.text("#audit-summary")
    assert "Первая" not in ctx.text("#audit-summary") + ctx.text("#audit-status")


@case("audit.company_then_everything", "boss")
async def _audit_everything(ctx: Ctx) -> None:
    first, _second = ctx.seeded.context["audited"]
    await ctx.server(companies_api.card, first)
    await ctx.reach("u")
    field = ctx.screen.query_one("#audit-client", Input)
    held = HeldAnswers(ctx.app, audit_api.find_companies)
    await ctx.type("первая")
    await ctx.press("enter")
    await held.answered()
    await ctx.press("ctrl+f")
    await ctx.clear(field)
    await ctx.press("enter")  # an empty field: every event, no company to find
    await ctx.settle()
    assert held.delivered_late == [audit_api.find_companies]
    assert ctx.screen.company_id is None and ctx.text("#audit-summary") == ""
    assert "all clients and users" in ctx.text("#audit-status")
    await _every_event_shown(ctx)


@case("audit.summary_then_everything", "boss")
async def _audit_summary_everything(ctx: Ctx) -> None:
    first, _second = ctx.seeded.context["audited"]
    await ctx.server(companies_api.card, first)
    await ctx.reach("u")
    field = ctx.screen.query_one("#audit-client", Input)
    held = HeldAnswers(ctx.app, audit_api.access_summary)
    await ctx.type("первая")
    await ctx.press("enter")  # one company matches: its events and who had access
    await held.answered()
    await ctx.press("ctrl+f")
    await ctx.clear(field)
    await ctx.press("enter")  # every event: nobody's access to sum up
    await ctx.settle()
    assert held.delivered_late == [audit_api.access_summary]
    assert ctx.screen.company_id is None and ctx.text("#audit-summary") == ""
    await _every_event_shown(ctx)


async def _every_event_shown(ctx: Ctx) -> None:
    """The newest page of every event, as the server had it when the screen asked (reading the log is an event
    too: the server has one more now)."""
    shown = keys_of(ctx.screen.query_one("#audit-table"))
    newest = [str(e.id) for e in await ctx.server(audit_api.events, limit=100)]
    assert shown and shown == newest[newest.index(shown[0]) :][: len(shown)]
    assert len({str(row) for row in column(ctx.screen.query_one("#audit-table"), 4)}) > 1  # not one company's


@case("reports.report", "boss")
async def _reports(ctx: Ctx) -> None:
    await ctx.reach("p")
    screen = ctx.screen
    held = HeldAnswers(ctx.app, reports_api.run)
    await ctx.press("2")
    await held.answered()
    await ctx.press("3")
    await ctx.settle()
    switched(held)
    report = await ctx.server(reports_api.run, screen.titles[2][0], screen.date_from, screen.date_to)
    other = await ctx.server(reports_api.run, screen.titles[1][0], screen.date_from, screen.date_to)
    assert report.columns != other.columns
    assert screen.query_one("#reports-menu", Select).value == 2
    assert (screen.report.name, screen.report.columns) == (report.name, report.columns)
    table = screen.query_one("#reports-table", DataTable)
    assert [str(c.label) for c in table.ordered_columns] == list(report.columns)
    assert table.row_count == len(report.rows)


@case("reasons.kind", "boss")
async def _reasons_kind(ctx: Ctx) -> None:
    from kbase_tui.ui.queue.outcome_editor import REASON_KINDS

    await ctx.reach("c", "ctrl+r")
    held = HeldAnswers(ctx.app, queue_api.all_reasons)
    await ctx.press("2")
    await held.answered()
    await ctx.press("3")
    await ctx.settle()
    switched(held)
    rows = await ctx.server(queue_api.all_reasons, "lost_client")
    assert [r[0] for r in rows] != [r[0] for r in await ctx.server(queue_api.all_reasons, "lost_deal")]
    box = ctx.screen.query_one("#reasons-list", OptionList)
    assert [box.get_option_at_index(n).id for n in range(box.option_count)] == [r[0] for r in rows]
    assert ctx.text("#reasons-kind") == _(REASON_KINDS[2][1])


async def _transfer_open(ctx: Ctx):
    await ctx.reach("t")
    select_ = ctx.screen.query_one("#transfer-from", Select)
    staff = options_of(select_)
    counts = {who: await ctx.server(transfer_api.portfolio, who) for who in staff}
    return select_, counts


@case("transfer.leaver", "boss")
async def _transfer_leaver(ctx: Ctx) -> None:
    select_, counts = await _transfer_open(ctx)
    first = next(who for who in counts if counts[who].companies)
    second = next(who for who in counts if counts[who] != counts[first])
    held = HeldAnswers(ctx.app, transfer_api.portfolio)
    await ctx.choose(select_, first)
    await held.answered()
    await ctx.choose(select_, second)
    await ctx.settle()
    switched(held)
    assert ctx.screen.counts == counts[second]
    assert f"Companies: {counts[second].companies} " in ctx.text("#transfer-counts")


@case("transfer.leaver_then_nobody", "boss")
async def _transfer_nobody(ctx: Ctx) -> None:
    select_, counts = await _transfer_open(ctx)
    first = next(who for who in counts if counts[who].companies)
    held = HeldAnswers(ctx.app, transfer_api.portfolio)
    await ctx.choose(select_, first)
    await held.answered()
    await ctx.choose(select_, Select.NULL)  # back to "choose a user"
    await ctx.settle()
    assert held.delivered_late == [transfer_api.portfolio]
    assert select_.value == Select.NULL
    assert ctx.screen.counts is None and ctx.text("#transfer-counts") == ""


@case("playbook.refresh", "boss")
async def _playbook(ctx: Ctx) -> None:
    from kbase_tui.services import reference

    await ctx.reach("y")
    held = HeldAnswers(ctx.app, playbook_api.contact_standards, playbook_api.behind_by_manager)
    await ctx.press("r")
    await held.answered()

    def every_class_weekly() -> None:
        with ctx.db.write() as session:
            for letter in "abcde":
                reference.set_setting(session, f"accounts.contact_days_{letter}", 7)

    await ctx.change(every_class_weekly)
    await ctx.press("r")
    await ctx.settle()
    switched(held)
    rows = await ctx.server(playbook_api.contact_standards)
    assert rows and all(r.days == 7 for r in rows)
    assert column(ctx.screen.query_one("#pb-standards"), 1) == ["7 days"] * len(rows)
    managers = await ctx.server(playbook_api.behind_by_manager)
    assert column(ctx.screen.query_one("#pb-managers"), 2) == [str(m.behind) for m in managers]


@case("alarms.refresh", "boss")
async def _alarms(ctx: Ctx) -> None:
    await ctx.reach("n")
    held = HeldAnswers(ctx.app, alarms_api.open_alarms)
    await ctx.press("f5")
    await held.answered()

    def seen_more() -> None:
        with ctx.db.write() as session:
            session.execute(update(SecurityAlarm).values(observed=SecurityAlarm.observed + 40))

    await ctx.change(seen_more)
    await ctx.press("f5")
    await ctx.settle()
    switched(held)
    alarms = await ctx.server(alarms_api.open_alarms)
    assert alarms and all(a.observed > 40 for a in alarms)
    seen = column(ctx.screen.query_one("#alarms-table"), 3)
    assert seen == [f"{a.observed} (limit {a.limit})" for a in alarms]


@case("hours.refresh", "boss")
async def _hours(ctx: Ctx) -> None:
    from kbase_tui.protocol import hours as hours_api
    from kbase_tui.services import reference

    await ctx.reach("z")
    assert "10:00" not in ctx.text("#hours-summary")
    held = HeldAnswers(ctx.app, hours_api.calling_window)
    await ctx.press("f5")
    await held.answered()

    def shorter_day() -> None:
        with ctx.db.write() as session:
            reference.set_setting(session, "queue.calling_hours", [["10:00", "16:00"]])

    await ctx.change(shorter_day)
    await ctx.press("f5")
    await ctx.settle()
    switched(held)
    view = await ctx.server(hours_api.calling_window)
    assert (ctx.screen.view.days, ctx.screen.view.hours) == (view.days, view.hours)
    assert "10:00" in ctx.text("#hours-summary")


# --- the administrator ---------------------------------------------------------------------------


@case("users.refresh", "it")
async def _users(ctx: Ctx) -> None:
    await ctx.settle()
    held = HeldAnswers(ctx.app, users_api.list_users)
    await ctx.press("f5")
    await held.answered()

    def renamed() -> None:
        with ctx.db.write() as session:
            session.execute(update(User).where(User.username == "vera").values(full_name="Вера Новикова"))

    await ctx.change(renamed)
    await ctx.press("f5")
    await ctx.settle()
    switched(held)
    infos = await ctx.server(users_api.list_users)
    assert "Вера Новикова" in [i.full_name for i in infos]
    assert column(ctx.screen.query_one("#users-table"), 1) == [i.full_name for i in infos]


# --- the account manager -------------------------------------------------------------------------


@case("follow_up.refresh", "olga")
async def _follow_ups(ctx: Ctx) -> None:
    from kbase_tui.services import reference, targets

    from ..services.account_setup import account_company

    await ctx.settle()
    ops = (accounts_api.follow_up_list, playbook_api.behind_standard, growth_api.focus_progress)
    held = HeldAnswers(ctx.app, *ops, playbook_api.my_targets)
    await ctx.press("r")
    await held.answered()
    olga, boss = ctx.seeded.people["olga"], ctx.seeded.people["boss"]

    def more_work() -> None:
        account_company(ctx.db, olga, "ООО «Новый клиент»", next_follow_up_at=None)
        with ctx.db.write() as session:
            for letter in "abcde":
                reference.set_setting(session, f"accounts.contact_days_{letter}", 1)
        first = business_today().replace(day=1)
        targets.set_target(ctx.db, boss, olga.id, "calls", "month", first, 777)

    await ctx.change(more_work)
    await ctx.press("r")
    await ctx.settle()
    switched(held)
    page = await ctx.server(accounts_api.follow_up_list, offset=0, limit=100)
    behind = await ctx.server(playbook_api.behind_standard, limit=500)
    mine = await ctx.server(playbook_api.my_targets)
    screen = ctx.screen
    assert "ООО «Новый клиент»" in [r.name for r in page.rows]
    assert keys_of(screen.query_one("#fu-table")) == [str(r.company_id) for r in page.rows]
    assert ctx.text("#fu-summary").startswith(f"{page.total} clients")
    assert screen.behind == behind.total and set(screen.behind_rows) == {r.company_id for r in behind.rows}
    assert [row.value for row in screen.query_one("#fu-targets").rows] == [row.value for row in mine]
    assert 777 in [int(row.value) for row in mine]


@case("behind.refresh", "olga")
async def _behind(ctx: Ctx) -> None:
    from kbase_tui.services import reference

    await ctx.reach("b")
    before = await ctx.server(playbook_api.behind_standard)
    assert [r.company_id for r in ctx.screen.rows] == [r.company_id for r in before.rows]
    held = HeldAnswers(ctx.app, playbook_api.behind_standard)
    await ctx.press("r")
    await held.answered()

    def daily() -> None:
        with ctx.db.write() as session:
            for letter in "abcde":
                reference.set_setting(session, f"accounts.contact_days_{letter}", 1)

    await ctx.change(daily)
    await ctx.press("r")
    await ctx.settle()
    switched(held)
    page = await ctx.server(playbook_api.behind_standard)
    assert page.total > before.total  # a contact every day: more clients behind than before
    assert keys_of(ctx.screen.query_one("#behind-table")) == [str(r.company_id) for r in page.rows]
    assert ctx.text("#behind-summary").startswith(f"Behind the standard: {page.total}")


@case("find.text", "olga")
async def _find(ctx: Ctx) -> None:
    await ctx.reach("slash")
    field = ctx.screen.query_one("#find-text", Input)
    held = HeldAnswers(ctx.app, clients_api.find_own)
    await ctx.type("камн")
    await held.answered()
    await ctx.clear(field)
    await ctx.type("бет")
    await ctx.pilot.pause(0.3)  # the dialog asks once the typing pauses
    await ctx.settle()
    switched(held)
    matches = await ctx.server(clients_api.find_own, "бет")
    assert matches and all("Бета" in m.name for m in matches)
    assert [m.company_id for m in ctx.screen.matches] == [m.company_id for m in matches]
    box = ctx.screen.query_one("#find-matches", OptionList)
    assert [box.get_option_at_index(n).id for n in range(box.option_count)] == [str(m.company_id) for m in matches]


@case("find.text_then_nothing", "olga")
async def _find_nothing(ctx: Ctx) -> None:
    await ctx.reach("slash")
    field = ctx.screen.query_one("#find-text", Input)
    held = HeldAnswers(ctx.app, clients_api.find_own)
    await ctx.type("камн")
    await held.answered()
    await ctx.clear(field)  # nothing typed: nothing to ask
    await ctx.pilot.pause(0.3)
    await ctx.settle()
    assert held.delivered_late == [clients_api.find_own]
    assert field.value == "" and ctx.screen.matches == []
    assert ctx.screen.query_one("#find-matches", OptionList).option_count == 0


# --- the closer and the specialist ---------------------------------------------------------------


@case("board.refresh", "petr")
async def _board(ctx: Ctx) -> None:
    await ctx.settle()
    deal = ctx.screen.selected_deal
    held = HeldAnswers(ctx.app, pipeline_api.board)
    await ctx.press("f5")
    await held.answered()
    await ctx.change(rename(ctx.db, deal.company_id, "ООО «Переименована»"))
    await ctx.press("f5")
    await ctx.settle()
    switched(held)
    board = await ctx.server(pipeline_api.board, limit=ctx.screen.page_size())
    names = [d.company_name for c in board.columns for d in c.deals]
    assert "ООО «Переименована»" in names
    assert [d.company_name for c in ctx.screen.board.columns for d in c.deals] == names
    assert ctx.screen.selected_deal.company_name == "ООО «Переименована»"


@case("assignments.refresh", "spec")
async def _assignments(ctx: Ctx) -> None:
    await ctx.settle()
    task = ctx.screen.tasks[0]
    held = HeldAnswers(ctx.app, specialists_api.my_assignments)
    await ctx.press("f5")
    await held.answered()
    await ctx.change(rename(ctx.db, task.company_id, "ООО «Переименована»"))
    await ctx.press("f5")
    await ctx.settle()
    switched(held)
    tasks = await ctx.server(specialists_api.my_assignments)
    assert [t.company_name for t in tasks] == ["ООО «Переименована»"]
    assert column(ctx.screen.query_one("#assign-table"), 1) == ["ООО «Переименована»"]


# --- the test --------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(CASES))
async def test_two_quick_switches_show_the_newest_page(sqlite_db, tmp_path, name):
    user, run = CASES[name]
    db = sqlite_db
    seeded = _seed(db, tmp_path)
    app = app_on(db)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        app.screen.query_one("#username").value = user
        app.screen.query_one("#password").value = PASSWORD
        app.screen.query_one("#password").focus()
        await pilot.press("enter")
        await settle(app, pilot)
        await run(Ctx(app, pilot, db, seeded, app.client.call))
