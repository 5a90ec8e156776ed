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
    codes = ["score_1", "score_5", "special_offer", "shelve", "do_not_call", "import", "import_merge",
             "purchase_planned", "unhappy", "to_closer", "interested", *(f"lost:{c}" for c in lost_reasons)]
    try:
        set_language("ru")
        labels = history_labels.outcome_labels(db, reader)
        for code in codes:
            assert code in labels and labels[code] != code, code
        assert labels["score_5"] == "удовлетворённость 5 из 5"
        set_language("en")
        labels = history_labels.outcome_labels(db, reader)
        assert labels["score_5"] == "satisfaction 5 of 5" and labels["special_offer"] == "sent back with a special offer"
    finally:
        set_language("en")
