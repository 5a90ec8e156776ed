"""Import a CSV or XLSX file into the cold queue, with a progress bar and the report.

The file is one of the server's inbox (the head of sales drops files there over SFTP), or a
file on this computer, which the app uploads into the inbox first.  The server runs the import
as a job; this dialog follows its progress and can stop it.  Rejected rows go to a file in the
server's exports folder, which the report names.
"""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Input, Label, ProgressBar, Select, Static

from kbase_tui.i18n import _
from kbase_tui.protocol import importer

from ..widgets.formats import show_datetime
from .dialogs import SupervisorModal

POLL_SECONDS = 0.3


def _size(size: int) -> str:
    if size >= 1024 * 1024:
        return _("{n} MB").format(n=round(size / (1024 * 1024), 1))
    return _("{n} KB").format(n=max(1, round(size / 1024)))


class ImportDialog(SupervisorModal):
    """Enter starts the import of the chosen file; Esc stops it after the current batch (kept)."""

    BINDINGS = [Binding("escape", "cancel", _("Stop / close"), id="supervisor.import.cancel")]

    def __init__(self, path: str = "") -> None:
        super().__init__()
        self.initial = path
        self.job: str | None = None
        self._poll = None

    @property
    def running(self) -> bool:
        return self.job is not None

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog"):
            yield Static(Text(_("Import companies into the cold-call queue")), classes="dialog-title")
            yield Label(_("A file in the server's inbox"))
            yield Select([], prompt=_("Loading the inbox…"), id="import-inbox")
            yield Label(_("or a file on this computer (CSV or XLSX)"))
            yield Input(self.initial, placeholder="~/leads.csv", id="import-path")
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
        self.query_one("#import-path", Input).focus() if self.initial else self.query_one(Select).focus()
        self.call(importer.inbox, done=self._inbox, failed=lambda error: self.error(str(error)))

    def _inbox(self, found) -> None:
        inbox = self.query_one("#import-inbox", Select)
        inbox.set_options([
            (f"{item.name} · {_size(item.size)} · {show_datetime(item.modified)}", item.name) for item in found
        ])
        inbox.prompt = _("Choose a file") if found else _("The inbox is empty")

    def on_input_submitted(self, _event: Input.Submitted) -> None:
        self.action_accept()

    def action_accept(self) -> None:
        if self.running:
            return
        typed = self.query_one("#import-path", Input).value.strip()
        chosen = self.query_one("#import-inbox", Select).value
        if typed:
            path = Path(typed).expanduser()
            if not path.is_file():
                self.error(_("There is no file {path} on this computer.").format(path=str(path)))
                return
            self.error(_("Sending the file to the server…"))
            self._lock_inputs(True)
            self.run_worker(self._upload_then_start(path), group="import", exit_on_error=False)
        elif isinstance(chosen, str):
            self.error("")
            self._lock_inputs(True)
            self.call(importer.start, chosen, done=self._started, failed=self._failed)
        else:
            self.error(_("Choose a file from the inbox or name one on this computer."))

    async def _upload_then_start(self, path: Path) -> None:
        from kbase_tui.protocol.errors import KbaseError

        try:
            name = await self.kbase.client.upload(path)
        except (KbaseError, OSError) as error:
            self._failed(error)
            return
        self.error("")
        self.call(importer.start, name, done=self._started, failed=self._failed)

    def _lock_inputs(self, locked: bool) -> None:
        self.query_one("#import-path", Input).disabled = locked
        self.query_one("#import-inbox", Select).disabled = locked

    def _started(self, job: str) -> None:
        self.job = job
        self._poll = self.set_interval(POLL_SECONDS, self._ask_progress)

    def _ask_progress(self) -> None:
        if self.job is not None:
            self.call(importer.progress, self.job, done=self._progressed, failed=self._failed, group="import-poll",
                      exclusive=True)

    def _progressed(self, progress) -> None:
        if progress.total:
            self.query_one(ProgressBar).update(total=progress.total, progress=progress.done)
        if not progress.finished:
            return
        self._finish()
        if progress.error:
            self.error(progress.error)
        elif progress.report is not None:
            self._show_report(progress.report)

    def _finish(self) -> None:
        self.job = None
        if self._poll is not None:
            self._poll.stop()
            self._poll = None
        self._lock_inputs(False)

    def _failed(self, error) -> None:
        self._finish()
        self.error(str(error))

    def _show_report(self, report) -> None:
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
            lines.append(_("Rejected rows written to {file} in the exports folder").format(file=report.rejects_path))
        self.query_one("#import-report", Static).update(Text("\n".join(lines)))
        table = self.query_one("#import-rejects", DataTable)
        table.clear()
        for item in report.rejects[:100]:
            table.add_row(Text(str(item.line)), Text(item.reason))
        table.display = bool(report.rejects)
        self.call(importer.inbox, done=self._inbox, failed=lambda error: None)

    def action_cancel(self) -> None:
        if self.running:
            self.call(importer.stop, self.job)
            self.notify(_("Stopping after the current batch…"))
            return
        self.dismiss(None)
