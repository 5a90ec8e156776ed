"""Pilot helpers shared by UI tests."""

from __future__ import annotations

from kbase_tui.ui.app import KbaseApp


async def settle(app: KbaseApp, pilot) -> None:
    """Let workers finish and their results reach the screen."""
    for _ in range(3):
        await app.workers.wait_for_complete()
        await pilot.pause()


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
