"""Export companies of a stage or category to CSV or XLSX (audited with the row count).

The server writes the file into its exports folder under a name it chooses (what, when, who);
the dialog asks for no path and says which file it was, for the head of sales to collect.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Input, Label, Select, Static

from kbase_tui.i18n import _
from kbase_tui.labels import category_label, stage_label

from ..widgets.form_dialog import DialogBody, ErrorLine, FormDialog


class ExportDialog(FormDialog):
    COMPACT = True
    BINDINGS = [Binding("enter", "save", _("Export"), show=False, id="supervisor.export.enter")]

    def compose(self) -> ComposeResult:
        with DialogBody():
            yield Static(Text(_("Export companies")), classes="dialog-title")
            yield Label(_("Format"))
            yield Select(
                [(_("CSV (Excel, semicolons)"), "csv"), ("XLSX", "xlsx")],
                value="csv",
                allow_blank=False,
                id="export-format",
            )
            yield Label(_("Stage"))
            yield Select(
                [(stage_label(s), s) for s in ("cold", "pipeline", "account")],
                prompt=_("All stages"),
                id="export-stage",
            )
            yield Label(_("Category"))
            yield Select(
                [(category_label(c), c) for c in ("potential", "active", "lost", "refused", "do_not_call")],
                prompt=_("All categories"),
                id="export-category",
            )
            yield Label(_("Channel (exact, optional)"))
            yield Input("", id="export-channel")
            yield Label(_("Industry (exact, optional)"))
            yield Input("", id="export-industry")
            yield ErrorLine()
            yield Static(
                Text(
                    _(
                        "Ctrl+S exports into the server's exports folder; the export is recorded in the "
                        "audit log. Esc cancels."
                    )
                ),
                classes="dialog-hint",
            )

    def on_mount(self) -> None:
        self.query_one("#export-format", Select).focus()

    def on_input_submitted(self, _event: Input.Submitted) -> None:
        self.action_save()

    def action_save(self) -> None:
        from kbase_tui.protocol import exporter

        def value(selector: str):
            v = self.query_one(selector, Select).value
            return v if isinstance(v, str) else None

        flt = exporter.ExportFilter(
            stage=value("#export-stage"),
            category=value("#export-category"),
            channel=self.query_one("#export-channel", Input).value.strip() or None,
            industry=self.query_one("#export-industry", Input).value.strip() or None,
        )
        self.show_error(_("Exporting…"))
        self.call(
            exporter.export_companies,
            value("#export-format") or "csv",
            flt,
            done=self._done,
            failed=lambda error: self.show_error(str(error)),
        )

    def _done(self, report) -> None:
        self.notify(
            _("{rows} companies written to {file} in the exports folder").format(rows=report.rows, file=report.path),
            timeout=10,
        )
        self.dismiss(report)
