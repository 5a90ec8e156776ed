"""The head of sales' possible duplicates in a real app, by key presses: scan the base, open either card,
mark a pair not a duplicate, merge another."""

from __future__ import annotations

from sqlalchemy import select

from kbase_tui.models import Company, DuplicatePair, Phone

from ..conftest import PASSWORD
from ..server_harness import app_on
from ..services.supervisor_data import add_company
from .helpers import settle, sign_in


def company(db, name: str, *phones: str, **fields) -> int:
    company_id = add_company(db, name, stage="cold", **fields)
    with db.write() as session:
        for number in phones:
            session.add(Phone(company_id=company_id, number=number))
    return company_id


def names(screen) -> list[tuple[str, str, str]]:
    table = screen.query_one("#dup-table")
    return [tuple(table.get_row_at(r)[i].plain for i in (0, 1, 3)) for r in range(table.row_count)]


async def test_scan_open_both_cards_keep_one_pair_apart_and_merge_the_other(db, make_user):
    make_user("supervisor", "boss")
    sokolov = company(db, "ИП Соколов", "+78002004545", city="Вологда")
    steel = company(db, "ПАО «Северсталь»", "+78002004545", city="Череповец")
    rose = company(db, "ООО «Ромашка»", "+74951112233", city="Москва")
    rose_too = company(db, "Ромашка ООО", city="Москва")
    app = app_on(db)
    async with app.run_test(size=(120, 36)) as pilot:
        await sign_in(app, pilot, "boss", PASSWORD)
        await pilot.press("d")
        await settle(app, pilot)
        from kbase_tui.ui.supervisor.duplicates import DuplicatesScreen

        screen = app.screen
        assert isinstance(screen, DuplicatesScreen)
        assert names(screen) == []
        assert "No possible duplicates" in str(screen.query_one("#base-status").render())
        await pilot.press("s")
        await settle(app, pilot)
        assert names(screen) == [
            ("+7 800 200-45-45", "ИП Соколов", "ПАО «Северсталь»"),
            ("same name", "ООО «Ромашка»", "Ромашка ООО"),
        ]
        # Either card, then back to the list.
        from kbase_tui.ui.supervisor.company_card import SupervisorCardScreen

        for key, wanted in (("enter", sokolov), ("2", steel)):
            await pilot.press(key)
            await settle(app, pilot)
            assert isinstance(app.screen, SupervisorCardScreen) and app.screen.card.company.id == wanted
            await pilot.press("escape")
            await settle(app, pilot)
            assert app.screen is screen
        # The toll-free number: two clients. Asked first; n at the question keeps the pair.
        await pilot.press("n")
        await settle(app, pilot)
        await pilot.press("n")
        await settle(app, pilot)
        assert len(names(screen)) == 2
        await pilot.press("n")
        await settle(app, pilot)
        await pilot.press("y")
        await settle(app, pilot)
        assert names(screen) == [("same name", "ООО «Ромашка»", "Ромашка ООО")]
        # The same name in the same city: one client. m, then Enter at the question.
        await pilot.press("m")
        await settle(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        assert names(screen) == []
        await pilot.press("escape")
        await settle(app, pilot)
        from kbase_tui.ui.supervisor.desk import SupervisorDesk

        assert isinstance(app.screen, SupervisorDesk)
    with db.read() as session:
        assert session.get(Company, rose_too).merged_into_id == rose
        dismissed = session.execute(select(DuplicatePair).where(DuplicatePair.dismissed_at.is_not(None))).scalars()
        assert [(p.company_id, p.other_id) for p in dismissed] == [(sokolov, steel)]
