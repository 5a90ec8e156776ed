"""Text typed into a note survives a lost session and is offered back at the next sign-in."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from kbase_tui.models import Draft, Interaction
from kbase_tui.ui.drafts_dialog import LeftoverDraftsDialog
from kbase_tui.ui.widgets.note_dialog import AddNoteDialog

from ..conftest import PASSWORD
from ..server_harness import app_on
from ..services.pipeline_setup import company_of, hand_over
from .helpers import settle


async def _sign_in(app, pilot, username):
    await settle(app, pilot)
    app.screen.query_one("#username").value = username
    app.screen.query_one("#password").value = PASSWORD
    app.screen.query_one("#password").focus()
    await pilot.press("enter")
    await settle(app, pilot)


async def test_typed_note_is_kept_as_a_draft_and_offered_back_after_sign_in(db, make_user):
    caller = make_user("caller", "olga")
    closer = make_user("closer", "petr", full_name="Пётр Сделкин")
    deal_id = hand_over(db, caller, closer, "ООО «Черновик»")

    # Session one: the closer starts a note and the connection drops before saving.
    app = app_on(db)
    async with app.run_test(size=(120, 36)) as pilot:
        await _sign_in(app, pilot, "petr")
        await pilot.press("n")
        await settle(app, pilot)
        assert isinstance(app.screen, AddNoteDialog)
        await pilot.press(*"Клиент просит КП до пятницы")
        await asyncio.sleep(AddNoteDialog.DRAFT_DELAY + 0.3)
        await settle(app, pilot)
    with db.read() as session:
        texts = session.execute(select(Draft.text)).scalars().all()
    assert texts == ["Клиент просит КП до пятницы"]

    # Session two: the draft is offered right after sign-in; s saves it as a note.
    app = app_on(db)
    async with app.run_test(size=(120, 36)) as pilot:
        await _sign_in(app, pilot, "petr")
        await settle(app, pilot)
        assert isinstance(app.screen, LeftoverDraftsDialog)
        assert "ООО «Черновик»" in str(app.screen.query_one("#draft-where").render())
        await pilot.press("s")
        await settle(app, pilot)
        assert not isinstance(app.screen, LeftoverDraftsDialog)
    company_id = company_of(db, deal_id)
    with db.read() as session:
        notes = (
            session.execute(
                select(Interaction.text).where(Interaction.company_id == company_id, Interaction.kind == "note")
            )
            .scalars()
            .all()
        )
        assert "Клиент просит КП до пятницы" in notes
        assert session.execute(select(Draft)).first() is None


async def test_a_saved_note_leaves_no_draft_and_reopening_restores_an_unsaved_one(db, make_user):
    caller = make_user("caller", "olga")
    make_user("closer", "petr")
    closer = make_user("closer", "ivan")
    hand_over(db, caller, closer, "ООО «Ромашка»")
    app = app_on(db)
    async with app.run_test(size=(120, 36)) as pilot:
        await _sign_in(app, pilot, "ivan")
        await pilot.press("n")
        await settle(app, pilot)
        await pilot.press(*"Позвонить завтра")
        await asyncio.sleep(AddNoteDialog.DRAFT_DELAY + 0.3)
        await settle(app, pilot)
        # The dialog is closed by something else (not Esc): the draft stays and comes back.
        app.pop_screen()
        await pilot.press("n")
        await settle(app, pilot)
        assert app.screen.query_one("#note-text").text == "Позвонить завтра"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
    with db.read() as session:
        assert session.execute(select(Draft)).first() is None
