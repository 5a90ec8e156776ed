"""The catalog: product categories and products, edited by the head of sales, imported from a price list.

Account managers read it to put products or categories on an order's lines; only the head of sales
changes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .operations import operation
from .types import Count, Id, Name, Search


@dataclass(frozen=True)
class CategoryInfo:
    id: int
    name: str
    active: bool
    products: int


@dataclass(frozen=True)
class ProductInfo:
    id: int
    category_id: int
    category_name: str
    code: str
    name: str
    unit: str
    price: Decimal | None
    active: bool


@dataclass(frozen=True)
class ProductPage:
    rows: tuple[ProductInfo, ...]
    total: int
    offset: int


@dataclass(frozen=True)
class CatalogImportReport:
    file: str
    rows: int
    categories_added: int
    products_added: int
    products_updated: int
    rejected: tuple[str, ...]  # "line N: why", at most a hundred


@dataclass(frozen=True)
class OrderLineInput:
    """One line of a new order: a product, or a category, or free text (a one-off), with its amount."""

    amount: Decimal
    product_id: int | None = None
    category_id: int | None = None
    text: str = ""
    quantity: Decimal | None = None
    margin: Decimal | None = None


@dataclass(frozen=True)
class OrderLineInfo:
    id: int
    order_id: int
    product_id: int | None
    category_id: int | None
    category_name: str
    text: str  # the product's name, else the typed text
    quantity: Decimal | None
    amount: Decimal
    margin: Decimal | None


@operation("catalog.categories", reads=True)
def categories(*, include_inactive: bool = False) -> list[CategoryInfo]:
    """The product categories by name, with the number of products in each."""


@operation("catalog.products", reads=True)
def products(
    *,
    category_id: Id | None = None,
    find: Search = "",
    include_inactive: bool = False,
    offset: Count = 0,
    limit: Count = 100,
) -> ProductPage:
    """Products (of one category, or matching a search of name or code), by category and name, paged."""


@operation("catalog.save_category")
def save_category(name: Name, *, category_id: Id | None = None, active: bool = True) -> CategoryInfo:
    """Add a category, or rename / hide one (head of sales)."""


@operation("catalog.save_product")
def save_product(
    category_id: Id,
    name: Name,
    *,
    product_id: Id | None = None,
    code: Name = "",
    unit: Name = "",
    price: Decimal | None = None,
    active: bool = True,
) -> ProductInfo:
    """Add a product or change one (head of sales)."""


@operation("catalog.import_file")
def import_file(file: Name) -> CatalogImportReport:
    """Read a price list or a 1C nomenclature list from the server's inbox into the catalog (head of sales)."""


@operation("catalog.order_lines", reads=True)
def order_lines(order_id: Id) -> list[OrderLineInfo]:
    """The lines of one order of a client the user may see."""
