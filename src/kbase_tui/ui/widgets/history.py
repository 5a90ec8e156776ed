"""The client's whole history on one timeline, newest first, loaded a page at a time.

Usage (any screen that shows a client card)::

    from kbase_tui.ui.widgets.history import HistoryTimeline

    yield HistoryTimeline(company_id, id="history")      # in compose()
    self.query_one(HistoryTimeline).reload()               # after you wrote something to the history
    timeline.set_outcome_labels({"ok": "All fine"})       # optional: labels of codes of your own

It calls the operation `clients.history(company_id, limit=, before_id=)` (or the `loader=`
operation you pass, same arguments), shows the first `page_size` entries and fetches the next page
when the cursor reaches the last loaded entry (or on `ctrl+end`), so a company with thousands of
entries opens as fast as one with ten.  Every user-written text is shown literally (rich Text).
The widget is an OptionList: arrow keys/PgUp/PgDn move, it can take focus.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.binding import Binding
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from kbase_tui.i18n import _
from kbase_tui.labels import history_kind_label

from ..base import ServiceCalls
from .formats import show_datetime

if TYPE_CHECKING:
    from kbase_tui.protocol.operations import Operation

KIND_STYLES = {
    "call": "cyan",
    "follow_up": "cyan",
    "meeting": "green",
    "note": "",
    "stage": "magenta",
    "handover": "yellow",
    "decision": "bold yellow",
    "order": "bold green",
    "quality": "green",
    "system": "dim",
}


def entry_text(entry: Any, outcome_labels: dict[str, str] | None = None) -> Text:
    """One history entry as rich Text: a header line, then the text indented."""
    line = Text(no_wrap=False)
    line.append(show_datetime(entry.at), style="bold")
    line.append("  ")
    kind = history_kind_label(entry.kind)
    outcome = (outcome_labels or {}).get(entry.outcome, entry.outcome) if entry.outcome else ""
    # A word is said once: an order's outcome "order", a call's "Call back" stand for the kind too.
    said = outcome.casefold()
    if said == kind.casefold() or said.startswith(kind.casefold() + " "):
        line.append(outcome, style=KIND_STYLES.get(entry.kind, "") + " italic")
    else:
        line.append(kind, style=KIND_STYLES.get(entry.kind, ""))
        if outcome:
            line.append("  ")
            line.append(outcome, style="italic")
    if entry.user_name:
        line.append("  · ")
        line.append(entry.user_name, style="dim")
    if entry.text:
        for text_line in entry.text.splitlines() or [""]:
            line.append("\n  ")
            line.append(text_line)
    return line


class HistoryTimeline(ServiceCalls, OptionList):
    """Newest-first history of one company, paged from the database."""

    BINDINGS = [
        Binding("ctrl+end", "load_more", _("Older history"), show=False, id="history.more"),
    ]
    # The scrollbar's room is kept from the start: an entry's lines are counted at the width the list
    # had when it arrived, and a scrollbar that appeared later narrowed it, so a header that then wrapped
    # pushed the entry's last line out of sight ("handed over · Anna" and no name under it).
    DEFAULT_CSS = """
    HistoryTimeline { height: 1fr; border: round $panel; scrollbar-gutter: stable; }
    HistoryTimeline:focus { border: round $accent; }
    """

    def __init__(
        self,
        company_id: int | None = None,
        *,
        loader: Operation[Any] | None = None,
        page_size: int = 50,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes, markup=False)
        self.company_id = company_id
        self.loader = loader
        self.page_size = page_size
        self.outcome_labels: dict[str, str] = {}
        self._loaded_labels: dict[str, str] = {}  # from the database (stages, call outcomes, fixed codes)
        self._given_labels: dict[str, str] = {}  # from set_outcome_labels: they win
        self._entries: dict[str, Any] = {}  # option id -> entry, to redraw when labels arrive
        self._oldest_id: int | None = None
        self._complete = False
        self._loading = False
        self._generation = 0
        self.border_title = _("History")

    def on_mount(self) -> None:
        self._load_labels()
        if self.company_id is not None:
            self.reload()

    def _load_labels(self, attempt: int = 1) -> None:
        from kbase_tui.protocol import history_labels

        self.call(
            history_labels.outcome_labels,
            done=self._labels_loaded,
            failed=lambda error: self._labels_failed(error, attempt),
            group=f"history-labels-{id(self)}",
        )

    def _labels_failed(self, error: Exception, attempt: int) -> None:
        """Without the words the entries show their codes ("to_closer"): asked again, a few times, after
        the wait the server asks for (a reader slowed down) or a moment; the entries get their words then."""
        import logging

        logging.getLogger(__name__).warning("history labels not loaded (try %d): %s", attempt, error)
        if not self.is_attached:
            return
        if attempt < 4:
            wait = float(getattr(error, "seconds", 0) or attempt)
            self.set_timer(wait, lambda: self._load_labels(attempt + 1))
        else:  # said where the codes show; the next reload asks again
            self.border_title = _("History (the words of its codes could not be loaded)")
            self._labels_missing = True

    def set_outcome_labels(self, labels: dict[str, str]) -> None:
        """Labels for outcome codes of your own; they override the ones loaded from the database."""
        self._given_labels = dict(labels)
        self._apply_labels()

    def _labels_loaded(self, labels: dict[str, str]) -> None:
        self._loaded_labels = dict(labels)
        self._apply_labels()

    def _apply_labels(self) -> None:
        labels = {**self._loaded_labels, **self._given_labels}
        if labels == self.outcome_labels:
            return
        self.outcome_labels = labels
        for option_id, entry in self._entries.items():  # entries already shown get their words
            if entry.outcome:
                self.replace_option_prompt(option_id, entry_text(entry, labels))

    # --- loading -------------------------------------------------------------------
    def _load(self) -> Operation[Any]:
        if self.loader is not None:
            return self.loader
        from kbase_tui.protocol import clients

        return clients.history

    def reload(self, company_id: int | None = None) -> None:
        """Drop what is shown and load the newest page again (and the words of its codes, if they failed)."""
        if getattr(self, "_labels_missing", False):
            self._labels_missing = False
            self.border_title = _("History")
            self._load_labels()
        if company_id is not None:
            self.company_id = company_id
        self._generation += 1
        self._entries.clear()
        self._oldest_id = None
        self._complete = False
        self._loading = False
        self.clear_options()
        self._fetch()

    def action_load_more(self) -> None:
        self._fetch()

    def _fetch(self) -> None:
        if self.company_id is None or self._complete or self._loading:
            return
        self._loading = True
        generation = self._generation
        self.call(
            self._load(),
            self.company_id,
            limit=self.page_size,
            before_id=self._oldest_id,
            done=lambda page: self._loaded(generation, page),
            failed=lambda error: self._failed(generation, error),
            group=f"history-{id(self)}",
        )

    def _loaded(self, generation: int, page: Sequence[Any]) -> None:
        if generation != self._generation:
            return
        self._loading = False
        if self.option_count and self.get_option_at_index(self.option_count - 1).id == "more":
            self.remove_option("more")
        for entry in page:
            self._entries[f"h{entry.id}"] = entry
            self.add_option(Option(entry_text(entry, self.outcome_labels), id=f"h{entry.id}"))
        if page:
            self._oldest_id = min(entry.id for entry in page)
        if len(page) < self.page_size:
            self._complete = True
            if not self.option_count:
                self.add_option(Option(Text(_("No history yet."), style="dim"), id="empty", disabled=True))
        else:
            self.add_option(Option(Text(_("… older entries: move down to load"), style="dim"), id="more"))
        if self.highlighted is None and self.option_count and not self.get_option_at_index(0).disabled:
            self.highlighted = 0

    def _failed(self, generation: int, error: Exception) -> None:
        if generation == self._generation:
            self._loading = False
        self.app.notify(str(error), severity="error", timeout=6)

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option_list is self and event.option.id == "more":
            self._fetch()

    @property
    def loaded_ids(self) -> list[int]:
        """Ids of the entries shown, newest first (for tests)."""
        ids = []
        for index in range(self.option_count):
            option_id = self.get_option_at_index(index).id or ""
            if option_id.startswith("h"):
                ids.append(int(option_id[1:]))
        return ids
