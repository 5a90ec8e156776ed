"""Import a CSV or XLSX file into the cold queue: a preview first, then the import with a progress bar and the
report.

The file is one of the server's inbox (the head of sales drops files there over SFTP), or a
file on this computer, which the app uploads into the inbox first.  The server reads it and
answers with a preview (nothing written): the format it found, how each column will be
imported (changeable here), the first rows as they will be stored and the counts.  A second
Enter starts the import as a job on the server; this dialog follows its progress and can stop
it.  The report (rejected rows, possible duplicates, values kept) goes to a file in the
server's exports folder, which the report names.

Nothing can leave the dialog stuck: every failure unlocks it, and Esc pressed again while an
import is being stopped closes the dialog (the import goes on, or stops, on the server).
"""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widget import Widget
from textual.widgets import DataTable, Input, Label, ProgressBar, Select, Static

from kbase_tui.formatting import format_fraction
from kbase_tui.i18n import N_, _
from kbase_tui.labels import field_label
from kbase_tui.protocol import importer
from kbase_tui.protocol.importer import rejected_detail

from ..base import ignore_refusals
from ..widgets.form_dialog import SHORT_ROWS, DialogBody, ErrorLine, FormDialog
from ..widgets.formats import show_datetime
from ..widgets.table import ListTable

POLL_SECONDS = 0.3

# How a field is named in the column list where the card's word would not tell the columns apart ("name" of the
# company or of the contact person); every other field by the card's word (labels.field_label).
FIELD_LABELS = {
    "name": N_("company name"),
    "phone": N_("phone"),
    "contact": N_("contact person"),
    "contact_last": N_("contact's last name"),
    "contact_first": N_("contact's first name"),
    "contact_middle": N_("contact's patronymic"),
    "contact_phone": N_("contact's phone"),
    "contact_email": N_("contact's e-mail"),
    "comment": N_("comment"),
}


def _size(size: int) -> str:
    if size >= 1024 * 1024:
        return _("{n} MB").format(n=format_fraction(size / (1024 * 1024), 1, trim=True))
    return _("{n} KB").format(n=max(1, round(size / 1024)))


def _field_label(field: str) -> str:
    if not field:
        return _("(not imported)")
    return _(FIELD_LABELS[field]) if field in FIELD_LABELS else field_label(field)


def counts_in_pairs(lines: list[str], width: int) -> list[str]:
    """Two lines into one ("a · b") where both fit in *width*, in order; a line that does not fit stays alone."""
    from rich.cells import cell_len

    paired: list[str] = []
    index = 0
    while index < len(lines):
        first = lines[index]
        if index + 1 < len(lines) and cell_len(first) + 3 + cell_len(lines[index + 1]) <= width:
            paired.append(f"{first} · {lines[index + 1]}")
            index += 2
        else:
            paired.append(first)
            index += 1
    return paired


class ImportDialog(FormDialog):
    """Enter shows the preview of the chosen file, Enter again imports it; Esc stops an import after the current
    batch (kept), or closes."""

    COMPACT = True
    CSS_PATH = "import_dialog.tcss"

    BINDINGS = [
        Binding("escape", "cancel", _("Stop / close"), id="supervisor.import.cancel"),
        Binding("ctrl+z", "undo", _("Undo an import"), id="supervisor.import.undo"),
    ]

    def __init__(self, path: str = "") -> None:
        super().__init__()
        self.initial = path
        self.job: str | None = None
        self._poll = None
        self.busy = False  # an upload or a preview is on its way
        self.preview: importer.ImportPreview | None = None
        self.previewed_name: str | None = None  # the inbox name the preview is of
        self.uploaded: dict[str, str] = {}  # a path on this computer -> its name in the inbox
        self.columns: dict[str, list[int]] | None = None  # the person's own mapping
        self.stopping = False
        self._focus_before: Widget | None = None  # where the person was when a request went out

    @property
    def running(self) -> bool:
        return self.job is not None

    def compose(self) -> ComposeResult:
        with DialogBody(id="import-scroll"):
            yield Static(Text(_("Import companies into the cold-call queue")), classes="dialog-title")
            yield Label(_("A file in the server's inbox"))
            yield Select([], prompt=_("Loading the inbox…"), id="import-inbox")
            yield Label(_("or a file on this computer (CSV, text or XLSX)"))
            yield Input(self.initial, placeholder="~/leads.csv", id="import-path")
            yield Static("", id="import-format")
            # The file's columns, and beside them what the one under the cursor is imported as.
            with Horizontal(id="import-mapping"):
                yield ListTable(id="import-columns", cursor_type="row")
                with Vertical(id="import-mapping-field"):
                    yield Label(_("The chosen column is imported as"))
                    yield Select([], prompt=_("Imported as…"), id="import-field", allow_blank=True)
            yield ListTable(id="import-rows", cursor_type="row")
            yield ProgressBar(id="import-progress", show_eta=True)
            yield Static("", id="import-report")
            yield ListTable(id="import-rejects", cursor_type="row")
            yield ErrorLine()
            yield Static(
                Text(
                    _(
                        "Enter shows what the import will do; Enter again imports. Batches are saved as "
                        "they go; Esc stops after the current one."
                    )
                ),
                id="import-hint",
                classes="dialog-hint",
            )
            # Last: on a short terminal a preview and its hint fill the window, the latest imports are below it.
            yield Label(_("Latest imports (Ctrl+Z undoes the one under the cursor)"))
            yield ListTable(id="import-runs", cursor_type="row")

    def on_mount(self) -> None:
        self.query_one("#import-columns", DataTable).add_columns(_("Column"), _("Imported as"))
        self.query_one("#import-rows", DataTable).add_columns(
            _("Line"), _("Company"), _("INN"), _("Phones"), _("Contact"), _("E-mail"), _("City"), _("Outcome")
        )
        self.query_one("#import-rejects", DataTable).add_columns(_("Line"), _("What"), _("Detail"))
        self.query_one("#import-runs", DataTable).add_columns(*importer.run_headings())
        self.runs: list = []
        self._load_runs()
        field = self.query_one("#import-field", Select)
        field.set_options([(_("(not imported)"), "")] + [(_field_label(name), name) for name in importer.IMPORT_FIELDS])
        hidden = ("#import-format", "#import-mapping", "#import-rows", "#import-progress", "#import-report")
        for name in (*hidden, "#import-rejects"):
            self.query_one(name).display = False
        self.query_one("#import-path", Input).focus() if self.initial else self.query_one("#import-inbox").focus()
        self.call(importer.inbox, done=self._inbox, failed=lambda error: self.show_error(str(error)))

    def _load_runs(self) -> None:
        self.call(importer.runs, done=self._show_runs, failed=ignore_refusals, group="import-runs", exclusive=True)

    def _show_runs(self, runs) -> None:
        self.runs = list(runs)
        table = self.query_one("#import-runs", DataTable)
        table.clear()
        for run in self.runs:
            table.add_row(
                Text(show_datetime(run.started_at)),
                Text(run.file),
                Text(run.actor),
                Text(str(run.rows)),
                Text(str(run.imported)),
                Text(str(run.merged)),
                Text(show_datetime(run.undone_at) if run.undone_at else ""),
            )

    def action_undo(self) -> None:
        if self.running or self.busy:
            return
        row = self.query_one("#import-runs", DataTable).cursor_row
        if not 0 <= row < len(self.runs):
            self.show_error(_("There is no import to undo."))
            return
        run = self.runs[row]
        if run.undone_at is not None:
            self.show_error(_("This import was already undone."))
            return
        from ..widgets.confirm import ConfirmDialog

        question = _(
            "Undo the import of {file} ({when}, {n} new companies)? Its companies nobody has worked on "
            "since are deleted; what it added to other companies is removed."
        ).format(file=run.file, when=show_datetime(run.started_at), n=run.imported)
        self.app.push_screen(ConfirmDialog(question), lambda yes: yes and self._undo(run.id))

    def _undo(self, run_id: int) -> None:
        self._set_busy(True)
        self.call(importer.undo, run_id, done=self._undone, failed=self._failed)

    def _undone(self, report) -> None:
        self._set_busy(False)
        self._report(
            Text(
                "\n".join(
                    [
                        _("Import undone."),
                        _("Companies deleted: {n}").format(n=report.removed),
                        _("Companies kept (worked on since): {n}").format(n=report.kept),
                        _("Fields emptied again: {n}").format(n=report.fields_cleared),
                        _("Phones removed from other companies: {n}").format(n=report.phones_removed),
                        _("Contact persons removed from other companies: {n}").format(n=report.contacts_removed),
                    ]
                )
            )
        )
        self.query_one("#import-rejects", DataTable).display = False
        self._load_runs()

    def _inbox(self, found) -> None:
        inbox = self.query_one("#import-inbox", Select)
        inbox.set_options(
            [(f"{item.name} · {_size(item.size)} · {show_datetime(item.modified)}", item.name) for item in found]
        )
        inbox.prompt = _("Choose a file") if found else _("The inbox is empty")

    # choosing a file forgets the preview of another
    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "import-path" and not self.running:
            self._forget_preview()

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "import-inbox" and not self.running:
            self._forget_preview()
        elif event.select.id == "import-field":
            self._field_chosen(event.value)

    def _forget_preview(self) -> None:
        if self.preview is None:
            return
        self.preview = self.previewed_name = self.columns = None
        for name in ("#import-format", "#import-mapping", "#import-rows"):
            self.query_one(name).display = False
        self.query_one("#import-format", Static).update("")

    def on_input_submitted(self, _event: Input.Submitted) -> None:
        self.action_save()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.data_table.id == "import-columns":
            self.query_one("#import-field", Select).focus()
        elif event.data_table.id == "import-rows":
            self.action_save()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.data_table.id == "import-columns" and self.preview is not None:
            column = self.preview.columns[event.cursor_row]
            field = self.query_one("#import-field", Select)
            with field.prevent(Select.Changed):
                field.value = column.field

    def action_save(self) -> None:
        if self.running or self.busy:
            return
        typed = self.query_one("#import-path", Input).value.strip()
        chosen = self.query_one("#import-inbox", Select).value
        if self.preview is not None and self.previewed_name is not None:
            self._start(self.previewed_name)
            return
        if typed:
            path = Path(typed).expanduser()
            if path.is_dir():
                self.show_error(_("{path} is a folder, not a file: name a file in it.").format(path=str(path)))
                return
            if not path.is_file():
                self.show_error(_("There is no file {path} on this computer.").format(path=str(path)))
                return
            self._set_busy(True)
            self.show_error(_("Sending the file to the server…"))
            self.run_worker(self._upload_then_preview(path), group="import", exit_on_error=False)
        elif isinstance(chosen, str):
            self._set_busy(True)
            self._ask_preview(chosen)
        else:
            self.show_error(_("Choose a file from the inbox or name one on this computer."))

    async def _upload_then_preview(self, path: Path) -> None:
        key = str(path.resolve())
        try:
            name = self.uploaded.get(key) or await self.kbase.client.upload(path)
        except Exception as error:
            self._failed(error)
            return
        self.uploaded[key] = name
        self._ask_preview(name)

    def _ask_preview(self, name: str) -> None:
        self.show_error(_("Reading the file…"))
        self.call(
            importer.preview,
            name,
            self.columns,
            done=lambda found: self._previewed(name, found),
            failed=self._failed,
            group="import-preview",
            exclusive=True,
        )

    def _previewed(self, name: str, preview) -> None:
        self._set_busy(False)
        self.show_error("")
        self.preview, self.previewed_name = preview, name
        report = preview.report
        fmt = (
            f"CSV, {preview.encoding}, " + (_("tab") if preview.delimiter == "\t" else repr(preview.delimiter))
            if preview.kind == "csv"
            else "XLSX"
        )
        counts = [
            _("Format: {fmt}").format(fmt=fmt),
            _("Rows: {n}").format(n=report.rows)
            + (" " + _("(counted: the first {n})").format(n=report.rows) if preview.partial else ""),
            _("New: {n}").format(n=report.imported),
            _("Merged: {n}").format(n=report.merged),
            _("Already in the base: {n}").format(n=report.unchanged),
            _("Possible duplicates: {n}").format(n=report.possible_duplicates),
            _("Without a phone: {n}").format(n=report.needs_research),
            _("Rejected: {n}").format(n=report.rejected),
        ]
        self.query_one("#import-format", Static).update(Text(" · ".join(counts)))
        columns = self.query_one("#import-columns", DataTable)
        columns.clear()
        for column in preview.columns:
            columns.add_row(Text(column.header or "—"), Text(_field_label(column.field)))
        rows = self.query_one("#import-rows", DataTable)
        rows.clear()
        for row in preview.rows:
            rows.add_row(
                Text(str(row.line)),
                Text(row.name),
                Text(row.inn),
                Text(", ".join(row.phones)),
                Text(row.contact),
                Text(row.email),
                Text(row.city),
                Text(row.outcome),
            )
        for widget in ("#import-format", "#import-mapping", "#import-rows"):
            self.query_one(widget).display = True
        self._report(None)  # the last import's report: the preview of the next file takes its place
        self._show_notes(report)
        self.query_one("#import-hint", Static).update(
            Text(
                _(
                    "Check the columns (choose one and change what it is imported as) and the rows; Enter imports, Esc "
                    "closes without importing."
                )
            )
        )
        self.query_one("#import-rows", DataTable).focus()

    def _field_chosen(self, value) -> None:
        if self.preview is None or self.running or self.busy:
            return
        row = self.query_one("#import-columns", DataTable).cursor_row
        if not 0 <= row < len(self.preview.columns):
            return
        wanted = value if isinstance(value, str) else ""
        if self.preview.columns[row].field == wanted:
            return
        mapping: dict[str, list[int]] = {}
        for column in self.preview.columns:
            field = wanted if column.index == row else column.field
            if field:
                mapping.setdefault(field, []).append(column.index)
        self.columns = mapping
        name = self.previewed_name
        if name is not None:
            self._set_busy(True)
            self._ask_preview(name)

    def _start(self, name: str) -> None:
        self._set_busy(True)
        self.show_error("")
        self.call(importer.start, name, self.columns, done=self._started, failed=self._failed)

    def _set_busy(self, busy: bool) -> None:
        if busy and not self.busy:
            # Disabling the focused path field moves the focus on, to the latest imports; a failure gives it
            # back (typing went nowhere there, and Ctrl+Z undid an import).
            self._focus_before = self.focused
        self.busy = busy
        self.query_one("#import-path", Input).disabled = busy or self.running
        self.query_one("#import-inbox", Select).disabled = busy or self.running

    def _started(self, job: str) -> None:
        self.job = job
        self.busy = False
        self.stopping = False
        bar = self.query_one("#import-progress", ProgressBar)
        bar.update(total=None, progress=0)
        bar.display = True
        self.query_one("#import-hint", Static).update(
            Text(_("Importing. Batches are saved as they go; Esc stops after the current one."))
        )
        self._poll = self.set_interval(POLL_SECONDS, self._ask_progress)

    def _ask_progress(self) -> None:
        if self.job is not None:
            self.call(
                importer.progress,
                self.job,
                done=self._progressed,
                failed=self._failed,
                group="import-poll",
                exclusive=True,
            )

    def _progressed(self, progress) -> None:
        bar = self.query_one("#import-progress", ProgressBar)
        if progress.total:
            bar.update(total=progress.total, progress=progress.done)
        if not progress.finished:
            return
        self._finish()
        if progress.error:
            bar.display = False
            self.show_error(progress.error)
        elif progress.report is not None:
            self._show_report(progress.report)

    def _finish(self) -> None:
        self.job = None
        self.stopping = False
        if self._poll is not None:
            self._poll.stop()
            self._poll = None
        self._forget_preview()
        self._set_busy(False)
        self.query_one("#import-hint", Static).update(
            Text(_("Enter shows what the import will do; Enter again imports. Esc closes."))
        )

    def _failed(self, error) -> None:
        if self.running:
            self._finish()
        self._set_busy(False)
        # An indeterminate bar would look like work going on: it goes away with the error.
        self.query_one("#import-progress", ProgressBar).display = False
        self.show_error(str(error))
        self._focus_back()

    def _focus_back(self) -> None:
        """The focus where the person was before the request went out, or in the path field."""
        before, self._focus_before = self._focus_before, None
        if before is not None and before.is_attached and before.display and not before.disabled:
            before.focus()
        else:
            self.query_one("#import-path", Input).focus()

    def _show_report(self, report) -> None:
        lines = [
            _("Rows read: {n}").format(n=report.rows),
            _("New companies: {n}").format(n=report.imported),
            _("Merged into existing: {n}").format(n=report.merged),
            _("Already in the base: {n}").format(n=report.unchanged),
            _("Possible duplicates: {n}").format(n=report.possible_duplicates),
            _("Values kept (the file differs): {n}").format(n=report.conflicts),
            _("Without a phone (for research, not the queue): {n}").format(n=report.needs_research),
            _("Rejected: {n}").format(n=report.rejected),
        ]
        if self.app.size.height < SHORT_ROWS:
            # On a short terminal the counts go two a line where they fit: the rejected rows, the hint and the
            # list of imports (what Ctrl+Z undoes) stay in view under them at 80x24.
            width = self.query_one("#import-scroll").content_region.width or self.app.size.width - 4
            lines = counts_in_pairs(lines, width)
        # The counts say how far it went (rows read): a full bar above them says nothing more.
        self.query_one("#import-progress", ProgressBar).display = False
        if report.stopped:
            lines.append(_("Stopped: the batches saved so far are kept; run it again to finish."))
        if report.report_path:
            lines.append(_("The report is {file} in the exports folder").format(file=report.report_path))
        self._report(Text("\n".join(lines)))
        self._show_notes(report)
        self.call(importer.inbox, done=self._inbox, failed=ignore_refusals)
        self._load_runs()

    def _report(self, text: Text | None) -> None:
        """What the last import or undo did, under the progress bar; None hides it (a blank line otherwise)."""
        report = self.query_one("#import-report", Static)
        report.update(text or "")
        report.display = text is not None

    def _show_notes(self, report) -> None:
        table = self.query_one("#import-rejects", DataTable)
        table.clear()
        # The rejected rows first (on a short terminal the table shows only its first lines), then the rest.
        items = [(0, r.line, _(importer.NOTE_KINDS["rejected"]), rejected_detail(r)) for r in report.rejects[:100]]
        items += [(1, n.line, _(importer.NOTE_KINDS.get(n.kind, n.kind)), n.text) for n in report.notes[:100]]
        for _rank, line, kind, text in sorted(items, key=lambda item: item[:2]):
            table.add_row(Text(str(line)), Text(kind), Text(text))
        table.display = bool(items)

    def action_cancel(self) -> None:
        if self.running and not self.stopping:
            self.stopping = True
            self.call(importer.stop, self.job)
            self.notify(_("Stopping after the current batch… (Esc again closes this window)"))
            return
        if self.running:
            # A second Esc: the server stops the import after its batch, the report goes to the exports folder;
            # nothing keeps this window open.
            self._finish()
            self.dismiss(None)
            return
        self.close_unless_typed()
