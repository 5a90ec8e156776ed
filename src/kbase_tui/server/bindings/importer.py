"""Imports: a file of the server's inbox, previewed, then imported as a job the app follows; the report (rejects,
possible duplicates, kept values) into the exports folder."""

from __future__ import annotations

import logging
from pathlib import Path

from kbase_tui.i18n import _
from kbase_tui.protocol import importer as api
from kbase_tui.protocol.errors import KbaseError, NotFound
from kbase_tui.protocol.importer import ImportPreview, ImportProgress, InboxFile
from kbase_tui.services.importing import runs, undo

from .. import files
from . import CallContext, adapter, service

log = logging.getLogger("kbase.server")


@adapter(api.inbox, runs.require_importer)
def inbox(context: CallContext) -> list[InboxFile]:
    runs.require_importer(context.db, context.actor)
    return [InboxFile(name, size, modified) for name, size, modified in files.list_folder(context.server.inbox_dir())]


@adapter(api.preview, runs.preview)
def preview(context: CallContext, file: str, columns: dict[str, list[int]] | None = None) -> ImportPreview:
    runs.require_importer(context.db, context.actor)
    state = context.server
    copy = files.private_copy(state.inbox_dir(), file, state.work_dir())
    try:
        found = runs.preview(state.database, context.actor, copy, columns=columns)
    finally:
        copy.unlink(missing_ok=True)
    # The app learns the inbox name, not the server's paths.
    from dataclasses import replace

    return replace(found, file=file, report=replace(found.report, path=file, report_path=None))


@adapter(api.start, runs.run_import)
def start(context: CallContext, file: str, columns: dict[str, list[int]] | None = None) -> str:
    runs.require_importer(context.db, context.actor)
    state, actor = context.server, context.actor
    copy = files.private_copy(state.inbox_dir(), file, state.work_dir())
    report_path = state.exports_dir() / files.stamped_name("import-report", actor.username, file, ".csv")

    def work(job):
        def progress(done: int, total: int) -> None:
            job.done, job.total = done, total

        try:
            with _language(actor):
                report = runs.run_import(
                    state.database,
                    actor,
                    copy,
                    progress=progress,
                    should_stop=job.stop.is_set,
                    report_path=report_path,
                    columns=columns,
                    name=file,
                )
                from dataclasses import replace

                return replace(report, path=file)  # the inbox name, not the private copy's
        finally:
            copy.unlink(missing_ok=True)

    def describe(error: BaseException) -> str:
        if isinstance(error, KbaseError):
            return str(error)
        log.error("import of %s failed", file, exc_info=error)
        with _language(actor):
            return _(
                "The import stopped on an unexpected error; the batches saved so far are kept. The "
                "administrator finds the details in the server's log."
            )

    return state.jobs.start(actor.id, work, describe).id


service(api.runs, undo.recent_runs)
service(api.undo, undo.undo_import)


@adapter(api.progress)
def progress(context: CallContext, job: str) -> ImportProgress:
    found = context.server.jobs.get(job, context.actor.id)
    if found is None:
        raise NotFound(_("This import is not known (the server may have been restarted)."))
    report = found.result if found.finished and not found.error else None
    if report is not None:
        report = _named_in_exports(report)
    return ImportProgress(
        job=found.id, done=found.done, total=found.total, finished=found.finished, report=report, error=found.error
    )


@adapter(api.stop)
def stop(context: CallContext, job: str) -> None:
    found = context.server.jobs.get(job, context.actor.id)
    if found is not None:
        found.stop.set()


def _named_in_exports(report):
    # The app learns the report's name in the exports folder, not the server's paths.
    from dataclasses import replace

    return replace(
        report, path=Path(report.path).name, report_path=Path(report.report_path).name if report.report_path else None
    )


def _language(actor):
    from kbase_tui.i18n import language_for

    return language_for(actor.language)
