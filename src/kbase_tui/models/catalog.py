"""What the company sells and what a client should buy: the catalog, order lines, the standards of
client development (the ideal client per segment) and the supervisor's focus targets."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Column, Index, Numeric, UniqueConstraint
from sqlmodel import Field, SQLModel

from .base import utcnow


class ProductCategory(SQLModel, table=True):
    """A product category (товарная категория): the unit of the standards and of the white spots."""

    __tablename__ = "product_category"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    # casefold() of the name with ё→е, unique: "Крепёж" and "крепеж" are one category.
    name_search: str = Field(max_length=200, unique=True)
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    version: int = 1


class Product(SQLModel, table=True):
    """A product (номенклатура) of one category, with its article code and list price."""

    __tablename__ = "product"
    __table_args__ = (Index("ix_product_category", "category_id", "name_search"),)

    id: int | None = Field(default=None, primary_key=True)
    category_id: int = Field(foreign_key="product_category.id")
    code: str = Field(default="", max_length=64, index=True)  # article / 1C code; "" when the list has none
    name: str = Field(max_length=300)
    name_search: str = Field(default="", max_length=300)
    unit: str = Field(default="", max_length=16)
    price: Decimal | None = Field(default=None, sa_column=Column(Numeric(16, 2), nullable=True))
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    version: int = 1


class OrderLine(SQLModel, table=True):
    """One line of an order: a product, a whole category, or free text for a one-off.

    The company and the order date are copied from the order so that what a client buys per
    category and period is read from one index, without joining the orders."""

    __tablename__ = "order_line"
    __table_args__ = (Index("ix_order_line_company", "company_id", "category_id", "ordered_at"),)

    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="client_order.id", index=True)
    company_id: int = Field(foreign_key="company.id")
    ordered_at: date
    product_id: int | None = Field(default=None, foreign_key="product.id")
    category_id: int | None = Field(default=None, foreign_key="product_category.id")
    text: str = ""
    quantity: Decimal | None = Field(default=None, sa_column=Column(Numeric(14, 3), nullable=True))
    amount: Decimal = Field(sa_column=Column(Numeric(16, 2), nullable=False))
    margin: Decimal | None = Field(default=None, sa_column=Column(Numeric(16, 2), nullable=True))


class ClientStandard(SQLModel, table=True):
    """The ideal client of a segment (a sales channel or an industry): what such a client should buy,
    how often and for how much."""

    __tablename__ = "client_standard"
    __table_args__ = (UniqueConstraint("segment_kind", "segment"),)

    id: int | None = Field(default=None, primary_key=True)
    segment_kind: str = Field(max_length=16)  # channel | industry
    segment: str = Field(max_length=120)
    interval_days: int = 30  # an order every so many days
    average_order: Decimal = Field(sa_column=Column(Numeric(16, 2), nullable=False))
    note: str = ""
    updated_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    updated_at: datetime = Field(default_factory=utcnow)
    version: int = 1


class StandardCategory(SQLModel, table=True):
    """A category the ideal client of a standard buys."""

    __tablename__ = "standard_category"

    standard_id: int = Field(foreign_key="client_standard.id", primary_key=True)
    category_id: int = Field(foreign_key="product_category.id", primary_key=True)


class FocusTarget(SQLModel, table=True):
    """A focus indicator for a period: sell this category to this segment (to every account manager,
    or one), measured as an amount or as a number of clients who bought it."""

    __tablename__ = "focus_target"
    __table_args__ = (Index("ix_focus_target_period", "ends_on", "starts_on"),)

    id: int | None = Field(default=None, primary_key=True)
    starts_on: date
    ends_on: date  # inclusive
    category_id: int = Field(foreign_key="product_category.id")
    segment_kind: str = Field(default="", max_length=16)  # "" (every client) | channel | industry
    segment: str = Field(default="", max_length=120)
    manager_id: int | None = Field(default=None, foreign_key="user_account.id")  # None: each account manager
    metric: str = Field(max_length=16)  # amount | clients
    value: Decimal = Field(sa_column=Column(Numeric(16, 2), nullable=False))
    created_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    created_at: datetime = Field(default_factory=utcnow)
