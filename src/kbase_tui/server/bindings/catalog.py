"""The catalog: reading it, the head of sales' edits, and a price list read from the server's inbox."""

from __future__ import annotations

from dataclasses import replace

from kbase_tui.protocol import catalog as api
from kbase_tui.protocol.catalog import CatalogImportReport
from kbase_tui.services import catalog

from .. import files
from . import CallContext, adapter, service

service(api.categories, catalog.categories)
service(api.products, catalog.products)
service(api.save_category, catalog.save_category)
service(api.save_product, catalog.save_product)
service(api.order_lines, catalog.order_lines)


@adapter(api.import_file, catalog.import_price_list)
def import_file(context: CallContext, file: str) -> CatalogImportReport:
    with context.db.read() as session:
        catalog.require_editor(session, context.actor)
    state = context.server
    copy = files.private_copy(state.inbox_dir(), file, state.work_dir())
    try:
        report = catalog.import_price_list(context.db, context.actor, copy, name=file)
    finally:
        copy.unlink(missing_ok=True)
    return replace(report, file=file)  # the inbox name, not the server's path
