"""Every kind of entry the program writes in a client's history reads, for a stranger, in the reader's language:
amounts and dates formatted for the reader, no code, no raw figure, and no word said twice in a row between
the entry's header (its kind and outcome, ui/widgets/history.py) and its text.

One run of the business writes each kind through its own service, in English; the histories are then read in
Russian and in English.  The test also fails when a kind of entry the renderer knows was not written by any
service here (a renderer nobody tests), and when a service writes an entry without its facts (params) outside
the few whose text a person typed.
"""

from __future__ import annotations

import ast
import itertools
import json
import re
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select, update

from kbase_tui.i18n import set_language
from kbase_tui.models import Company, DuplicatePair, Interaction, Refusal
from kbase_tui.protocol.clients import ContactForm
from kbase_tui.protocol.companies import CompanyFix
from kbase_tui.protocol.pipeline import DealForm
from kbase_tui.services import (
    accounts,
    base_search,
    clients,
    company_merge,
    duplicates,
    history_labels,
    pipeline,
    playbook,
    queue,
    reference,
    refusals,
    specialists,
    transfer,
)
from kbase_tui.timezones import business_today
from kbase_tui.ui.widgets.history import entry_text

from .account_setup import account_company, order
from .pipeline_setup import company_of, hand_over
from .queue_setup import add_company

TODAY = business_today()
SRC = Path(__file__).resolve().parents[2] / "src" / "kbase_tui" / "services"
# Entries whose text a person typed: shown as typed, no facts to put in words.
TYPED = {("clients.py", "add_note"), ("pipeline.py", "add_deal_note"), ("pipeline.py", "comment_deal")}


def _claim(db, caller, company_id):
    assert queue.claim_next_lead(db, caller).company_id == company_id


def _refused(db, caller, name):
    company_id = add_company(db, name, rank=1)
    _claim(db, caller, company_id)
    queue.record_outcome(db, caller, company_id, "refused", reason_code="no_need", comment="дорого")
    with db.read() as session:
        return company_id, session.execute(select(Refusal.id).where(Refusal.company_id == company_id)).scalar_one()


@pytest.fixture
def business(db, make_user, tmp_path):
    """Each kind of entry written once or more by the services, as English-speaking people work."""
    set_language("en")
    caller = make_user("caller", "olga", full_name="Ольга Звонова")
    closer = make_user("closer", "petr", full_name="Пётр Сделкин")
    closer2 = make_user("closer", "ivan", full_name="Иван Второй")
    leaver = make_user("closer", "leaver", full_name="Уходящий Закрыватель")
    km = make_user("account", "km", full_name="Мария Фермерова")
    km2 = make_user("account", "km2", full_name="Нина Клиентова")
    boss = make_user("supervisor", "roman", full_name="Роман Руководов")
    tech = make_user("specialist", "tech", full_name="Никита Техников")
    with db.write() as session:
        reference.set_setting(session, "security.leads_per_minute", 0)
    companies = []

    # A deal from the cold call to the contract, then the account's life: lost and back.
    deal = hand_over(db, caller, closer, "ООО «Ромашка»")
    company = company_of(db, deal)
    companies.append(company)
    pipeline.move_deal(db, closer, deal, 1)
    version = pipeline.deal_card(db, closer, deal).deal.version
    form = DealForm(next_step_due=TODAY + timedelta(days=5), expected_amount=Decimal("1250000.50"))
    pipeline.update_deal(db, closer, deal, version, form)
    pipeline.win_deal(db, closer, deal, TODAY, Decimal("250000.50"), account_manager_id=km.id)
    bought = accounts.record_order(
        db, km, company, TODAY, Decimal("98765.40"), "Крепёж, 10 упаковок", margin=Decimal("12000.00"), today=TODAY
    )
    accounts.record_quality_check(db, km, bought.quality_task_id, 4, "Всё понравилось")
    accounts.record_follow_up(
        db,
        km,
        company,
        "purchase_planned",
        "Говорили с закупщиком",
        next_purchase_at=TODAY + timedelta(days=30),
        next_follow_up_at=TODAY + timedelta(days=7),
        today=TODAY,
    )
    accounts.update_requirements(db, km, company, "Поставка по понедельникам")
    accounts.set_potential(db, km, company, 80)
    contact = clients.add_contact(db, km, company, ContactForm(full_name="Анна Петрова", phones=["+7 495 111-22-33"]))
    clients.update_contact(
        db,
        km,
        contact.id,
        contact.version,
        ContactForm(
            full_name="Анна Петрова",
            position="Директор",
            is_decision_maker=True,
            phones=["+7 495 111-22-33", "+7 912 000-11-22"],
            birthday=date(1980, 3, 7),
        ),
    )
    task = specialists.bring_in(db, km, company, tech.id, "Осмотреть склад", TODAY, today=TODAY)
    specialists.close(db, km, task.id, "Склад осмотрен")
    with db.write() as session:
        session.execute(update(Company).where(Company.id == company).values(abcde_class="A"))
    playbook.assign_second(db, boss, company, km2.id)
    playbook.remove_second(db, boss, company)
    accounts.reassign_account(db, boss, company, km2.id, "Мария в отпуске")
    accounts.mark_lost(db, km2, company, "debts", "Просрочка платежей")
    step = playbook.add_return_step(db, boss, company, km2.id, "Позвонить директору", TODAY + timedelta(days=3))
    playbook.finish_return_step(db, km2, step.id, "Договорились о встрече")
    accounts.record_order(db, km2, company, TODAY, Decimal("5000"), today=TODAY)

    # An account silent for long: moved to lost by the check.
    silent = account_company(db, km, "ООО «Тишина»")
    companies.append(silent)
    order(db, km, silent, TODAY - timedelta(days=400), Decimal("1000"), today=TODAY - timedelta(days=400))
    accounts.check_lost(db, boss, today=TODAY)

    # A deal given to another closer, lost, and sent back from the lost list.
    deal = hand_over(db, caller, closer, "ООО «Берёза»")
    companies.append(company_of(db, deal))
    pipeline.reassign_deal(db, boss, deal, closer2.id, "Пётр в отпуске")
    pipeline.lose_deal(db, closer2, deal, "price", "Дороже конкурента на 8%")
    pipeline.return_lost_deal(db, boss, deal, closer.id, "Новые цены")

    deal = hand_over(db, caller, leaver, "ООО «Наследство»")
    companies.append(company_of(db, deal))

    # Cold calls (each the only lead in the queue when taken): refusals, a callback, an unreachable company;
    # then the head of sales' decisions on the refusals.
    decisions = []
    for name, decision, extra in (
        ("ООО «Отказ-1»", "special_offer", {"offer_text": "Скидка 10%", "offer_user_id": caller.id}),
        ("ООО «Отказ-2»", "shelve", {"shelve_until": TODAY + timedelta(days=40)}),
        ("ООО «Отказ-3»", "do_not_call", {}),
    ):
        refused, refusal = _refused(db, caller, name)
        companies.append(refused)
        decisions.append((refusal, decision, extra))
    called = add_company(db, "ООО «Перезвон»", rank=1)
    companies.append(called)
    _claim(db, caller, called)
    tomorrow = datetime.combine(TODAY + timedelta(days=1), time(12, 0), tzinfo=UTC)
    queue.record_outcome(db, caller, called, "callback", callback_at=tomorrow, comment="Просили после обеда")
    with db.read() as session:
        attempts = int(reference.get_setting(session, "queue.max_attempts"))
    tried = add_company(db, "ООО «Молчун»", rank=1, attempts=attempts)
    companies.append(tried)
    _claim(db, caller, tried)
    queue.record_outcome(db, caller, tried, "no_answer")
    for refusal, decision, extra in decisions:
        refusals.decide(db, boss, [refusal], decision, **extra)

    # The head of sales on cold companies: data corrected, back to the queue, shelved, never called, given.
    for name, act in (
        ("ООО «Вектор»", "fix"),
        ("ООО «Возврат»", "queue"),
        ("ООО «Полка»", "shelve"),
        ("ООО «Никогда»", "dnc"),
        ("ООО «Подарок»", "assign"),
    ):
        # A lead is given to a caller as a callback: only a company in the queue can be.
        cold = add_company(
            db, name, city="Омск", **({} if act == "assign" else {"in_queue": False, "unreachable": True})
        )
        companies.append(cold)
        version = base_search.card(db, boss, cold).company.version
        if act == "fix":
            fix = CompanyFix(name=name, inn="5902123456", city="Пермь", phones=["8 342 212 00 00", "8 342 212 00 01"])
            base_search.fix_data(db, boss, cold, version, fix)
        elif act == "queue":
            base_search.return_to_queue(db, boss, cold, version)
        elif act == "shelve":
            base_search.shelve(db, boss, cold, version, TODAY + timedelta(days=20))
        elif act == "dnc":
            base_search.do_not_call(db, boss, cold, version)
        else:
            base_search.assign(db, boss, cold, version, caller.id)

    # Duplicates: merged and split again; a pair marked not a duplicate.
    kept = add_company(db, "ООО «Клён»", in_queue=False, phones=("+74950000001",))
    twin = add_company(db, "Клён ООО", in_queue=False, phones=("+74950000002",))
    companies += [kept, twin]
    card = company_merge.merge(db, boss, kept, base_search.card(db, boss, kept).company.version, twin)
    company_merge.undo_merge(db, boss, card.merges[0].id)
    first = add_company(db, "ИП Соколов", in_queue=False, phones=("+78002004545",))
    second = add_company(db, "ПАО «Северсталь»", in_queue=False, phones=("+78002004545",))
    companies += [first, second]
    duplicates.scan(db, boss)
    with db.read() as session:
        pair = session.execute(
            select(DuplicatePair.id).where(
                DuplicatePair.company_id.in_((first, second)), DuplicatePair.other_id.in_((first, second))
            )
        ).scalar_one()
    duplicates.dismiss(db, boss, pair)

    # A company imported from a file (its entry names the file and the line).
    from kbase_tui.services.importing import run_import

    # A later line of the file adds a phone and a contact and has another city (kept); a second file adds an
    # e-mail to it and brings a company with its phone (a possible duplicate, written on both).
    leads = tmp_path / "leads.csv"
    leads.write_text(
        "Компания;ИНН;Телефон;Город;Контакт\nООО «Импортная»;7707083893;+7 843 555-00-01;Казань;\n"
        "ООО «Импортная»;7707083893;+7 843 555-00-02;Елабуга;Ирина Лесная\n",
        encoding="utf-8",
    )
    run_import(db, boss, leads, parallel=False, report_path=tmp_path / "report.csv")
    more = tmp_path / "more.csv"
    more.write_text(
        "Компания;ИНН;Телефон;Город;Email\nООО «Импортная»;7707083893;;Набережные Челны;info@import.ru\n"
        "ООО «Похожая»;;+7 843 555-00-01;Казань;\n",
        encoding="utf-8",
    )
    run_import(db, boss, more, parallel=False, report_path=tmp_path / "report2.csv")
    # A third file adds a website and a phone to it, and is undone: the entry says what was taken away.
    from kbase_tui.services.importing import undo_import

    site = tmp_path / "site.csv"
    site.write_text(
        "Компания;ИНН;Телефон;Сайт\nООО «Импортная»;7707083893;+7 843 555-00-03;импорт.рф\n", encoding="utf-8"
    )
    undone = run_import(db, boss, site, parallel=False, report_path=tmp_path / "report3.csv")
    assert undone.run_id is not None
    undo_import(db, boss, undone.run_id)
    with db.read() as session:
        for name in ("ООО «Импортная»", "ООО «Похожая»"):
            companies.append(session.execute(select(Company.id).where(Company.name == name)).scalar_one())

    # A closer leaves: the work goes to a colleague.  The last account manager leaves: held, then passed on.
    transfer.transfer_portfolio(db, boss, leaver.id, closer.id)
    transfer.transfer_portfolio(db, boss, km.id, km2.id)
    transfer.transfer_portfolio(db, boss, km2.id, boss.id)
    newcomer = make_user("account", "new", full_name="Новенькая Клиентова")
    transfer.pass_on_held(db, boss, newcomer.id)
    return {"boss": boss, "companies": companies}


def _written(db, company_ids):
    with db.read() as session:
        return session.execute(select(Interaction).where(Interaction.company_id.in_(company_ids))).scalars().all()


def test_every_kind_the_renderer_knows_is_written_by_a_service_here(db, business):
    kinds = {json.loads(row.params)["t"] for row in _written(db, business["companies"]) if row.params}
    assert set(history_labels._RENDERERS) <= kinds, set(history_labels._RENDERERS) - kinds
    facts = [json.loads(row.params) for row in _written(db, business["companies"]) if row.params]
    calls = [f for f in facts if f["t"] == "call"]
    for detail in ("reason", "closer", "callback_at", "unreachable"):
        assert any(detail in f for f in calls), detail
    assert any(f.get("leaver") for f in facts if f["t"] == "transfer")
    assert any(not f.get("leaver") for f in facts if f["t"] == "transfer")
    assert any(f.get("kept") for f in facts if f["t"] == "merged")
    assert any(f.get("reason") for f in facts if f["t"] == "stage")


RAW = [
    (re.compile(r"\b\d{4}-\d{2}-\d{2}"), "an ISO date"),
    (re.compile(r"(?<![\d,.₽])\d+\.\d{2}(?![\d.])"), "an unformatted amount"),
    (re.compile(r"\b[a-z]+_[a-z_]+\b"), "a code"),
    (re.compile(r"\b(None|True|False)\b|\['"), "a Python value"),
]


def _words(text: str) -> list[str]:
    return re.findall(r"[\w-]+", text.casefold())


@pytest.mark.parametrize("language", ["ru", "en"])
def test_every_entry_reads_in_the_readers_language_without_codes_raw_figures_or_doubled_words(db, business, language):
    boss = business["boss"]
    set_language(language)
    try:
        labels = history_labels.outcome_labels(db, boss)
        entries = [e for c in business["companies"] for e in clients.history(db, boss, c, limit=500)]
        shown = [(e, entry_text(e, labels).plain) for e in entries]
    finally:
        set_language("en")
    assert len(entries) > 40
    problems = []
    for entry, whole in shown:
        body = entry.text
        for pattern, what in RAW:
            if pattern.search(body):
                problems.append(f"{what} in {entry.outcome}: {body!r}")
        words = _words(whole)
        doubled = [a for a, b in itertools.pairwise(words) if a == b and not a.isdigit()]
        if doubled:
            problems.append(f"doubled {doubled} in {whole!r}")
        outcome = labels.get(entry.outcome, "")
        # A stage move names the new stage twice on purpose: "old → new" under the new stage's header.
        if outcome and entry.kind != "stage" and outcome.casefold() in body.casefold():
            problems.append(f"the header's {outcome!r} said again in {body!r}")
        # A file's name and an e-mail address are the person's own text, not the language's (leads.csv).
        own = re.sub(r"\S+\.(csv|xlsx|txt)\b|\S+@\S+\.[a-z]+", "", body)
        if language == "ru" and re.search(r"[A-Za-z]{3,}", own):
            problems.append(f"English in {entry.outcome}: {body!r}")
    assert not problems, "\n".join(problems)


def test_amounts_and_dates_are_written_for_the_reader(db, business):
    boss = business["boss"]
    company = business["companies"][0]
    day = TODAY.strftime("%d.%m.%Y")
    texts = {}
    for language in ("ru", "en"):
        set_language(language)
        try:
            texts[language] = [
                (e.outcome, e.text.replace("\u00a0", " ").replace("\u202f", " "))
                for e in clients.history(db, boss, company, limit=500)
            ]
        finally:
            set_language("en")
    ru, en = {}, {}
    for language, first in (("ru", ru), ("en", en)):
        for outcome, text in reversed(texts[language]):  # the oldest entry of each outcome
            first.setdefault(outcome, text)
    assert ru["first_order"] == f"Договор от {day} на сумму 250 000,50 ₽"
    assert en["first_order"] == f"Contract of {day}, amount ₽250,000.50"
    assert ru["order"] == f"от {day}: 98 765,40 ₽ (маржа 12 000,00 ₽)\nКрепёж, 10 упаковок"
    assert en["order"] == f"dated {day}: ₽98,765.40 (margin ₽12,000.00)\nКрепёж, 10 упаковок"
    assert "ожидаемая сумма: 0,00 ₽ → 1 250 000,50 ₽" in ru["deal_changed"]
    assert "expected amount: ₽0.00 → ₽1,250,000.50" in en["deal_changed"]
    assert ru["score_4"] == "Всё понравилось"
    assert ru["contact_changed"].startswith("Анна Петрова: должность: — → Директор; ЛПР: нет → да;")
    assert "телефоны: +7 495 111-22-33 → +7 495 111-22-33, +7 912 000-11-22" in ru["contact_changed"]
    assert "день рождения: — → 07.03.1980" in ru["contact_changed"]
    assert en["to_account"] == "Мария Фермерова"


def test_every_entry_a_service_writes_carries_its_facts():
    """A new write_history (or Interaction row) in the services without params fails here, unless its text is
    what a person typed."""
    missing = []
    for path in sorted(SRC.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for function in ast.walk(tree):
            if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            if (path.name, function.name) in TYPED or function.name == "write_history":
                continue
            for node in ast.walk(function):
                if not isinstance(node, ast.Call):
                    continue
                name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
                if name in ("write_history", "Interaction") and "params" not in {k.arg for k in node.keywords}:
                    missing.append(f"{path.relative_to(SRC)}:{node.lineno} ({function.name})")
    assert not missing, missing
