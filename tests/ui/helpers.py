"""Pilot helpers shared by UI tests."""

from __future__ import annotations

from kbase_tui.ui.app import KbaseApp


async def settle(app: KbaseApp, pilot) -> None:
    """Let workers finish and their results reach the screen.

    A result often starts the next call (a screen that opens loads its list), so this waits until
    a pause leaves no worker running, at least three rounds and at most fifty.  A worker cancelled
    meanwhile (a read superseded by a newer call of it) is no failure.
    """
    from contextlib import suppress

    from textual.worker import WorkerCancelled

    for round_ in range(50):
        with suppress(WorkerCancelled):  # a call superseded by a newer one (ui/base.py) ends cancelled
            await app.workers.wait_for_complete()
        await pilot.pause()
        # Keys still waiting in the app's key gate (ui/app.py) have not acted yet: an Enter held there has not
        # started its sign-in, and keys typed next would fall behind it (on a loaded machine, a sign-in's keys
        # were dropped as typed behind a refused password).
        if round_ >= 2 and not any(w.is_running for w in app.workers) and not app._held_keys:
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


class HeldAnswers:
    """The app's client with the answer of the first call of each of *ops* held back until the second call of
    the same operation has had its answer: the order in which a slow link or a busy server may bring them.

    Made once the screen is reached: only calls after that count.  The server answers the first call at once
    (`answered(op)` waits for that); its answer goes back to the app only after the second call's answer, and
    it goes back even if the app gave up on the call meanwhile (cancelled its worker), as an answer already
    on its way would: the app must drop it.  With `late=False` a cancelled call ends there instead.  An error
    the server answers is held and raised the same way.  `calls[op]` lists the arguments of every call,
    `delivered_late` the operations whose held answer reached the app's call, `waited_in_vain` those whose
    second call never came (within *timeout* seconds; the held answer then goes back anyway).
    """

    def __init__(self, app: KbaseApp, *ops, late: bool = True, timeout: float = 5.0) -> None:
        import asyncio

        self.server_call = app.client.call
        self.late = late
        self.timeout = timeout
        self.calls: dict = {op: [] for op in ops}
        self._first = {op: asyncio.Event() for op in ops}
        self._second = {op: asyncio.Event() for op in ops}
        self.delivered_late: list = []
        self.waited_in_vain: list = []
        app.client.call = self._call  # type: ignore[method-assign]

    async def answered(self, *ops) -> None:
        """Wait until the server has answered the first call of each of *ops* (all when none are named)."""
        import asyncio

        for op in ops or tuple(self._first):
            await asyncio.wait_for(self._first[op].wait(), self.timeout)

    async def _call(self, op, *args, **kwargs):
        if op not in self.calls:
            return await self.server_call(op, *args, **kwargs)
        number = len(self.calls[op])
        self.calls[op].append((args, kwargs))
        if number == 0:
            return await self._held(op, args, kwargs)
        try:
            return await self.server_call(op, *args, **kwargs)
        finally:
            if number == 1:
                self._second[op].set()

    async def _held(self, op, args, kwargs):
        import asyncio

        from kbase_tui.protocol.errors import KbaseError

        async def answer_then_wait():
            try:
                outcome = (True, await self.server_call(op, *args, **kwargs))
            except KbaseError as error:
                outcome = (False, error)
            self._first[op].set()
            try:
                await asyncio.wait_for(self._second[op].wait(), self.timeout)
            except TimeoutError:
                self.waited_in_vain.append(op)
            return outcome

        on_its_way = asyncio.ensure_future(answer_then_wait())
        given_up = False
        while True:
            try:
                ok, value = await asyncio.shield(on_its_way)
                break
            except asyncio.CancelledError:
                task = asyncio.current_task()
                if given_up or not self.late or task is None:
                    on_its_way.cancel()
                    raise
                given_up = True  # the app gave up on it; the answer arrives all the same
                task.uncancel()
        self.delivered_late.append(op)
        if not ok:
            raise value
        return value
