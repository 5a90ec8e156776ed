"""The closers' pipeline service, on SQLite and PostgreSQL."""

from __future__ import annotations

import inspect
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import event, select

from kbase_tui.models import AuditEvent, ClientOrder, Company, Deal, Interaction, utcnow
from kbase_tui.services import clients, pipeline
from kbase_tui.services.errors import AccessDenied, KbaseError, StaleRecord, ValidationFailed

from .pipeline_setup import company_of, hand_over

TODAY = date(2026, 3, 10)


@pytest.fixture
def team(make_user):
    return {
        "caller": make_user("caller", full_name="Ольга Звонарёва"),
        "closer": make_user("closer", full_name="Пётр Сделкин"),
        "closer2": make_user("closer", full_name="Ирина Вторая"),
        "account": make_user("account", full_name="Анна Клиентова"),
        "account2": make_user("account", full_name="Борис Фермер"),
        "boss": make_user("supervisor", full_name="Роман Руководов"),
        "admin": make_user("admin"),
    }


def test_a_handed_over_lead_appears_in_the_new_column_with_count_and_sum(db, team):
    hand_over(db, team["caller"], team["closer"], "Бета", amount="1000", next_step_due=TODAY + timedelta(days=3))
    hand_over(db, team["caller"], team["closer"], "Альфа", amount="2500.50", next_step_due=TODAY - timedelta(days=1))
    hand_over(db, team["caller"], team["closer"], "Без даты", amount="0")
    hand_over(db, team["caller"], team["closer2"], "Чужая")
    board = pipeline.board(db, team["closer"], today=TODAY)
    assert [c.code for c in board.columns] == ["new", "meeting_set", "meeting_held", "thinking", "agreed"]
    new = board.columns[0]
    assert [d.company_name for d in new.deals] == ["Альфа", "Бета", "Без даты"]  # by next-step date, none last
    assert new.count == 3 and new.total == Decimal("3500.50")
    assert [d.overdue for d in new.deals] == [True, False, False]
    assert all(c.count == 0 for c in board.columns[1:])


def test_moving_through_the_stages_writes_history_and_audit(db, team):
    deal_id = hand_over(db, team["caller"], team["closer"])
    closer = team["closer"]
    moved = pipeline.move_deal(db, closer, deal_id, +1, expected_stage="new")
    assert moved.stage_code == "meeting_set"
    pipeline.move_deal(db, closer, deal_id, +1)
    pipeline.move_deal(db, closer, deal_id, -1)
    with db.read() as session:
        entries = (
            session.execute(
                select(Interaction)
                .where(Interaction.deal_id == deal_id, Interaction.kind == "stage")
                .order_by(Interaction.id)
            )
            .scalars()
            .all()
        )
        assert [(e.outcome, e.text) for e in entries] == [
            ("meeting_set", "New → First meeting agreed"),
            ("meeting_held", "First meeting agreed → Meeting held"),
            ("meeting_set", "Meeting held → First meeting agreed"),
        ]
        events = session.execute(select(AuditEvent).where(AuditEvent.action == "deal_stage_changed")).scalars().all()
        assert len(events) == 3 and all(e.actor == closer.username for e in events)
    board = pipeline.board(db, closer, today=TODAY)
    assert board.columns[1].deals[0].id == deal_id


def test_a_deal_cannot_move_past_the_ends_or_from_a_stale_board(db, team):
    deal_id = hand_over(db, team["caller"], team["closer"])
    with pytest.raises(ValidationFailed):
        pipeline.move_deal(db, team["closer"], deal_id, -1)
    for _ in range(4):
        pipeline.move_deal(db, team["closer"], deal_id, +1)
    with pytest.raises(ValidationFailed):  # won/lost only through their dialogs
        pipeline.move_deal(db, team["closer"], deal_id, +1)
    with pytest.raises(StaleRecord):
        pipeline.move_deal(db, team["closer"], deal_id, -1, expected_stage="new")


def test_another_closer_and_other_roles_cannot_touch_the_deal(db, team):
    deal_id = hand_over(db, team["caller"], team["closer"])
    for who in ("closer2", "caller", "account", "admin"):
        with pytest.raises(AccessDenied):
            pipeline.deal_card(db, team[who], deal_id)
        with pytest.raises(AccessDenied):
            pipeline.move_deal(db, team[who], deal_id, +1)
    assert pipeline.board(db, team["closer2"], today=TODAY).count == 0
    with pytest.raises(AccessDenied):
        pipeline.board(db, team["caller"])
    with pytest.raises(AccessDenied):
        pipeline.all_deals(db, team["closer"])


def test_the_card_saves_with_a_version_check_and_shows_the_other_change(db, team):
    deal_id = hand_over(db, team["caller"], team["closer"], requirements="50 т арматуры")
    card = pipeline.deal_card(db, team["closer"], deal_id)
    assert card.deal.requirements == "50 т арматуры" and card.deal.handed_over_by_name == "Ольга Звонарёва"
    form = pipeline.DealForm(
        requirements="60 т", next_step="Отправить КП", next_step_due=TODAY, expected_amount=Decimal("120000")
    )
    saved = pipeline.update_deal(db, team["boss"], deal_id, card.deal.version, form)
    assert saved.version == card.deal.version + 1
    mine = pipeline.DealForm(requirements="70 т", expected_amount=Decimal("1"))
    with pytest.raises(StaleRecord) as stale:
        pipeline.update_deal(db, team["closer"], deal_id, card.deal.version, mine)
    assert stale.value.current.requirements == "60 т" and stale.value.current.next_step == "Отправить КП"
    again = pipeline.update_deal(db, team["closer"], deal_id, stale.value.current.version, mine)
    assert again.requirements == "70 т" and again.expected_amount == Decimal("1.00")
    with db.read() as session:
        assert session.get(Company, company_of(db, deal_id)).requirements == "70 т"
    history = pipeline.deal_history(db, team["closer"], deal_id)
    assert history[0].outcome == "deal_changed" and "70 т" in history[0].text
    assert history[-1].kind == "call"  # the cold call is on the same timeline


def test_notes_count_as_activity_and_show_on_the_timeline(db, team):
    old = utcnow() - timedelta(days=40)
    deal_id = hand_over(db, team["caller"], team["closer"], last_activity_at=old)
    assert pipeline.board(db, team["closer"]).columns[0].deals[0].stale
    entry = pipeline.add_deal_note(db, team["closer"], deal_id, "meeting", "Встреча\nResult: ждут КП")
    assert entry.kind == "meeting"
    assert not pipeline.board(db, team["closer"]).columns[0].deals[0].stale
    assert pipeline.deal_history(db, team["closer"], deal_id, limit=1)[0].text == "Встреча\nResult: ждут КП"
    with pytest.raises(ValidationFailed):
        pipeline.add_deal_note(db, team["closer"], deal_id, "stage", "x")


def test_winning_hands_the_client_to_the_least_loaded_account_manager(db, team):
    # account already has one client, so account2 (fewest) gets the new one
    first = hand_over(db, team["caller"], team["closer"], "Старый клиент")
    pipeline.win_deal(db, team["closer"], first, TODAY, Decimal("10"), account_manager_id=team["account"].id)
    deal_id = hand_over(db, team["caller"], team["closer"], "Новый клиент")
    result = pipeline.win_deal(db, team["closer"], deal_id, TODAY, Decimal("150000"), items="арматура")
    assert result.account_manager_id == team["account2"].id
    with db.read() as session:
        company = session.get(Company, result.company_id)
        assert (company.stage, company.category, company.owner_id) == ("account", "active", team["account2"].id)
        assert company.orders_count == 1 and company.revenue_total == Decimal("150000")
        assert company.first_order_at == TODAY == company.last_order_at
        order = session.get(ClientOrder, result.order_id)
        assert (
            order.amount == Decimal("150000")
            and order.deal_id == deal_id
            and order.account_manager_id == team["account2"].id
        )
        deal = session.get(Deal, deal_id)
        assert (deal.status, deal.stage_code, deal.contract_amount) == ("won", "won", Decimal("150000"))
    card = clients.open_card(db, team["account2"], result.company_id)
    assert card.company.name == "Новый клиент"
    kinds = [e.kind for e in clients.history(db, team["account2"], result.company_id)]
    assert {"handover", "order", "stage", "call"} <= set(kinds)


def _closer_calls(deal_id: int, company_id: int):
    """Every pipeline service function (and the shared card ones) as the closer would call it."""
    return {
        "deal_card": lambda db, a: pipeline.deal_card(db, a, deal_id),
        "deal_history": lambda db, a: pipeline.deal_history(db, a, deal_id),
        "move_deal": lambda db, a: pipeline.move_deal(db, a, deal_id, 1),
        "update_deal": lambda db, a: pipeline.update_deal(db, a, deal_id, 99, pipeline.DealForm()),
        "add_deal_note": lambda db, a: pipeline.add_deal_note(db, a, deal_id, "note", "x"),
        "win_deal": lambda db, a: pipeline.win_deal(db, a, deal_id, TODAY, Decimal("1")),
        "lose_deal": lambda db, a: pipeline.lose_deal(db, a, deal_id, "price"),
        "reassign_deal": lambda db, a: pipeline.reassign_deal(db, a, deal_id, a.id),
        "comment_deal": lambda db, a: pipeline.comment_deal(db, a, deal_id, "x"),
        "return_lost_deal": lambda db, a: pipeline.return_lost_deal(db, a, deal_id, a.id),
        "all_deals": lambda db, a: pipeline.all_deals(db, a),
        "closers": lambda db, a: pipeline.closers(db, a),
        "lost_deals": lambda db, a: pipeline.lost_deals(db, a),
        "clients.open_card": lambda db, a: clients.open_card(db, a, company_id),
        "clients.history": lambda db, a: clients.history(db, a, company_id),
        "clients.add_note": lambda db, a: clients.add_note(db, a, company_id, "note", "x"),
        "clients.add_contact": lambda db, a: clients.add_contact(db, a, company_id, clients.ContactForm("X")),
    }


def test_every_pipeline_function_is_covered_by_the_refusal_loop():
    public = {
        name
        for name, fn in inspect.getmembers(pipeline, inspect.isfunction)
        if fn.__module__ == pipeline.__name__ and not name.startswith("_")
    }
    # functions that take a session (called inside other services) or touch no company
    internal = {"open_stages", "first_stage_code", "hand_over_to_account"}
    no_company = {"board", "column_deals", "stages", "account_managers", "lost_reasons"}
    covered = set(_closer_calls(0, 0))
    assert public - internal - no_company <= covered


@pytest.mark.parametrize("typed", ["32.13.2026", "12.12.2026", "12 12 2026"])
def test_the_server_refuses_a_date_sent_as_a_contract_or_expected_amount(db, team, typed):
    # a text amount that reaches the service is read as strictly as the terminal reads it
    deal_id = hand_over(db, team["caller"], team["closer"])
    with pytest.raises(ValidationFailed):
        pipeline.win_deal(db, team["closer"], deal_id, TODAY, typed)
    card = pipeline.deal_card(db, team["closer"], deal_id)
    with pytest.raises(ValidationFailed):
        pipeline.update_deal(db, team["closer"], deal_id, card.deal.version, pipeline.DealForm("", "", None, typed))
    assert pipeline.deal_card(db, team["closer"], deal_id).deal.expected_amount in (None, Decimal("0"))


_SAID_CLOSED = {"move_deal", "update_deal", "add_deal_note", "win_deal", "lose_deal"}


@pytest.mark.parametrize("ending", ["won", "lost"])
def test_after_the_deal_leaves_the_pipeline_every_call_of_the_closer_is_refused(db, team, ending):
    deal_id = hand_over(db, team["caller"], team["closer"])
    company_id = company_of(db, deal_id)
    if ending == "won":
        pipeline.win_deal(db, team["closer"], deal_id, TODAY, Decimal("5000"))
    else:
        pipeline.lose_deal(db, team["closer"], deal_id, "price", "дорого")
    refused = []
    for name, call in _closer_calls(deal_id, company_id).items():
        # Working on the deal itself (a stale board in another terminal) is told it is closed, and how.
        with pytest.raises(ValidationFailed if name in _SAID_CLOSED else AccessDenied) as error:
            call(db, team["closer"])
        if name in _SAID_CLOSED:
            assert str(error.value).startswith(f"The deal is already closed: {ending} on ")
        refused.append(name)
    assert len(refused) == len(_closer_calls(deal_id, company_id))
    assert pipeline.board(db, team["closer"]).count == 0
    assert pipeline.column_deals(db, team["closer"], "new") == ()


def test_a_chosen_account_manager_must_be_an_active_one(db, team):
    deal_id = hand_over(db, team["caller"], team["closer"])
    for wrong in (team["closer2"].id, 999_999):
        with pytest.raises(ValidationFailed):
            pipeline.win_deal(db, team["closer"], deal_id, TODAY, Decimal("1"), account_manager_id=wrong)
    with pytest.raises(ValidationFailed):
        pipeline.win_deal(db, team["closer"], deal_id, TODAY, Decimal("0"))
    with db.read() as session:  # nothing was half-done
        assert session.get(Deal, deal_id).status == "open"
        assert session.execute(select(ClientOrder)).first() is None
    result = pipeline.win_deal(db, team["closer"], deal_id, TODAY, Decimal("1"), account_manager_id=team["account"].id)
    assert result.account_manager_name == "Анна Клиентова"


def test_a_lost_deal_goes_to_the_supervisors_lost_list_and_can_be_returned(db, team):
    deal_id = hand_over(db, team["caller"], team["closer"], "Потерянная", amount="700")
    with pytest.raises(ValidationFailed):
        pipeline.lose_deal(db, team["closer"], deal_id, "no_such_reason")
    info = pipeline.lose_deal(db, team["closer"], deal_id, "competitor", "ушли к «Альфе»")
    assert (info.status, info.stage_code, info.lost_reason) == ("lost", "lost", "competitor")
    lost = pipeline.lost_deals(db, team["boss"])
    assert [(x.company_name, x.lost_reason_label, x.lost_comment, x.closer_name) for x in lost] == [
        ("Потерянная", "Chose a competitor", "ушли к «Альфе»", "Пётр Сделкин")
    ]
    assert pipeline.lost_deals(db, team["boss"], reason_code="price") == []
    with pytest.raises(AccessDenied):
        pipeline.lost_deals(db, team["closer"])
    returned = pipeline.return_lost_deal(db, team["boss"], deal_id, team["closer2"].id, "особые условия")
    assert returned.stage_code == "new" and returned.closer_id == team["closer2"].id
    assert pipeline.lost_deals(db, team["boss"]) == []
    board = pipeline.board(db, team["closer2"])
    assert board.columns[0].deals[0].supervisor_comment == "особые условия"


def test_the_supervisor_filters_reassigns_and_comments(db, team):
    old = utcnow() - timedelta(days=30)
    a = hand_over(db, team["caller"], team["closer"], "А", last_activity_at=old)
    b = hand_over(db, team["caller"], team["closer"], "Б")
    c = hand_over(db, team["caller"], team["closer2"], "В")
    pipeline.move_deal(db, team["closer2"], c, +1)
    boss = team["boss"]
    page = pipeline.all_deals(db, boss)
    assert page.total == 3 and page.deals[0].id == a and page.deals[0].stale and page.stale_days == 14
    assert {d.id for d in pipeline.all_deals(db, boss, closer_id=team["closer"].id).deals} == {a, b}
    assert [d.id for d in pipeline.all_deals(db, boss, stage_code="meeting_set").deals] == [c]
    assert [d.id for d in pipeline.all_deals(db, boss, stale_only=True).deals] == [a]
    assert [(x.name, x.load) for x in pipeline.closers(db, boss)] == [("Ирина Вторая", 1), ("Пётр Сделкин", 2)]

    pipeline.comment_deal(db, boss, b, "Позвони ЛПР до пятницы")
    mine = {d.id: d for d in pipeline.board(db, team["closer"]).columns[0].deals}
    assert mine[b].supervisor_comment == "Позвони ЛПР до пятницы"
    assert pipeline.deal_history(db, team["closer"], b)[0].kind == "decision"

    pipeline.reassign_deal(db, boss, a, team["closer2"].id, "в отпуске")
    with pytest.raises(AccessDenied):
        pipeline.deal_card(db, team["closer"], a)
    assert pipeline.deal_card(db, team["closer2"], a).deal.closer_name == "Ирина Вторая"
    with pytest.raises(AccessDenied):
        pipeline.reassign_deal(db, team["closer2"], a, team["closer"].id)
    with pytest.raises(ValidationFailed):
        pipeline.reassign_deal(db, boss, a, team["account"].id)


def test_the_board_is_one_query_whatever_the_number_of_deals(db, team, no_rate_limits):
    for n in range(60):
        hand_over(db, team["caller"], team["closer"], f"Компания {n}", next_step_due=TODAY + timedelta(days=n % 9))
    statements = []

    def count(*_args, **_kwargs):
        statements.append(1)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        small = pipeline.board(db, team["closer"], today=TODAY)
        n_small = len(statements)
        for n in range(60, 200):
            hand_over(db, team["caller"], team["closer"], f"Компания {n}")
        statements.clear()
        big = pipeline.board(db, team["closer"], today=TODAY)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert small.count == 60 and big.count == 200
    assert len(statements) == n_small


def test_the_board_sends_a_first_page_per_column_and_counts_every_deal(db, team):
    closer = team["closer"]
    ids = []
    for n in range(45):
        due = None if n % 10 == 0 else TODAY + timedelta(days=n % 7 - 3)
        ids.append(hand_over(db, team["caller"], closer, f"Компания {n:02d}", amount=f"{n}00.10", next_step_due=due))
    hand_over(db, team["caller"], closer, "На встрече", stage_code="meeting_set", amount="7")
    hand_over(db, team["caller"], team["closer2"], "Чужая", amount="999999")
    everything = pipeline.board(db, closer, today=TODAY, limit=1000)
    full_order = [d.id for d in everything.columns[0].deals]
    assert len(full_order) == 45 and set(full_order) == set(ids)

    board = pipeline.board(db, closer, today=TODAY, limit=10)
    new, meeting = board.columns[0], board.columns[1]
    assert [d.id for d in new.deals] == full_order[:10] and new.more
    assert new.count == 45 and board.count == 46
    assert new.total == sum((Decimal(f"{n}00.10") for n in range(45)), Decimal("0"))
    assert new.overdue == sum(1 for n in range(45) if n % 10 and n % 7 - 3 < 0) == board.overdue
    assert (meeting.count, meeting.total, len(meeting.deals), meeting.more) == (1, Decimal("7.00"), 1, False)

    # the rest of the column, page by page, continues exactly where the first page stopped
    rest = pipeline.column_deals(db, closer, "new", offset=10, limit=20, today=TODAY)
    rest += pipeline.column_deals(db, closer, "new", offset=30, limit=20, today=TODAY)
    assert [d.id for d in rest] == full_order[10:]
    assert pipeline.column_deals(db, closer, "new", offset=45, today=TODAY) == ()
    assert pipeline.column_deals(db, team["closer2"], "new", limit=100)[0].company_name == "Чужая"

    # per-column limits, and a followed deal deep in its column is delivered with it
    assert len(pipeline.board(db, closer, today=TODAY, limit=5, limits={"new": 20}).columns[0].deals) == 20
    deep = full_order[37]
    followed = pipeline.board(db, closer, today=TODAY, limit=10, follow=deep).columns[0]
    assert (
        deep in [d.id for d in followed.deals] and [d.id for d in followed.deals] == full_order[: len(followed.deals)]
    )
    # so is the deal of a company just handed over (named in the board's notice), the cursor's page kept
    last = full_order[-1]
    named = pipeline.board(db, closer, today=TODAY, limit=10, include_companies=[company_of(db, last)]).columns[0]
    assert [d.id for d in named.deals] == full_order[: len(named.deals)] and last in [d.id for d in named.deals]
    assert len(pipeline.board(db, closer, today=TODAY, limit=10, include_companies=[999999]).columns[0].deals) == 10

    with pytest.raises(ValidationFailed):
        pipeline.column_deals(db, closer, "won")
    with pytest.raises(AccessDenied):
        pipeline.column_deals(db, team["caller"], "new")


def test_a_deal_in_a_switched_off_stage_shows_and_counts_in_the_first_column(db, team):
    hand_over(
        db,
        team["caller"],
        team["closer"],
        "Старая стадия",
        stage_code="old_stage",
        amount="100",
        next_step_due=TODAY - timedelta(days=1),
    )
    hand_over(db, team["caller"], team["closer"], "Новая", amount="1")
    board = pipeline.board(db, team["closer"], today=TODAY, limit=1)
    first = board.columns[0]
    assert (first.count, first.total, first.overdue) == (2, Decimal("101.00"), 1)
    assert [d.company_name for d in first.deals] == ["Старая стадия"]
    assert [d.company_name for d in pipeline.column_deals(db, team["closer"], "new", offset=1)] == ["Новая"]


def test_errors_carry_a_message_for_the_user(db, team):
    deal_id = hand_over(db, team["caller"], team["closer"])
    with pytest.raises(KbaseError) as error:
        pipeline.move_deal(db, team["closer"], deal_id, 2)
    assert str(error.value)


@pytest.fixture
def sent(db):
    """The notices the services send after their commits, as (kind, what, user ids, company id)."""
    from kbase_tui.services import notify

    notices = []

    def listen(notice):
        notices.append((notice.kind, notice.what, notice.user_ids, notice.company_id))

    notify.subscribe(listen)
    yield notices
    notify.unsubscribe(listen)


def test_whoever_is_given_a_client_is_told_and_so_is_the_closer_who_loses_one(db, team, sent):
    closer, closer2, boss = team["closer"], team["closer2"], team["boss"]
    a = hand_over(db, team["caller"], closer, "А")
    b = hand_over(db, team["caller"], closer, "Б")
    ca, cb = company_of(db, a), company_of(db, b)
    assert sent == [("handover", "", (closer.id,), ca), ("handover", "", (closer.id,), cb)]
    sent.clear()

    pipeline.reassign_deal(db, boss, a, closer2.id)
    assert sent == [("handover", "reassigned", (closer2.id,), ca), ("changed", "board", (closer.id,), ca)]
    sent.clear()

    won = pipeline.win_deal(db, closer, b, TODAY, Decimal("1000"), account_manager_id=team["account"].id)
    assert sent == [("handover", "", (team["account"].id,), won.company_id)]
    sent.clear()

    pipeline.lose_deal(db, closer2, a, "price")
    assert sent == []  # nobody is given the company: it waits on the supervisor's lost list
    pipeline.return_lost_deal(db, boss, a, closer.id)
    assert sent == [("handover", "returned", (closer.id,), ca)]
    sent.clear()

    with pytest.raises(ValidationFailed):
        pipeline.reassign_deal(db, boss, pipeline.board(db, closer).columns[0].deals[0].id, closer.id)
    assert sent == []  # a refused change (rolled back) tells nobody anything
