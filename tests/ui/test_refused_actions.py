"""No text in the base can make the app write a file, inject keys or leave the terminal."""

from __future__ import annotations

from kbase_tui.ui.app import KbaseApp


async def test_textuals_file_and_key_actions_cannot_run(tmp_path):
    app = KbaseApp("unix:/nonexistent/kbase.sock")
    target = tmp_path / "shot.svg"
    async with app.run_test() as pilot:
        await pilot.pause()
        for action in (
            f"app.screenshot('{target.name}', '{tmp_path}')",
            "app.simulate_key('ctrl+q')",
            "app.suspend_process()",
            "app.push_screen('_default')",
            "app.notify('type your password')",
        ):
            assert await app.run_action(action) is False, action
        await pilot.pause()
        assert not target.exists()
        assert app.is_running
