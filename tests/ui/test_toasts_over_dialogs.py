"""A toast over a dialog at 80x24 leaves the dialog's fields, buttons and error line in sight.

Toasts were half the screen wide at the bottom right: a sentence took five rows and hid the error line beside
the buttons and the lower fields of a dialog, just when the person needed to read both (app.tcss)."""

from __future__ import annotations

import pytest
from textual.widgets import Button, Input, OptionList, TextArea
from textual.widgets._toast import Toast

from kbase_tui.i18n import set_language
from kbase_tui.ui.accounts.card import AccountCardScreen
from kbase_tui.ui.accounts.dialogs import FollowUpDialog
from kbase_tui.ui.widgets.form_dialog import ErrorLine

from ..conftest import svg_screen_text
from ..server_harness import app_on
from ..services.account_setup import account_company
from .helpers import settle
from .test_accounts import _open, _type


@pytest.mark.parametrize("language", ["en", "ru"])
async def test_a_toast_over_the_tallest_dialog_hides_none_of_its_fields_buttons_or_error_line(
    db, db_url, make_user, language
):
    km = make_user("account", full_name="Ольга")
    company = account_company(db, km, "ООО «Круг»")
    set_language(language)
    try:
        app = app_on(db)
        async with app.run_test(size=(80, 24), notifications=True) as pilot:
            await _open(app, pilot, km, AccountCardScreen(company))
            await pilot.press("f")  # the follow-up call: the dialog that takes the whole height at 80x24
            await settle(app, pilot)
            dialog = app.screen
            assert isinstance(dialog, FollowUpDialog)
            dialog.query_one("#fu-purchase", Input).focus()
            await pilot.pause()
            # A sentence typed into the date: past the field's 40 characters a toast says so; the save refuses.
            await _type(pilot, "перезвонить после новогодних праздников, в январе")
            await pilot.press("ctrl+s")
            await settle(app, pilot)
            assert app.screen is dialog
            toasts = [toast.region for toast in dialog.query(Toast)]
            assert toasts, "the full field was not said"
            refusal = dialog.query_one(ErrorLine)
            assert refusal.render().plain
            for widget in [*dialog.query(Input), *dialog.query(Button), *dialog.query(OptionList), refusal]:
                for toast in toasts:
                    assert not widget.region.overlaps(toast), f"a toast covers {widget!r}"
            assert not dialog.query_one(TextArea).region.overlaps(toasts[0])
            shown = "\n".join(svg_screen_text(app.export_screenshot()))
            assert all(word in shown for word in refusal.render().plain.split())  # it wraps beside the buttons
    finally:
        set_language("en")
