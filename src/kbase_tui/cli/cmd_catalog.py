"""`kbase catalog import FILE`: a price list or a 1C nomenclature list (CSV or XLSX) into the catalog.

The same reading as the head of sales' catalog screen (services.catalog.import_price_list), audited as the
server's owner (`local:<OS user>`).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from kbase_tui.i18n import _


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "catalog",
        help=_("read a price list or a 1C nomenclature list into the catalog"),
        description=_(
            "Reads a CSV or XLSX price list (or a 1C nomenclature list) into the catalog of product categories and "
            "products: a name column, and if there are, code, category (or 1C group rows), unit and price. Products "
            "already in the catalog are updated."
        ),
    )
    actions = parser.add_subparsers(dest="catalog_command", required=True)
    read = actions.add_parser("import", help=_("read a price list into the catalog"))
    read.add_argument("file", type=Path, help=_("the CSV or XLSX file"))
    read.add_argument(
        "--category", default="", help=_("the category of products listed before any group (default: Other)")
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from kbase_tui.services import catalog, users
    from kbase_tui.services.setup import open_existing_database

    database = open_existing_database(args.db)
    report = catalog.import_price_list(database, users.local_actor(), args.file, default_category=args.category)
    print(
        _("{file}: {rows} rows, {added} products added, {updated} updated, {cats} new categories").format(
            file=report.file,
            rows=report.rows,
            added=report.products_added,
            updated=report.products_updated,
            cats=report.categories_added,
        )
    )
    for line in report.rejected:
        print(_("Not read: ") + line)
    return 0
