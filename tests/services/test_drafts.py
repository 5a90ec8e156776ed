from __future__ import annotations

import pytest

from kbase_tui.services import drafts
from kbase_tui.services.errors import AccessDenied


def test_draft_is_kept_per_user_and_context_and_replaced_as_typing_goes_on(db, make_user):
    anna = make_user("closer", "anna")
    oleg = make_user("closer", "oleg")
    drafts.save_draft(db, anna, "note:company:7", "Клиент просит")
    drafts.save_draft(db, anna, "note:company:7", "Клиент просит скидку 5%")
    drafts.save_draft(db, oleg, "note:company:7", "Другой текст")
    mine = drafts.drafts_of(db, anna)
    assert [(d.context, d.text) for d in mine] == [("note:company:7", "Клиент просит скидку 5%")]
    assert drafts.company_of(mine[0].context) == 7


def test_an_emptied_or_discarded_draft_is_gone(db, make_user):
    anna = make_user("closer", "anna")
    drafts.save_draft(db, anna, "note:company:1", "текст")
    drafts.save_draft(db, anna, "note:company:1", "   ")
    assert drafts.drafts_of(db, anna) == []
    drafts.save_draft(db, anna, "note:company:2", "текст")
    drafts.discard_draft(db, anna, "note:company:2")
    assert drafts.drafts_of(db, anna) == []


def test_a_disabled_user_cannot_read_drafts(db, make_user):
    from kbase_tui.services import users

    anna = make_user("closer", "anna")
    drafts.save_draft(db, anna, "note:company:1", "текст")
    users.disable_user(db, users.local_actor(), "anna")
    with pytest.raises(AccessDenied):
        drafts.drafts_of(db, anna)
