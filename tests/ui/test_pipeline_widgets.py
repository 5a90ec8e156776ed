"""The shared client-card widgets (history timeline, contacts panel, contact editor, add-note dialog)."""

from __future__ import annotations

from datetime import timedelta

from textual.app import ComposeResult

from kbase_tui.models import EPOCH, Company
from kbase_tui.services import clients
from kbase_tui.ui.base import KbaseScreen
from kbase_tui.ui.widgets.contacts import ContactsPanel
from kbase_tui.ui.widgets.history import HistoryTimeline
from kbase_tui.ui.widgets.note_dialog import AddNoteDialog

from ..conftest import PASSWORD
from ..server_harness import app_on


class CardScreen(KbaseScreen):
    def __init__(self, company_id: int) -> None:
        super().__init__()
        self.company_id = company_id

    def compose(self) -> ComposeResult:
        yield ContactsPanel(self.company_id, id="contacts")
        yield HistoryTimeline(self.company_id, id="history", page_size=10)


def _company(db, name="ООО «Ромашка» [bold red]x[/]") -> int:
    with db.write() as session:
        company = Company(name=name, city="Казань")
        session.add(company)
        session.flush()
        for n in range(25):
            clients.write_history(
                session, None, company.id, "note", text=f"entry {n}", at=EPOCH + timedelta(days=20000 + n)
            )
        return company.id


async def _settle(app, pilot):
    await app.workers.wait_for_complete()
    await pilot.pause()


async def test_history_pages_and_contacts_can_be_added(db, db_url, make_user):
    boss = make_user("supervisor")
    company_id = _company(db)
    app = app_on(db)
    async with app.run_test(size=(120, 36)) as pilot:
        app.resumed(await app.client.sign_in(boss.username, PASSWORD))
        await app.push_screen(CardScreen(company_id))
        await _settle(app, pilot)
        timeline = app.screen.query_one(HistoryTimeline)
        assert len(timeline.loaded_ids) == 10  # one page only
        timeline.focus()
        timeline.highlighted = timeline.option_count - 1  # "older entries" row: loads the next page
        await _settle(app, pilot)
        assert len(timeline.loaded_ids) == 20
        timeline.action_load_more()
        await _settle(app, pilot)
        ids = timeline.loaded_ids
        assert len(ids) == 25 and ids == sorted(ids, reverse=True)

        panel = app.screen.query_one(ContactsPanel)
        panel.focus()
        await pilot.press("a")
        await pilot.pause()
        for ch in "Иван Петров":
            await pilot.press(ch if ch != " " else "space")
        app.screen.query_one("#contact-phones").value = "8 (495) 123-45-67"
        app.screen.query_one("#contact-birthday").value = "07.03.1980"
        await pilot.press("ctrl+s")
        await _settle(app, pilot)
        assert [c.full_name for c in panel.contacts] == ["Иван Петров"]
        assert panel.contacts[0].phones == ("+74951234567",)
        assert panel.contacts[0].birthday.isoformat() == "1980-03-07"


async def test_contact_editor_shows_the_other_change_when_stale(db, db_url, make_user):
    boss = make_user("supervisor")
    company_id = _company(db)
    contact = clients.add_contact(db, boss, company_id, clients.ContactForm(full_name="Анна"))
    app = app_on(db)
    async with app.run_test(size=(120, 36)) as pilot:
        app.resumed(await app.client.sign_in(boss.username, PASSWORD))
        await app.push_screen(CardScreen(company_id))
        await _settle(app, pilot)
        panel = app.screen.query_one(ContactsPanel)
        panel.show([contact])
        panel.focus()
        await pilot.press("e")
        await pilot.pause()
        # Someone else saves first.
        clients.update_contact(db, boss, contact.id, contact.version, clients.ContactForm(full_name="Анна Сидорова"))
        app.screen.query_one("#contact-position").value = "директор"
        await pilot.press("ctrl+s")
        await _settle(app, pilot)
        other = str(app.screen.query_one("#contact-other").render())
        assert "Анна Сидорова" in other
        await pilot.press("ctrl+s")  # save over theirs, knowingly
        await _settle(app, pilot)
        assert panel.contacts[0].position == "директор"


async def test_add_note_dialog_writes_a_meeting_with_its_result(db, db_url, make_user):
    boss = make_user("supervisor")
    company_id = _company(db)
    app = app_on(db)
    results = []
    async with app.run_test(size=(120, 36)) as pilot:
        app.resumed(await app.client.sign_in(boss.username, PASSWORD))
        await app.push_screen(CardScreen(company_id))
        await _settle(app, pilot)
        app.push_screen(AddNoteDialog(company_id), results.append)
        await pilot.pause()
        await pilot.press("alt+3")
        for ch in "demo":
            await pilot.press(ch)
        app.screen.query_one("#note-result").value = "[b]agreed[/b]"
        await pilot.press("ctrl+s")
        await _settle(app, pilot)
    assert results and results[0].kind == "meeting"
    newest = clients.history(db, boss, company_id, limit=1)[0]
    assert newest.kind == "meeting" and newest.text == "demo\nResult: [b]agreed[/b]"


async def test_history_shows_outcome_and_stage_codes_as_words(db, db_url, make_user):
    boss = make_user("supervisor")
    with db.write() as session:
        company = Company(name="ООО «Слова»", city="Казань")
        session.add(company)
        session.flush()
        company_id = company.id
        for n, (kind, outcome) in enumerate(
            (("call", "interested"), ("handover", "to_closer"), ("stage", "meeting_set"), ("note", "no_such_code"))
        ):
            clients.write_history(
                session,
                None,
                company_id,
                kind,
                outcome=outcome,
                text=f"entry {n}",
                at=EPOCH + timedelta(days=20000 + n),
            )
    app = app_on(db)
    async with app.run_test(size=(120, 36)) as pilot:
        app.resumed(await app.client.sign_in(boss.username, PASSWORD))
        await app.push_screen(CardScreen(company_id))
        await _settle(app, pilot)
        await _settle(app, pilot)
        timeline = app.screen.query_one(HistoryTimeline)
        shown = [str(timeline.get_option_at_index(i).prompt) for i in range(timeline.option_count)]
        text = "\n".join(shown)
        for word in ("Interested", "handed to a closer", "First meeting agreed", "no_such_code"):
            assert word in text, text
        assert "[interested]" not in text and "meeting_set" not in text
        timeline.set_outcome_labels({"no_such_code": "My own word"})  # a screen's own labels win
        await pilot.pause()
        assert "My own word" in str(timeline.get_option_at_index(0).prompt)


async def test_every_history_entry_shows_all_its_lines_once_the_list_scrolls(db, make_user):
    """Entries as wide as the list: when the scrollbar comes, nothing of an entry is cut off.  Their lines
    were counted at the width the list had before its scrollbar, and an entry that then wrapped lost its last
    line (a hand-over without the name it was handed to)."""
    boss = make_user("supervisor")
    with db.write() as session:
        company = Company(name="ООО «Ромашка»", city="Казань")
        session.add(company)
        session.flush()
        company_id = company.id
    app = app_on(db)
    async with app.run_test(size=(80, 24)) as pilot:
        app.resumed(await app.client.sign_in(boss.username, PASSWORD))
        await app.push_screen(CardScreen(company_id))
        await _settle(app, pilot)
        timeline = app.screen.query_one(HistoryTimeline)
        padding = timeline.get_component_styles("option-list--option").padding.width
        room = timeline.scrollable_content_region.width - timeline._get_left_gutter_width() - padding
        with db.write() as session:
            for n in range(12):  # a text line exactly as wide as the entry's room while nothing scrolls
                text = f"{n:02d} " + "ж" * (room - 2 - 3)
                clients.write_history(session, None, company_id, "note", text=text, at=EPOCH + timedelta(days=n))
        timeline.reload()
        await _settle(app, pilot)
        await pilot.pause()
        assert timeline.max_scroll_y > 0  # it scrolls
        width = timeline.scrollable_content_region.width - timeline._get_left_gutter_width() - padding
        for index, option in enumerate(timeline.options):
            lines = timeline._get_visual(option).get_height(timeline.styles, width)
            assert timeline._heights[index] == lines, (index, timeline._heights[index], lines)


async def test_history_gets_its_words_when_the_first_ask_for_them_is_refused(db, make_user):
    """The server slowed the reader down when the card asked for the words of the history's codes: the
    timeline asks again after the wait, and the entries show words, not "to_closer"."""
    from kbase_tui.protocol.errors import SlowDown

    boss = make_user("supervisor")
    with db.write() as session:
        company = Company(name="ООО «Ромашка»", city="Казань")
        session.add(company)
        session.flush()
        company_id = company.id
        clients.write_history(session, None, company_id, "handover", outcome="to_closer", text="Пётр Сделкин")
    app = app_on(db)
    async with app.run_test(size=(120, 36)) as pilot:
        app.resumed(await app.client.sign_in(boss.username, PASSWORD))
        import asyncio

        server_call, refused, asked_again = app.client.call, [], asyncio.Event()
        let_through = asyncio.Event()

        async def call(op, *args, **kwargs):
            if op.name == "history_labels.outcome_labels":
                if not refused:
                    refused.append(op.name)
                    raise SlowDown(1)
                asked_again.set()
                await let_through.wait()  # held until the test has seen the codes
            return await server_call(op, *args, **kwargs)

        app.client.call = call
        await app.push_screen(CardScreen(company_id))
        await _settle(app, pilot)
        timeline = app.screen.query_one(HistoryTimeline)
        assert refused and "to_closer" in str(timeline.get_option_at_index(0).prompt)
        await asyncio.wait_for(asked_again.wait(), 30)  # asked again after the server's wait
        let_through.set()
        await _settle(app, pilot)
        shown = str(timeline.get_option_at_index(0).prompt)
        assert "to_closer" not in shown and "handed to a closer" in shown


async def test_the_contacts_fit_80_columns_and_a_wide_panel_shows_every_column(db, db_url, make_user):
    """At 80 columns the six columns took about 110: the e-mail ran off the right edge, to be reached only by
    scrolling sideways.  Now the position goes under the name and the e-mail under the phones; a wide panel
    keeps a column each, and a resize lays the table out again."""
    from datetime import date

    from kbase_tui.i18n import set_language

    from ..conftest import svg_screen_text

    boss = make_user("supervisor")
    company_id = _company(db, name="ООО «Уральские трубы»")
    email = "закупки.снабжение@трубы-урал.рф"
    clients.add_contact(
        db,
        boss,
        company_id,
        clients.ContactForm(
            full_name="Светлана Игоревна Колокольцева",
            position="Начальник отдела снабжения",
            is_decision_maker=True,
            phones=["8 (343) 212-85-06", "+7 912 600-40-40"],
            email=email,
            birthday=date(1979, 11, 4),
        ),
    )
    set_language("ru")
    try:
        app = app_on(db)
        async with app.run_test(size=(80, 24)) as pilot:
            app.resumed(await app.client.sign_in(boss.username, PASSWORD))
            await app.push_screen(CardScreen(company_id))
            await _settle(app, pilot)
            panel = app.screen.query_one(ContactsPanel)
            panel.reload()
            await _settle(app, pilot)
            assert panel.virtual_size.width <= panel.scrollable_content_region.width  # no sideways scrolling
            screen = "\n".join(svg_screen_text(app.export_screenshot()))
            assert email in screen
            assert "Начальник отдела снабжения" in screen and "+7 343 212-85-06" in screen
            assert "04.11.1979" in screen and "Телефоны, почта" in screen and "Имя, должность" in screen

            await pilot.resize_terminal(200, 50)
            await _settle(app, pilot)
            assert [str(c.label) for c in panel.ordered_columns] == [
                "Имя",
                "Телефоны",
                "ЛПР",
                "Должность",
                "Эл. почта",
                "День рождения",
            ]
            screen = "\n".join(svg_screen_text(app.export_screenshot()))
            assert email in screen and "Начальник отдела снабжения" in screen

            await pilot.resize_terminal(80, 24)
            await _settle(app, pilot)
            assert "Эл. почта" not in [str(c.label) for c in panel.ordered_columns]
            assert panel.virtual_size.width <= panel.scrollable_content_region.width
    finally:
        set_language("en")


async def test_the_note_kinds_say_their_real_keys_and_a_digit_on_them_chooses(db, db_url, make_user):
    # The labels read "1 note  2 call  3 meeting" while the keys were Alt+1/2/3, and a 1-3 typed in the text is text.
    from textual.widgets import RadioButton, RadioSet, TextArea

    boss = make_user("supervisor")
    company_id = _company(db)
    app = app_on(db)
    results = []
    async with app.run_test(size=(80, 24)) as pilot:
        app.resumed(await app.client.sign_in(boss.username, PASSWORD))
        await app.push_screen(CardScreen(company_id))
        await _settle(app, pilot)
        app.push_screen(AddNoteDialog(company_id), results.append)
        await _settle(app, pilot)
        dialog = app.screen
        labels = [str(button.label) for button in dialog.query(RadioButton)]
        assert [label.split(" ", 1)[0] for label in labels] == ["Alt+1", "Alt+2", "Alt+3"]
        await pilot.press(*"2 раза")  # in the text: text, the kind unchanged
        assert dialog.query_one(TextArea).text == "2 раза"
        assert dialog.query_one(RadioSet).pressed_index == 0
        dialog.query_one(RadioSet).focus()
        await pilot.pause()
        await pilot.press("2")  # on the kinds: the call
        assert dialog.query_one(RadioSet).pressed_index == 1
        await pilot.press("ctrl+s")
        await _settle(app, pilot)
    assert results and results[0].kind == "call"
