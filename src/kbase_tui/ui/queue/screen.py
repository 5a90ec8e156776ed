"""The caller's screen: one lead at a time, one key per outcome, the next lead at once.

What it shows: the lead the caller holds (company, city, industry, channel, contact persons,
phones for reading aloud, the special offer if any, the script phrase and the key question,
previous attempts as outcome and time only), the outcome keys generated from the outcome rows,
and today's counters against the daily target.  Nothing else of the base: no search, no list.

Keys: each outcome's own key (from the database); m: my callbacks; g/F5: check the queue
again when it is empty; F1: keys; ctrl+l: log out (the held lead is released).
"""

from __future__ import annotations

from datetime import UTC, datetime

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Header, Static

from kbase_tui import timezones
from kbase_tui.formatting import format_both_clocks, format_client_time, zone_city
from kbase_tui.i18n import _
from kbase_tui.protocol import queue
from kbase_tui.protocol.errors import AccessDenied, DatabaseBusy, KbaseError, StorageFull

from ..base import KbaseScreen
from ..widgets.confirm import ConfirmDialog
from ..widgets.footer import KeyFooter
from ..widgets.formats import show_datetime

EMPTY_POLL_SECONDS = 30.0
RENEW_SECONDS = 240.0  # well inside the shortest sensible lease
CLOCK_SECONDS = 30.0  # the client's clock on the card stays right to the minute during a long call


def client_clock(lead, now: datetime | None = None) -> str:
    """'Client's time 10:05 (Vladivostok, +7 h to yours)': what the caller says "good morning" by."""
    if not lead.time_zone or not timezones.is_zone(lead.time_zone):
        return ""
    moment = now or datetime.now(UTC)
    shift = timezones.offset_hours(lead.time_zone, moment)
    if shift:
        hours = f"{shift:+g}"
        line = _("Client's time {time} ({zone}, {hours} h to yours)").format(
            time=format_client_time(moment, lead.time_zone), zone=zone_city(lead.time_zone), hours=hours
        )
    else:
        line = _("Client's time {time} ({zone}, as yours)").format(
            time=format_client_time(moment, lead.time_zone), zone=zone_city(lead.time_zone)
        )
    if not lead.zone_known:
        line += " · " + _("zone not known: the call centre's")
    return line


def lead_text(lead, now: datetime | None = None) -> Text:
    """The lead card as text (user and file text never goes through markup)."""
    text = Text()
    text.append(lead.name, style="bold")
    if lead.city:
        text.append(f"  ·  {lead.city}")
    text.append("\n")
    clock = client_clock(lead, now)
    if clock:
        text.append(clock, style="cyan")
        text.append("\n")
    segment = [part for part in (lead.industry, lead.channel) if part]
    if lead.abcde_class:
        segment.append(_("class {cls}").format(cls=lead.abcde_class))
    if segment:
        text.append("  ·  ".join(segment), style="dim")
        text.append("\n")
    if lead.callback_at is not None:
        text.append(
            _("Your callback, set for {when}").format(
                when=format_both_clocks(lead.callback_at, lead.time_zone)
                if lead.time_zone
                else show_datetime(lead.callback_at)
            ),
            style="bold yellow",
        )
        text.append("\n")
    if lead.special_offer:
        text.append(_("Special offer: "), style="bold magenta")
        text.append(lead.special_offer, style="magenta")
        text.append("\n")
    # Each number on a line of its own: Textual breaks a line at any space, and a number broken
    # in two ("+7 343⏎511-44-96") is misread on the phone.
    if lead.phones:
        text.append(_("Phone: "), style="dim")
        text.append(lead.phones[0], style="bold")
        for phone in lead.phones[1:]:
            text.append("\n  ")
            text.append(phone, style="bold")
        text.append("\n")
    for contact in lead.contacts:
        text.append(contact.full_name, style="bold" if contact.is_decision_maker else "")
        if contact.position:
            text.append(f", {contact.position}")
        if contact.is_decision_maker:
            text.append("  " + _("decision-maker"), style="green")
        for phone in contact.phones:
            text.append("\n  ☎ ")
            text.append(phone, style="bold")
        text.append("\n")
    if not lead.phones and not any(c.phones for c in lead.contacts):
        text.append(_("No phone number: record it as bad data."), style="red")
        text.append("\n")
    text.append("\n")
    if lead.script_phrase:
        text.append(lead.script_phrase, style="italic")
        text.append("\n")
    if lead.key_question:
        text.append(_("Key question: "), style="bold cyan")
        text.append(lead.key_question, style="cyan")
        text.append("\n")
    text.append("\n")
    if lead.attempts or lead.previous:
        # The attempts count starts afresh when the head of sales sends a refused client back with an
        # offer; the calls before it are still history, never "never called".
        if lead.attempts:
            text.append(_("Attempts: {n}").format(n=lead.attempts), style="dim")
        else:
            text.append(_("Called before:"), style="dim")
        for attempt in lead.previous:
            text.append("   ")
            text.append(show_datetime(attempt.at), style="dim")
            text.append(f" {attempt.outcome}")
    else:
        text.append(_("Never called before."), style="dim")
    return text


def outcome_piece(outcome) -> Text:
    piece = Text()
    piece.append(f" {outcome.key} ", style="reverse bold")
    piece.append(" " + outcome.label)
    return piece


def outcomes_text(outcomes, width: int = 0) -> Text:
    """The outcome keys, laid out in lines of *width* cells: a key and its label never part.

    Textual breaks lines at any space, a no-break space too ("Интерес —⏎передать"), so the bar
    breaks its lines itself, between outcomes only.
    """
    text = Text()
    used = 0
    for index, outcome in enumerate(outcomes):
        piece = outcome_piece(outcome)
        if index:
            if width and used + 2 + piece.cell_len > width:
                text.append("\n")
                used = 0
            else:
                text.append("  ")
                used += 2
        text.append_text(piece)
        used += piece.cell_len
    return text


class OutcomeBar(Static):
    """The outcome keys of the caller's screen, re-laid for the width it has (see outcomes_text)."""

    outcomes: tuple = ()

    def show(self, outcomes) -> None:
        self.outcomes = tuple(outcomes)
        self.refresh(layout=True)

    def render(self) -> Text:
        return outcomes_text(self.outcomes, self.content_region.width or self.size.width)

    def get_content_height(self, container, viewport, width: int) -> int:
        return len(outcomes_text(self.outcomes, width).split("\n")) if self.outcomes else 1


def counters_text(counters, callbacks_due: int) -> Text:
    text = Text()
    reached = counters.calls >= counters.target > 0
    text.append(
        _("Calls {calls} / {target}").format(calls=counters.calls, target=counters.target),
        style="bold green" if reached else "bold",
    )
    text.append("  ·  " + _("hand-overs {n}").format(n=counters.handovers))
    text.append("  ·  " + _("refusals {n}").format(n=counters.refusals))
    text.append("  ·  " + _("{n} per hour").format(n=counters.calls_last_hour))
    if callbacks_due:
        text.append("  ·  ")
        text.append(_("callbacks due {n} (m)").format(n=callbacks_due), style="bold yellow")
    return text


# After the next lead could not be taken (the database busy or its disk full): when the screen asks again.
NEXT_LEAD_AGAIN_SECONDS = 10


class CallerQueue(KbaseScreen):
    """The cold-call queue screen."""

    CSS_PATH = "queue.tcss"
    HELP = _(
        "One lead at a time. Call the number, read the phrase, ask the key question, then press the "
        "outcome's key: the next lead appears at once. Call back asks for a time, Refused for a reason, "
        "Interested for the closer (Enter: the one with the fewest deals), Wrong number for a comment, "
        "Do not call for a confirmation. m lists your callbacks; take one with Enter."
    )
    BINDINGS = [
        Binding("m,f2", "callbacks", _("My callbacks"), id="queue.callbacks"),
        Binding("g,f5", "next_lead", _("Check the queue"), id="queue.next"),
        Binding("f1", "app.help", _("Keys"), id="queue.help"),
        Binding("ctrl+l", "app.logout", _("Log out"), id="queue.logout"),
    ]

    # Help, log-out and quit are never held (`keys_wait`).
    keys_past_the_gate = ("f1", "ctrl+l", "ctrl+q")

    def __init__(self) -> None:
        super().__init__()
        self.outcomes: list = []
        self.view = None
        self.lead = None
        self.busy = True
        self._poll = None
        self._wait = None  # the timer that asks for a lead again after a lead-rate wait
        self._carried = ""  # why the last outcome was not recorded, shown above the next lead
        self.lease_seconds = RENEW_SECONDS  # the server's lease, learnt from the first lead shown

    @property
    def keys_wait(self) -> bool:
        """Keys typed while the screen is busy (the first lead on its way, an outcome being saved, the next lead
        being taken) wait for the lead: the caller types "с09.12 15:30⏎к2дорого⏎" in one go, and the к, acted on
        while the callback was still saved, did nothing and its reason and comment went nowhere.  A failed
        load lets them go (`busy` ends)."""
        return self.busy

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="lead-box"):
            yield Static(Text(_("Taking the next lead…"), style="dim"), id="lead")
        yield Static("", id="queue-message")
        yield OutcomeBar("", id="queue-outcomes")
        yield Static("", id="queue-counters")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.title = _("Cold-call queue")
        self.sub_title = self.actor.label
        self.call(queue.open_queue, done=self._started, failed=self._failed)
        self.set_interval(RENEW_SECONDS, self._renew)
        self.set_interval(CLOCK_SECONDS, self._tick)

    # --- loading -------------------------------------------------------------------------
    def _started(self, result) -> None:
        outcomes, view = result
        self.outcomes = list(outcomes)
        for outcome in self.outcomes:
            binding = Binding(
                outcome.key, f"outcome('{outcome.code}')", outcome.label, show=False, id=f"queue.outcome.{outcome.code}"
            )
            self._bindings.key_to_bindings.setdefault(outcome.key, []).append(binding)
        self.refresh_bindings()
        self.query_one("#queue-outcomes", OutcomeBar).show(self.outcomes)
        self._show(view)

    def _show(self, view) -> None:
        self.view = view
        self.lead = view.lead
        self.busy = False
        box = self.query_one("#lead", Static)
        if self._wait is not None:
            self._wait.stop()
            self._wait = None
        if view.lead is None and view.wait_seconds:
            # Leads were taken too fast: nothing on screen to record an outcome for, and the screen
            # asks again by itself when the wait is over.
            box.update(Text(_("The next lead comes in {n} s.").format(n=view.wait_seconds), style="bold"))
            self._wait = self.set_timer(view.wait_seconds + 0.5, self.action_next_lead)
        elif view.lead is None:
            message = Text(_("No leads are waiting in the queue right now."), style="bold")
            message.append("\n")
            if view.window_opens_at is not None:
                message.append(
                    _("The calling window is closed for every client; it opens at {when} (your time).").format(
                        when=show_datetime(view.window_opens_at)
                    )
                )
                message.append("\n")
            message.append(
                _("Checking again every {n} seconds; press g to check now.").format(n=int(EMPTY_POLL_SECONDS)),
                style="dim",
            )
            box.update(message)
            if self._poll is None:
                self._poll = self.set_interval(EMPTY_POLL_SECONDS, self.action_next_lead)
        else:
            from datetime import datetime

            left = (view.lead.held_until - datetime.now(UTC)).total_seconds()
            self.lease_seconds = max(left, RENEW_SECONDS)
            box.update(lead_text(view.lead))
            self.query_one("#lead-box", VerticalScroll).scroll_home(animate=False)
            if self._poll is not None:
                self._poll.stop()
                self._poll = None
        message = Text()
        if self._carried:
            message.append(self._carried, style="bold red")
            self._carried = ""
            if view.message:
                message.append("\n")
        if view.message:
            message.append(view.message, style="yellow" if view.wait_seconds else "green")
        self.query_one("#queue-message", Static).update(message)
        self.query_one("#queue-counters", Static).update(counters_text(view.counters, view.callbacks_due))

    def _failed(self, error: KbaseError) -> None:
        self.busy = False
        self.query_one("#queue-message", Static).update(Text(str(error), style="bold red"))
        if isinstance(error, AccessDenied) and self.lead is not None:
            # The lead is no longer ours: say so above the next lead, which is taken at once.
            self._carried = str(error)
            self.lead = None
            self.query_one("#lead", Static).update(Text(_("Taking the next lead…"), style="dim"))
            self.action_next_lead()

    def action_next_lead(self) -> None:
        if self.busy or self.lead is not None:
            return
        self.busy = True
        self.call(queue.take_next, done=self._show, failed=self._next_lead_failed, group="queue", exclusive=True)

    def _next_lead_failed(self, error: KbaseError) -> None:
        if not isinstance(error, (DatabaseBusy, StorageFull)):
            self._failed(error)
            return
        # Nothing of the caller's was at stake (the last outcome is saved): say why no lead is here, and ask
        # again by itself rather than leave "the next lead comes in 2 s" on screen for good.
        self.busy = False
        again = NEXT_LEAD_AGAIN_SECONDS
        why = _("The database stayed busy: no lead could be taken.") if isinstance(error, DatabaseBusy) else str(error)
        self.query_one("#queue-message", Static).update(Text(why, style="bold red"))
        self.query_one("#lead", Static).update(
            Text(_("No lead yet: asking again in {n} s (or press g).").format(n=again), style="bold")
        )
        if self._wait is not None:
            self._wait.stop()
        self._wait = self.set_timer(again, self.action_next_lead)

    def _tick(self) -> None:
        if self.lead is not None and not self.busy:
            self.query_one("#lead", Static).update(lead_text(self.lead))

    @staticmethod
    def help_rank(binding) -> int:
        """F1 lists the outcome keys first: they are what the caller presses all day."""
        return 0 if binding.action.startswith("outcome(") else 1

    def idle_lock_deferred_until(self) -> float | None:
        """The idle lock waits while the caller holds a lead, for a lease after their last key.

        A long call is no key presses at all: the lock must not cut into it (the next outcome key
        would land in the password box).  After a whole lease without a key the lead is given back
        (no more renewals, `_renew`) and the lock comes.
        """
        if self.lead is None:
            return None
        return self.kbase.last_key_at + self.lease_seconds

    def _renew(self) -> None:
        from time import monotonic

        if monotonic() - self.kbase.last_key_at >= self.lease_seconds:
            return  # a whole lease without a key: the hold ends by itself, the lead goes back
        if self.lead is not None and not self.busy:
            self.call(
                queue.renew_lease,
                self.lead.company_id,
                done=lambda _until: None,
                failed=self._renew_failed,
                group="renew",
            )

    def _renew_failed(self, error: KbaseError) -> None:
        if self.busy:
            # An outcome is being saved meanwhile: its own answer says what became of the lead.  Taken as the
            # screen's failure, it ended `busy` under the save and let the keys held for the next lead go.
            return
        self._failed(error)

    # --- outcomes ------------------------------------------------------------------------
    def _outcome(self, code: str):
        return next((o for o in self.outcomes if o.code == code), None)

    def action_outcome(self, code: str) -> None:
        outcome = self._outcome(code)
        if outcome is None:
            return
        if self.busy:
            # Keys wait while the screen is busy; the palette and a click on the footer do not: say so rather than drop it.
            self.notify(
                _(
                    "“{outcome}” was not recorded: the screen is still waiting for the server. Press it again once the lead is shown."
                ).format(outcome=outcome.label),
                severity="warning",
                timeout=6,
            )
            return
        if self.lead is None:
            self.notify(_("There is no lead to record an outcome for."), timeout=3)
            return
        from . import dialogs

        lead = self.lead
        if outcome.is_do_not_call:
            self.app.push_screen(
                ConfirmDialog(_("Never call {company} again?").format(company=lead.name)),
                lambda ok: self.submit(lead, code) if ok else None,
            )
        elif outcome.is_refusal:
            self.app.push_screen(
                dialogs.RefusalDialog(lead.name), lambda got: self.submit(lead, code, **got) if got else None
            )
        elif outcome.is_handover:
            self.app.push_screen(
                dialogs.HandoverDialog(lead.name),
                lambda got: self.submit(lead, code, **got) if got else None,
            )
        elif outcome.is_unworkable:
            self.app.push_screen(
                dialogs.CommentDialog(lead.name, outcome.label),
                lambda got: self.submit(lead, code, **got) if got else None,
            )
        elif outcome.is_callback:
            self.app.push_screen(
                dialogs.CallbackDialog(
                    lead.name, client_zone=lead.time_zone, city=lead.city if lead.zone_known else ""
                ),
                lambda got: self.submit(lead, code, **got) if got else None,
            )
        else:
            self.submit(lead, code)

    def submit(self, lead, code: str, **details) -> None:
        """Record *code* for *lead*, the lead on screen when its key was pressed."""
        company_id = lead.company_id
        if self.busy or self.lead is None or self.lead.company_id != company_id:
            # The lead went while its dialog was open (its hold ended, or the screen took the next one): said, and
            # what was typed for it shown, rather than dropped without a word.
            outcome = self._outcome(code)
            said = _("“{outcome}” for {company} was not recorded: that lead is no longer on your screen.").format(
                outcome=outcome.label if outcome else code, company=lead.name
            )
            if details.get("comment"):
                said += " " + _("Your comment: {comment}").format(comment=details["comment"])
            self.notify(said, severity="warning", timeout=20, markup=False)
            return
        self.busy = True
        self.query_one("#queue-message", Static).update(Text(_("Saving…"), style="dim"))
        self.call(
            queue.record_and_next,
            company_id,
            code,
            **details,
            done=lambda result: self._show(result[1]),
            failed=self._failed,
            group="queue",
        )

    # --- callbacks -----------------------------------------------------------------------
    def action_callbacks(self) -> None:
        from . import dialogs

        if self.busy:
            self.notify(
                _("The screen is still waiting for the server: open your callbacks again once the lead is shown."),
                severity="warning",
                timeout=6,
            )
            return
        self.app.push_screen(dialogs.CallbacksDialog(), self._take_callback)

    def _take_callback(self, company_id: int | None) -> None:
        if company_id is None:
            return
        if self.busy:  # the queue asked for a lead by itself while the list was open
            self.notify(
                _("The callback was not taken: the screen is still waiting for the server. Take it again in a moment."),
                severity="warning",
                timeout=6,
            )
            return
        if self.lead is not None and self.lead.company_id == company_id:
            return
        self.busy = True
        self.call(queue.take_callback, company_id, done=self._show, failed=self._failed, group="queue")
