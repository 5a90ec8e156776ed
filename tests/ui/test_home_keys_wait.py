"""Keys typed right behind the password, in one burst, act on the home screen's first data, not on an empty screen.

The home screen comes up before its data (the board's deals, the caller's first lead): keys that reached it then
acted on nothing, silently.  Each home screen holds them (`keys_wait`) until its first answer; a failed first load
lets them go; help, log-out and quit are never held.
"""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from kbase_tui.models import Deal, Interaction, Refusal
from kbase_tui.protocol import pipeline, queue
from kbase_tui.protocol.errors import ValidationFailed
from kbase_tui.ui.help_screen import HelpScreen
from kbase_tui.ui.pipeline.board import CloserBoard
from kbase_tui.ui.pipeline.card import DealCardScreen
from kbase_tui.ui.queue.screen import CallerQueue

from ..conftest import PASSWORD
from ..server_harness import app_on
from ..services.pipeline_setup import hand_over
from ..services.queue_setup import add_company
from .helpers import settle
from .test_dialog_input_rule import burst


@pytest.fixture
def team(make_user):
    return {
        "caller": make_user("caller", "olga"),
        "closer": make_user("closer", "petr"),
    }


def slow(app, op, seconds: float = 0.5, error: Exception | None = None) -> None:
    """The first data of the home screen comes *seconds* late (a busy server), or as *error*."""
    server_call = app.client.call

    async def call(asked, *args, **kwargs):
        if asked is op:
            await asyncio.sleep(seconds)
            if error is not None:
                raise error
        return await server_call(asked, *args, **kwargs)

    app.client.call = call


async def until(pilot, condition, seconds: float = 5.0) -> bool:
    for _ in range(int(seconds / 0.05)):
        if condition():
            return True
        await pilot.pause(0.05)
    return bool(condition())


async def test_a_stage_key_behind_the_password_moves_the_deal(db, team):
    deal_id = hand_over(db, team["caller"], team["closer"])
    app = app_on(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        slow(app, pipeline.board)
        burst(app, [*"petr", "tab", *PASSWORD, "enter", "right_square_bracket"])
        assert await until(pilot, lambda: isinstance(app.screen, CloserBoard) and not app.screen.keys_wait)
        await settle(app, pilot)
    with db.read() as session:
        assert session.get(Deal, deal_id).stage_code == "meeting_set"


async def test_enter_behind_the_password_opens_the_card(db, team):
    hand_over(db, team["caller"], team["closer"])
    app = app_on(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        slow(app, pipeline.board)
        burst(app, [*"petr", "tab", *PASSWORD, "enter", "enter"])
        assert await until(pilot, lambda: isinstance(app.screen, DealCardScreen))
        await settle(app, pilot)  # the card's own load, before the app closes


@pytest.mark.usefixtures("no_rate_limits")
async def test_an_outcome_key_on_the_russian_layout_behind_the_password_is_recorded(db, team):
    company_id = add_company(db, "ООО «Альфа»")
    app = app_on(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        slow(app, queue.open_queue)
        burst(app, [*"olga", "tab", *PASSWORD, "enter", "т"])  # т is n on the Russian layout: no answer
        assert await until(pilot, lambda: isinstance(app.screen, CallerQueue) and not app.screen.keys_wait)
        await settle(app, pilot)
    with db.read() as session:
        outcomes = session.execute(
            select(Interaction.company_id, Interaction.outcome).where(Interaction.kind == "call")
        ).all()
    assert outcomes == [(company_id, "no_answer")]


async def test_a_failed_first_load_lets_the_keys_go(db, team):
    app = app_on(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        slow(app, pipeline.board, 0.2, ValidationFailed("the board is not there"))
        burst(app, [*"petr", "tab", *PASSWORD, "enter"])
        assert await until(pilot, lambda: isinstance(app.screen, CloserBoard))
        assert await until(pilot, lambda: not app.screen.keys_wait, 2.0)
        assert any("the board is not there" in str(n.message) for n in app._notifications)


async def test_help_is_never_held_behind_the_first_data(db, team):
    app = app_on(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        slow(app, pipeline.board, 60.0)  # never here while the test runs
        burst(app, [*"petr", "tab", *PASSWORD, "enter"])
        assert await until(pilot, lambda: isinstance(app.screen, CloserBoard), 20.0)
        assert app.screen.keys_wait
        burst(app, ["f1"])
        assert await until(pilot, lambda: isinstance(app.screen, HelpScreen), 1.0)


@pytest.mark.usefixtures("no_rate_limits")
async def test_keys_typed_while_an_outcome_is_saved_act_on_the_next_lead(db, team):
    # "т" then "к2дорого⏎" at once: the refusal key came while the no-answer was still being saved, did
    # nothing, and its reason and comment went nowhere.
    first, second = add_company(db, "ООО «Альфа»"), add_company(db, "ООО «Бета»")
    add_company(db, "ООО «Гамма»")
    app = app_on(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await home_screen(app, pilot, "olga", CallerQueue)
        slow(app, queue.record_and_next, 0.5)
        burst(app, ["т", "к", "2", *"дорого", "enter"])
        assert await until(pilot, lambda: len(calls(db)) == 2, 10.0)
        await settle(app, pilot)
    assert calls(db) == [(first, "no_answer"), (second, "refused")]
    with db.read() as session:
        assert session.execute(select(Refusal.comment)).scalar_one() == "дорого"


async def test_two_stage_keys_in_a_burst_move_the_deal_two_stages(db, team):
    # The second ] came while the first move was on its way and was dropped without a word.
    deal_id = hand_over(db, team["caller"], team["closer"])
    app = app_on(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await home_screen(app, pilot, "petr", CloserBoard)
        slow(app, pipeline.move_deal, 0.5)
        burst(app, ["right_square_bracket", "right_square_bracket"])
        assert await until(pilot, lambda: stage(db, deal_id) == "meeting_held", 10.0)
        await settle(app, pilot)
    assert stage(db, deal_id) == "meeting_held"


async def home_screen(app, pilot, username: str, screen_class) -> None:
    """Signed in as *username*, the home screen up with its first data."""
    await settle(app, pilot)
    burst(app, [*username, "tab", *PASSWORD, "enter"])
    assert await until(pilot, lambda: isinstance(app.screen, screen_class) and not app.screen.keys_wait)
    await settle(app, pilot)


def calls(db) -> list:
    with db.read() as session:
        return list(
            session.execute(
                select(Interaction.company_id, Interaction.outcome)
                .where(Interaction.kind == "call")
                .order_by(Interaction.id)
            ).all()
        )


def stage(db, deal_id: int) -> str:
    with db.read() as session:
        return session.get(Deal, deal_id).stage_code


@pytest.mark.usefixtures("no_rate_limits")
async def test_keys_held_for_a_server_that_stays_silent_are_dropped_together_and_said(db, team):
    # Past the gate's limit the held keys went one at a time, each after another wait: the "т" of the comment
    # "нет" came after the save and recorded "no answer" on the next lead, which nobody had called.
    first = add_company(db, "ООО «Альфа»")
    add_company(db, "ООО «Бета»")
    app = app_on(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await home_screen(app, pilot, "olga", CallerQueue)
        app.KEY_WAIT_LIMIT, app.KEY_DATA_WAIT_LIMIT = 0.3, 0.6  # the server is ten times slower than the limit
        slow(app, queue.record_and_next, 2.5)
        burst(app, ["т", "к", "2", *"нет", "enter"])
        assert await until(pilot, lambda: not app.screen.busy, 10.0)
        await pilot.pause(1.0)
        await settle(app, pilot)
        assert calls(db) == [(first, "no_answer")]
        assert any("keys typed meanwhile were not taken" in str(n.message) for n in app._notifications)
        assert not app._held_keys


@pytest.mark.usefixtures("no_rate_limits")
async def test_an_unexpected_error_while_saving_lets_the_queue_take_keys_again(db, team):
    # An error that is no KbaseError only made a toast: the queue stayed busy, and with it every key waited for good.
    add_company(db, "ООО «Альфа»")
    add_company(db, "ООО «Бета»")
    app = app_on(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await home_screen(app, pilot, "olga", CallerQueue)
        slow(app, queue.record_and_next, 0.1, RuntimeError("the wire broke"))
        burst(app, ["т"])
        message = app.screen.query_one("#queue-message")
        assert await until(pilot, lambda: "Unexpected error (RuntimeError)" in str(message.render()), 5.0)
        assert not app.screen.busy and not app.screen.keys_wait
        await settle(app, pilot)


async def test_an_unexpected_error_of_a_call_whose_refusals_are_left_unsaid_is_said(db, make_user):
    # The follow-up list's progress line leaves a refusal unsaid; an unexpected error went the same way, and a
    # program error vanished without a word on screen.
    from kbase_tui.protocol import growth
    from kbase_tui.ui.accounts.follow_up_list import FollowUpList

    make_user("account", "anna")
    app = app_on(db)
    async with app.run_test(size=(80, 24)) as pilot:
        slow(app, growth.focus_progress, 0.0, RuntimeError("the wire broke"))
        await home_screen(app, pilot, "anna", FollowUpList)
        said = lambda: [str(n.message) for n in app._notifications]  # noqa: E731
        assert await until(pilot, lambda: any("Unexpected error (RuntimeError)" in m for m in said()), 5.0), said()
