"""A specialist sees a client's card while the task that brought them in is open, nothing else, and loses
it when the task closes.  These tests try to get around that rule; on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from kbase_tui.models import Company, Stage
from kbase_tui.services import accounts, client_growth, clients, specialists
from kbase_tui.services.errors import AccessDenied, ValidationFailed
from kbase_tui.services.policy import company_visibility, require_company

from .account_setup import account_company

TODAY = date(2026, 5, 15)


@pytest.fixture
def setup(db, make_user):
    km = make_user("account", "km")
    km2 = make_user("account", "km2")
    tech = make_user("specialist", "tech", full_name="Игорь Технолог")
    other = make_user("specialist", "tech2")
    mine = account_company(db, km, "ООО Своя")
    theirs = account_company(db, km2, "ООО Чужая")
    return {"km": km, "km2": km2, "tech": tech, "other": other, "mine": mine, "theirs": theirs}


def _bring(db, s, company=None, who=None):
    return specialists.bring_in(
        db, s["km"], company or s["mine"], (who or s["tech"]).id, "Подобрать оборудование", TODAY, today=TODAY
    )


def test_a_specialist_sees_nothing_until_brought_in(db, setup):
    tech = setup["tech"]
    assert specialists.my_assignments(db, tech) == []
    with pytest.raises(AccessDenied):
        specialists.card(db, tech, setup["mine"])
    with pytest.raises(AccessDenied):
        specialists.history(db, tech, setup["mine"])
    with pytest.raises(AccessDenied):
        specialists.card(db, tech, 999_999)  # an id that does not exist says the same


def test_brought_in_the_specialist_sees_that_card_and_nothing_else(db, setup):
    tech = setup["tech"]
    task = _bring(db, setup)
    assert [t.id for t in specialists.my_assignments(db, tech)] == [task.id]
    card = specialists.card(db, tech, setup["mine"])
    assert (card.company.name, card.account_manager, [t.id for t in card.tasks]) == ("ООО Своя", "km", [task.id])
    assert any("Игорь Технолог" in h.text for h in specialists.history(db, tech, setup["mine"]))
    # not the other client, not another specialist, not through any other service
    with pytest.raises(AccessDenied):
        specialists.card(db, tech, setup["theirs"])
    with pytest.raises(AccessDenied):
        specialists.card(db, setup["other"], setup["mine"])
    for call in (
        lambda: clients.open_card(db, tech, setup["mine"]),
        lambda: clients.history(db, tech, setup["mine"]),
        lambda: clients.add_note(db, tech, setup["mine"], "note", "заметка"),
        lambda: accounts.account_card(db, tech, setup["mine"]),
        lambda: accounts.list_orders(db, tech, setup["mine"]),
        lambda: accounts.follow_up_list(db, tech),
        lambda: accounts.my_tasks(db, tech),
        lambda: client_growth.client_growth(db, tech, setup["mine"]),
        lambda: client_growth.portfolio_gaps(db, tech),
        lambda: specialists.people(db, tech),
        lambda: specialists.bring_in(db, tech, setup["mine"], tech.id, "сам себя", TODAY, today=TODAY),
    ):
        with pytest.raises(AccessDenied):
            call()
    with db.read() as session:
        with pytest.raises(AccessDenied):
            require_company(session, tech, setup["mine"])
        # No list reaches them either: the visibility clause selects nothing
        assert session.query(Company).filter(company_visibility(tech)).count() == 0


def test_closing_the_task_takes_the_card_away(db, setup):
    tech = setup["tech"]
    first = _bring(db, setup)
    second = specialists.bring_in(
        db, setup["km"], setup["mine"], tech.id, "Выезд", TODAY + timedelta(days=2), today=TODAY
    )
    specialists.close(db, tech, first.id, "Оборудование подобрано")
    specialists.card(db, tech, setup["mine"])  # the second task still holds the door open
    specialists.close(db, setup["km"], second.id, "")  # the account manager may close it too
    assert specialists.my_assignments(db, tech) == []
    with pytest.raises(AccessDenied):
        specialists.card(db, tech, setup["mine"])
    with pytest.raises(AccessDenied):
        specialists.history(db, tech, setup["mine"])
    texts = [h.text for h in clients.history(db, setup["km"], setup["mine"])]
    assert any("Оборудование подобрано" in t for t in texts)


def test_the_card_goes_when_the_client_leaves_the_account_managers(db, setup):
    tech = setup["tech"]
    _bring(db, setup)
    with db.write() as session:
        session.get(Company, setup["mine"]).stage = Stage.PIPELINE
    with pytest.raises(AccessDenied):
        specialists.card(db, tech, setup["mine"])
    assert specialists.my_assignments(db, tech) == []


def test_only_the_clients_own_manager_brings_a_specialist_in_or_closes_the_task(db, setup):
    with pytest.raises(AccessDenied):
        _bring(db, setup, company=setup["theirs"])
    with pytest.raises(ValidationFailed):
        _bring(db, setup, who=setup["km2"])  # not a specialist
    task = _bring(db, setup)
    with pytest.raises(AccessDenied):
        specialists.close(db, setup["km2"], task.id)
    with pytest.raises(AccessDenied):
        specialists.close(db, setup["other"], task.id)  # another specialist
    with pytest.raises(ValidationFailed):
        specialists.bring_in(
            db, setup["km"], setup["mine"], setup["tech"].id, "x", TODAY - timedelta(days=1), today=TODAY
        )
    assert [t.id for t in specialists.open_tasks(db, setup["km"], setup["mine"])] == [task.id]


def test_a_disabled_specialist_loses_the_card(db, setup):
    from kbase_tui.services import users

    _bring(db, setup)
    users.disable_user(db, users.local_actor(), "tech")
    with pytest.raises(AccessDenied):
        specialists.card(db, setup["tech"], setup["mine"])
