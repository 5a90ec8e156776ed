"""Every code the services write on a history entry has words, in the reader's language: a stranger
reading the history must understand it (no "score_5", "special_offer", "import")."""

from __future__ import annotations

from sqlalchemy import select

from kbase_tui.i18n import set_language
from kbase_tui.models import Reason
from kbase_tui.services import history_labels


def test_the_codes_services_write_have_words(db, make_user):
    reader = make_user("supervisor", "roman")
    with db.read() as session:
        lost_reasons = session.execute(select(Reason.code).where(Reason.kind == "lost_client")).scalars().all()
    assert lost_reasons
    codes = [
        "score_1",
        "score_5",
        "special_offer",
        "shelve",
        "do_not_call",
        "import",
        "import_merge",
        "purchase_planned",
        "unhappy",
        "to_closer",
        "interested",
        *(f"lost:{c}" for c in lost_reasons),
    ]
    try:
        set_language("ru")
        labels = history_labels.outcome_labels(db, reader)
        for code in codes:
            assert code in labels and labels[code] != code, code
        assert labels["score_5"] == "удовлетворённость 5 из 5"
        set_language("en")
        labels = history_labels.outcome_labels(db, reader)
        assert labels["score_5"] == "satisfaction 5 of 5" and labels["special_offer"] != "special_offer"
    finally:
        set_language("en")


def test_entries_the_program_wrote_read_in_the_readers_language(db, make_user):
    """A stage move and a changed amount written by an English-speaking closer, a refusal recorded by an
    English-speaking caller: a Russian reader reads them in Russian, with the amount formatted."""
    from decimal import Decimal

    from kbase_tui.protocol.pipeline import DealForm
    from kbase_tui.services import clients, pipeline, queue

    from .pipeline_setup import company_of, hand_over
    from .queue_setup import add_company

    caller = make_user("caller", "olga")
    closer = make_user("closer", "petr")
    boss = make_user("supervisor", "roman")
    try:
        set_language("en")
        deal_id = hand_over(db, caller, closer, "ООО «Ромашка»")
        pipeline.move_deal(db, closer, deal_id, 1)
        version = pipeline.deal_card(db, closer, deal_id).deal.version
        pipeline.update_deal(db, closer, deal_id, version, DealForm(expected_amount=Decimal("1250000.50")))
        refused = add_company(db, "ООО «Отказ»")
        assert queue.claim_next_lead(db, caller).company_id == refused
        queue.record_outcome(db, caller, refused, "refused", reason_code="no_need", comment="дорого")

        set_language("ru")
        texts = [e.text for e in clients.history(db, boss, company_of(db, deal_id))]
        refusal_text = [e.text for e in clients.history(db, boss, refused)]
    finally:
        set_language("en")
    assert "Новая → Встреча назначена" in texts, texts
    assert any("1 250 000,50" in t.replace("\xa0", " ").replace("\u202f", " ") for t in texts), texts
    # The header says "handed to a closer" and "Отказ": the text names the closer, and gives the reason.
    assert any(t == "petr" for t in texts), texts
    assert refusal_text[0] == "Нет потребности\nдорого", refusal_text


def test_an_import_entry_stored_before_its_parts_were_facts_still_reads():
    # Imports before this version stored what a later line added and the kept values in the importer's words.
    import json

    params = json.dumps(
        {
            "t": "imported",
            "file": "old.csv",
            "line": 2,
            "merged": [[3, "phone +74951112233"]],
            "notes": ["line 3: city kept, the file had «Тверь»"],
        },
        ensure_ascii=False,
    )
    set_language("ru")
    try:
        text = history_labels.render_entry(params, "as written", {})
    finally:
        set_language("en")
    assert text.startswith(
        "Загружено из old.csv, строка 2. Объединено из old.csv, строка 3: добавлено: phone +74951112233."
    )
    assert text.endswith("Оставлено как в первой строке: line 3: city kept, the file had «Тверь».")
