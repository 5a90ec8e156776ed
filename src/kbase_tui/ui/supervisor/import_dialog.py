"""Import a CSV or XLSX file into the cold queue, with a progress bar and the report."""

from __future__ import annotations

import threading
from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Input, Label, ProgressBar, Static

from kbase_tui.i18n import _

from .dialogs import SupervisorModal


class ImportDialog(SupervisorModal):
    """Enter starts the import of the file named; Esc stops it after the current batch (kept)."""

    BINDINGS = [Binding("escape", "cancel", _("Stop / close"), id="supervisor.import.cancel")]

    def __init__(self, path: str = "") -> None:
        super().__init__()
        self.initial = path
        self.stop = threading.Event()
        self.running = False

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog"):
            yield Static(Text(_("Import companies into the cold-call queue")), classes="dialog-title")
            yield Label(_("File (CSV or XLSX) on the server"))
            yield Input(self.initial, placeholder="/home/…/leads.csv", id="import-path")
            yield ProgressBar(id="import-progress", show_eta=True)
            yield Static("", id="import-report")
            yield DataTable(id="import-rejects", cursor_type="row")
            yield Static("", classes="dialog-error")
            yield Static(Text(_("Enter starts. Batches are saved as they go; Esc stops after the current one.")),
                         classes="dialog-hint")

    def on_mount(self) -> None:
        table = self.query_one("#import-rejects", DataTable)
        table.add_columns(_("Line"), _("Reason"))
        table.display = False
        self.query_one(Input).focus()

    def on_input_submitted(self, _event: Input.Submitted) -> None:
        self.action_accept()

    def action_accept(self) -> None:
        from kbase_tui.services import importer

        if self.running:
            return
        path = self.query_one(Input).value.strip()
        if not path:
            self.error(_("Name the file to import."))
            return
        self.error("")
        self.running = True
        self.stop.clear()
        self.query_one(Input).disabled = True
        app = self.app

        def progress(done: int, total: int) -> None:
            app.call_from_thread(self._progress, done, total)

        self.call_service(importer.run_import, self.actor, str(Path(path).expanduser()), progress=progress,
                          should_stop=self.stop.is_set, done=self._done, failed=self._failed)

    def _progress(self, done: int, total: int) -> None:
        self.query_one(ProgressBar).update(total=total, progress=done)

    def _failed(self, error) -> None:
        self.running = False
        self.query_one(Input).disabled = False
        self.error(str(error))

    def _done(self, report) -> None:
        self.running = False
        self.query_one(Input).disabled = False
        lines = [
            _("Rows read: {n}").format(n=report.rows),
            _("New companies: {n}").format(n=report.imported),
            _("Merged into existing: {n}").format(n=report.merged),
            _("Already in the base: {n}").format(n=report.unchanged),
            _("Rejected: {n}").format(n=report.rejected),
        ]
        if report.stopped:
            lines.append(_("Stopped: the batches saved so far are kept; run it again to finish."))
        if report.rejects_path:
            lines.append(_("Rejected rows written to {path}").format(path=report.rejects_path))
        self.query_one("#import-report", Static).update(Text("\n".join(lines)))
        table = self.query_one("#import-rejects", DataTable)
        table.clear()
        for item in report.rejects[:100]:
            table.add_row(Text(str(item.line)), Text(item.reason))
        table.display = bool(report.rejects)

    def action_cancel(self) -> None:
        if self.running:
            self.stop.set()
            self.notify(_("Stopping after the current batch…"))
            return
        self.dismiss(None)
