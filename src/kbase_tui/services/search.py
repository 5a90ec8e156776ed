"""Case-insensitive search and sort of Cyrillic names, the same on SQLite and PostgreSQL.

SQLite's `lower()`, `LIKE` and `NOCASE` fold only ASCII, and PostgreSQL's order depends on
the database collation.  So the searchable columns hold `kbase_tui.textnorm.fold()` of the
text (casefold, ё→е, spaces squeezed; kept by an ORM event in models/clients.py), the
query text is folded the same way, and sorting compares code points of the folded text on
both back ends.

    from kbase_tui.services.search import company_name_filter, company_name_order

    statement = (
        select(Company)
        .where(company_visibility(actor), company_name_filter(query_text))
        .order_by(*company_name_order())
    )

`company_name_filter("ромашка")` finds «ООО РОМАШКА»; «ёлка» and «елка» find each other;
every word must occur ("ромашка москва" needs both), in any order; `%` and `_` typed by the
user are literal.  An empty query matches everything.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, true
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import String

from kbase_tui.models import Company
from kbase_tui.textnorm import fold

LIKE_ESCAPE = "\\"
MAX_WORDS = 8


def escape_like(text: str) -> str:
    """*text* with LIKE wildcards (`%`, `_`) and the escape character made literal."""
    return text.replace(LIKE_ESCAPE, LIKE_ESCAPE * 2).replace("%", LIKE_ESCAPE + "%").replace("_", LIKE_ESCAPE + "_")


def query_words(query_text: str | None) -> list[str]:
    """The folded words of a query ("ООО  Ёлка" -> ["ооо", "елка"]), at most MAX_WORDS."""
    return fold(query_text or "").split()[:MAX_WORDS]


def folded_contains(column: Any, query_text: str | None) -> ColumnElement[bool]:
    """Every folded word of *query_text* occurs in the folded *column* (True for an empty query)."""
    words = query_words(query_text)
    if not words:
        return true()
    return and_(*(column.like(f"%{escape_like(word)}%", escape=LIKE_ESCAPE) for word in words))


def folded_prefix(column: Any, query_text: str | None) -> ColumnElement[bool]:
    """The folded *column* starts with the folded *query_text* (an index can serve it)."""
    needle = fold(query_text or "")
    if not needle:
        return true()
    return column.like(f"{escape_like(needle)}%", escape=LIKE_ESCAPE)


def company_name_filter(query_text: str | None) -> ColumnElement[bool]:
    """WHERE clause: the company name contains every word of *query_text*, case- and ё-insensitive."""
    return folded_contains(Company.name_search, query_text)


def company_city_filter(query_text: str | None) -> ColumnElement[bool]:
    """WHERE clause: the city contains every word of *query_text*, case- and ё-insensitive."""
    return folded_contains(Company.city_search, query_text)


class codepoint_order(FunctionElement):
    """`expr` compared by code points: COLLATE "C" on PostgreSQL, BINARY on SQLite."""

    type = String()
    inherit_cache = True
    name = "codepoint_order"


@compiles(codepoint_order)
def _codepoint_default(element, compiler, **kw):  # pragma: no cover - other back ends
    return compiler.process(element.clauses, **kw)


@compiles(codepoint_order, "sqlite")
def _codepoint_sqlite(element, compiler, **kw):
    return f"{compiler.process(element.clauses, **kw)} COLLATE BINARY"


@compiles(codepoint_order, "postgresql")
def _codepoint_postgresql(element, compiler, **kw):
    return f'{compiler.process(element.clauses, **kw)} COLLATE "C"'


def company_name_order(*, descending: bool = False) -> tuple[ColumnElement[Any], ...]:
    """ORDER BY terms: folded name (а…я with ё as е, the same on both back ends), then id."""
    key = codepoint_order(Company.name_search)
    if descending:
        return key.desc(), Company.id.desc()
    return key.asc(), Company.id.asc()


def sort_key(text: str) -> str:
    """The same order in Python, for lists sorted after loading."""
    return fold(text)
