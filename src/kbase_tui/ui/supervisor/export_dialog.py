"""Export companies of a stage or category to CSV or XLSX (audited with the row count)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Input, Label, Select, Static

from kbase_tui.i18n import _
from kbase_tui.labels import category_label, stage_label

from .dialogs import SupervisorModal


class ExportDialog(SupervisorModal):
    BINDINGS = [Binding("enter", "accept", _("Export"), show=False, id="supervisor.export.enter")]

    def compose(self) -> ComposeResult:
        default = Path.home() / f"kbase-export-{datetime.now():%Y%m%d-%H%M}.csv"
        with VerticalScroll(classes="dialog"):
            yield Static(Text(_("Export companies")), classes="dialog-title")
            yield Label(_("File (.csv or .xlsx) on the server"))
            yield Input(str(default), id="export-path")
            yield Label(_("Stage"))
            yield Select([(stage_label(s), s) for s in ("cold", "pipeline", "account")], prompt=_("All stages"),
                         id="export-stage")
            yield Label(_("Category"))
            yield Select([(category_label(c), c) for c in ("potential", "active", "lost", "refused", "do_not_call")],
                         prompt=_("All categories"), id="export-category")
            yield Label(_("Channel (exact, optional)"))
            yield Input("", id="export-channel")
            yield Label(_("Industry (exact, optional)"))
            yield Input("", id="export-industry")
            yield Static("", classes="dialog-error")
            yield Static(Text(_("Ctrl+S exports; the export is recorded in the audit log. Esc cancels.")),
                         classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one("#export-path", Input).focus()

    def on_input_submitted(self, _event: Input.Submitted) -> None:
        self.action_accept()

    def action_accept(self) -> None:
        from kbase_tui.services import exporter

        def value(selector: str):
            v = self.query_one(selector, Select).value
            return v if isinstance(v, str) else None

        path = self.query_one("#export-path", Input).value.strip()
        if not path:
            self.error(_("Name the file to write."))
            return
        flt = exporter.ExportFilter(
            stage=value("#export-stage"), category=value("#export-category"),
            channel=self.query_one("#export-channel", Input).value.strip() or None,
            industry=self.query_one("#export-industry", Input).value.strip() or None,
        )
        self.call_service(exporter.export_companies, self.actor, path, flt=flt, done=self._done,
                          failed=lambda error: self.error(str(error)))

    def _done(self, report) -> None:
        self.notify(_("{rows} companies written to {path}").format(rows=report.rows, path=report.path), timeout=8)
        self.dismiss(report)
