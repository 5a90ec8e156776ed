"""A short sign-in through the real app, run by scripts/check_wheel.sh with the installed wheel's Python.

The app starts its private server for --db (as `kbase --db FILE` does), and Textual's Pilot types the
user name and password on the sign-in screen; the script exits 0 only if the user's home screen opened.
It needs nothing but kbase itself (no pytest): it checks an installation, not the source tree.
"""

from __future__ import annotations

import argparse
import asyncio
import sys


async def sign_in(db: str, username: str, password: str) -> int:
    from kbase_tui.private_server import PrivateServer
    from kbase_tui.ui.app import KbaseApp

    private = PrivateServer(db).start()
    app = KbaseApp(private.address, private=private)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            for _ in range(100):  # the sign-in screen is up
                await pilot.pause(0.05)
                if app.screen.query("#username"):
                    break
            await pilot.click("#username")
            await pilot.press(*username, "enter", *password, "enter")
            for _ in range(600):  # up to 30 s: the private server may still be starting
                await pilot.pause(0.05)
                if getattr(app, "actor", None) is not None and type(app.screen).__name__ != "LoginScreen":
                    break
            actor = getattr(app, "actor", None)
            if actor is None or actor.username != username:
                error = app.screen.query("#login-error")
                said = str(error.first().render()) if error else ""
                print(f"sign-in as {username} failed: {said}", file=sys.stderr)
                return 1
            print(f"signed in as {actor.username}; screen {type(app.screen).__name__}")
            await app.client.sign_out()
    finally:
        if private.process is not None and private.process.poll() is None:
            private.process.terminate()
            private.process.wait(timeout=10)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", required=True)
    parser.add_argument("--user", default="caller")
    parser.add_argument("--password", default="Zvonok-2026!")
    args = parser.parse_args()
    return asyncio.run(sign_in(args.db, args.user, args.password))


if __name__ == "__main__":
    sys.exit(main())
