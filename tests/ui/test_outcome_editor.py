"""The supervisor adds a call outcome and a refusal reason from the desk: no code change."""

from __future__ import annotations

from kbase_tui.services import reference, settings
from kbase_tui.ui.queue.outcome_editor import OutcomesEditor, ReasonsEditor

from ..conftest import PASSWORD
from ..server_harness import app_on
from .helpers import settle


async def _sign_in(app, pilot, username):
    await settle(app, pilot)
    app.screen.query_one("#username").value = username
    app.screen.query_one("#password").value = PASSWORD
    app.screen.query_one("#password").focus()
    await pilot.press("enter")
    await settle(app, pilot)


async def _type_into(app, pilot, selector, text):
    widget = app.screen.query_one(selector)
    widget.focus()
    widget.value = ""
    await pilot.press(*text)


async def test_supervisor_adds_an_outcome_and_a_reason(db, make_user):
    make_user("supervisor", "roman")
    app = app_on(db)
    async with app.run_test(size=(120, 40)) as pilot:
        await _sign_in(app, pilot, "roman")
        await pilot.press("c")
        await settle(app, pilot)
        assert isinstance(app.screen, OutcomesEditor)
        await pilot.press("ctrl+n")
        await _type_into(app, pilot, "#outcome-code", "secretary")
        await _type_into(app, pilot, "#outcome-key", "s")
        await _type_into(app, pilot, "#outcome-label-ru", "Секретарь не соединил")
        await _type_into(app, pilot, "#outcome-label-en", "Secretary blocked")
        app.screen.query("#outcome-action RadioButton")[0].value = True  # retry later
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert "Saved" in str(app.screen.query_one("#outcome-message").render())

        await pilot.press("ctrl+r")
        await settle(app, pilot)
        assert isinstance(app.screen, ReasonsEditor)
        await pilot.press("ctrl+n")
        await _type_into(app, pilot, "#reason-code", "merger")
        await _type_into(app, pilot, "#reason-label-ru", "Слияние компаний")
        await _type_into(app, pilot, "#reason-label-en", "Company merger")
        await pilot.press("ctrl+s")
        await settle(app, pilot)

    with db.read() as session:
        added = {o.code: o for o in reference.outcomes(session)}["secretary"]
        reasons = [r.code for r in reference.reasons(session, "refusal")]
    assert added.key == "s" and added.is_retry and not added.is_refusal
    assert "merger" in reasons


async def test_a_key_used_by_the_queue_screen_is_refused_with_a_message(db, make_user):
    make_user("supervisor", "roman")
    app = app_on(db)
    async with app.run_test(size=(120, 40)) as pilot:
        await _sign_in(app, pilot, "roman")
        await pilot.press("c")
        await settle(app, pilot)
        await pilot.press("ctrl+n")
        await _type_into(app, pilot, "#outcome-code", "dup")
        await _type_into(app, pilot, "#outcome-key", "n")  # taken by "no answer"
        await _type_into(app, pilot, "#outcome-label-ru", "Дубль")
        await _type_into(app, pilot, "#outcome-label-en", "Duplicate")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert "taken" in str(app.screen.query_one("#outcome-message").render())


def test_only_the_supervisor_may_configure_outcomes(db, make_user):
    import pytest

    from kbase_tui.services.errors import AccessDenied

    for role in ("caller", "closer", "account", "admin"):
        actor = make_user(role)
        with pytest.raises(AccessDenied):
            settings.all_outcomes(db, actor)
        with pytest.raises(AccessDenied):
            settings.all_reasons(db, actor, "refusal")


async def test_the_editors_show_labels_in_the_language_of_the_screen(db, make_user):
    """A Russian screen lists the shipped outcomes and reasons in Russian, and the supervisor's own outcome by
    the Russian label they entered; an English screen lists the English ones."""
    from textual.widgets import OptionList

    from kbase_tui.i18n import set_language
    from kbase_tui.protocol.queue import OutcomeForm

    boss = make_user("supervisor", "roman")
    settings.save_outcome(
        db,
        boss,
        OutcomeForm(code="secretary", label_ru="Секретарь не соединил", label_en="Secretary blocked", key="s"),
    )

    def lines(app, selector):
        box = app.screen.query_one(selector, OptionList)
        return [str(box.get_option_at_index(i).prompt) for i in range(box.option_count)]

    for language, outcome, own, reason, retry, note in (
        (
            "ru",
            "Не отвечает",
            "Секретарь не соединил",
            "Нет потребности",
            "Повторить позже (не отвечает, занято)",
            "Ничего больше: запись в истории",
        ),
        ("en", "No answer", "Secretary blocked", "No need", "Retry later (no answer, busy)", "Nothing else: a note"),
    ):
        set_language(language)
        try:
            app = app_on(db)
            async with app.run_test(size=(120, 40)) as pilot:
                await _sign_in(app, pilot, "roman")
                await pilot.press("c")
                await settle(app, pilot)
                shown = lines(app, "#outcomes-list")
                # In words: the key, the label and what it does; the codes only in the form's field named as such.
                assert f"[n] {outcome} · {retry}" in shown, shown
                assert any(line.startswith(f"[s] {own} · {note}") for line in shown), shown
                assert not any("no_answer" in line or "secretary" in line for line in shown), shown
                await pilot.press("ctrl+r")
                await settle(app, pilot)
                shown = lines(app, "#reasons-list")
                assert reason in shown and not any("no_need" in line for line in shown), shown
        finally:
            set_language("en")
