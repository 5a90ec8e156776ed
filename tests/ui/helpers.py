"""Pilot helpers shared by UI tests."""

from __future__ import annotations

from kbase_tui.ui.app import KbaseApp


async def settle(app: KbaseApp, pilot) -> None:
    """Let workers finish and their results reach the screen.

    A result often starts the next call (a screen that opens loads its list), so this waits until
    a pause leaves no worker running, at least three rounds and at most fifty.
    """
    for round_ in range(50):
        await app.workers.wait_for_complete()
        await pilot.pause()
        if round_ >= 2 and not any(w.is_running for w in app.workers):
            return


async def sign_in(app: KbaseApp, pilot, username: str, password: str) -> None:
    await settle(app, pilot)
    user_box = app.screen.query_one("#username")
    user_box.value = ""
    await pilot.click("#username")
    await pilot.press(*list(username))
    await pilot.press("enter")  # moves to the password
    await pilot.press(*list(password))
    await pilot.press("enter")
    await settle(app, pilot)
