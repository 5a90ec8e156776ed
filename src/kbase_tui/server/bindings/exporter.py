"""Exports: written by the server into its exports folder, under a name it chooses."""

from kbase_tui.protocol import exporter as api
from kbase_tui.protocol.exporter import ExportFilter, ExportReport
from kbase_tui.services import exporter

from . import CallContext, adapter


@adapter(api.export_companies, exporter.export_to_folder)
def export_companies(context: CallContext, fmt: str = "csv", flt: ExportFilter = ExportFilter()) -> ExportReport:  # noqa: B008 (a frozen value)
    return exporter.export_to_folder(context.db, context.actor, context.server.exports_dir(), fmt=fmt, flt=flt)
