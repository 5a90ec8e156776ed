"""The client card and its contact persons."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import Column, Index, Numeric, event, text
from sqlmodel import Field, SQLModel

from kbase_tui.textnorm import fold

from .base import EPOCH, utcnow


class Category(StrEnum):
    """Client category from the texts: ПКБ, АКБ, lost, refused, do-not-call."""

    POTENTIAL = "potential"
    ACTIVE = "active"
    LOST = "lost"
    REFUSED = "refused"
    DO_NOT_CALL = "do_not_call"


class Stage(StrEnum):
    """The link of the conveyor that owns the company now."""

    COLD = "cold"
    PIPELINE = "pipeline"
    ACCOUNT = "account"


class Company(SQLModel, table=True):
    __tablename__ = "company"
    __table_args__ = (
        # The cold-call queue scans this partial index in claim order, one (time zone, sales
        # channel) pair at a time (only the pairs inside their calling window now), so taking the
        # next lead stays O(pairs * log n) at a million companies.
        Index(
            "ix_company_queue",
            "time_zone",
            "channel",
            "queue_rank",
            "last_tried_at",
            "id",
            sqlite_where=text("in_queue = 1"),
            postgresql_where=text("in_queue"),
        ),
        Index("ix_company_stage_owner", "stage", "owner_id"),
        # The account manager's list: count, due count and sort read this index, not the rows
        # (migration 0008).
        Index(
            "ix_company_account_list",
            "owner_id",
            "stage",
            "category",
            "next_follow_up_at",
            "next_purchase_at",
            "last_order_at",
            "first_order_at",
            "orders_count",
            "next_purchase_is_stated",
        ),
        # Partial: most companies have no holder, no callback and no INN. Indexing only the
        # rows that do keeps these B-trees small, so taking a lead (which moves the company into
        # and out of the holder index) and importing a million rows write far fewer pages.
        Index(
            "ix_company_callback",
            "callback_user_id",
            "callback_at",
            sqlite_where=text("callback_user_id IS NOT NULL"),
            postgresql_where=text("callback_user_id IS NOT NULL"),
        ),
        Index(
            "ix_company_held_by_id",
            "held_by_id",
            sqlite_where=text("held_by_id IS NOT NULL"),
            postgresql_where=text("held_by_id IS NOT NULL"),
        ),
        Index("ix_company_inn", "inn", sqlite_where=text("inn IS NOT NULL"), postgresql_where=text("inn IS NOT NULL")),
    )

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=300)
    # casefold() of the name with ё→е: SQLite folds only ASCII.
    name_search: str = Field(default="", max_length=300, index=True)
    inn: str | None = Field(default=None, max_length=12)
    city: str = Field(default="", max_length=120)
    city_search: str = Field(default="", max_length=120)
    industry: str = Field(default="", max_length=120, index=True)
    channel: str = Field(default="", max_length=60, index=True)
    size: str = Field(default="", max_length=20)
    source: str = Field(default="", max_length=60)
    website: str = Field(default="", max_length=200)
    email: str = Field(default="", max_length=200)
    address: str = Field(default="", max_length=300)
    # The client's IANA zone ('' not known: the call centre's), from its phones, else its city
    # (kbase_tui.timezones); the queue calls it only inside the calling window of this clock.
    time_zone: str = Field(default="", max_length=64, sa_column_kwargs={"server_default": ""})

    abcde_class: str = Field(default="", max_length=1)
    is_key_client: bool = False
    potential_score: int = 0  # 0..100, set by the account manager or supervisor
    category: str = Field(default=Category.POTENTIAL, max_length=16, index=True)
    stage: str = Field(default=Stage.COLD, max_length=16)
    owner_id: int | None = Field(default=None, foreign_key="user_account.id")
    shelved_until: datetime | None = None
    requirements: str = ""

    # --- cold-call queue state (see services.queue) ---
    in_queue: bool = False
    queue_rank: int = 100  # lower is earlier; special offers and priority segments go first
    priority: int = 100
    last_tried_at: datetime = Field(default=EPOCH)
    not_before: datetime | None = None  # retry delay after no answer / busy
    attempts: int = 0
    last_outcome: str = Field(default="", max_length=32)
    held_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    held_until: datetime | None = None
    callback_user_id: int | None = Field(default=None, foreign_key="user_account.id")
    callback_at: datetime | None = None
    special_offer: str = ""
    special_offer_user_id: int | None = Field(default=None, foreign_key="user_account.id")
    unreachable: bool = False
    needs_data_fix: bool = False
    # Set while this company is a duplicate merged into another (models/merges.py): it leaves every
    # list and the queue, and its rows live with the other company until the merge is undone.
    merged_into_id: int | None = None

    # --- account figures, kept with each order so the lists never aggregate ---
    orders_count: int = 0
    revenue_total: Decimal = Field(
        default=Decimal("0"), sa_column=Column(Numeric(16, 2), nullable=False, server_default="0")
    )
    margin_total: Decimal | None = Field(default=None, sa_column=Column(Numeric(16, 2), nullable=True))
    first_order_at: date | None = None
    last_order_at: date | None = None
    next_purchase_at: date | None = None
    next_purchase_is_stated: bool = False  # named by the client, not predicted
    next_follow_up_at: datetime | None = None
    # The import that created the company (undo finds its companies by it).  No index and no foreign key: a
    # million-row import writes it on every row, and an undo scans the table once.
    import_run_id: int | None = None

    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    version: int = 1


class Contact(SQLModel, table=True):
    """A contact person (ЛПР when is_decision_maker)."""

    __tablename__ = "contact"

    id: int | None = Field(default=None, primary_key=True)
    company_id: int = Field(foreign_key="company.id", index=True)
    full_name: str = Field(max_length=200)
    position: str = Field(default="", max_length=200)
    is_decision_maker: bool = False
    email: str = Field(default="", max_length=200)
    birthday: date | None = None
    import_run_id: int | None = None  # the import that added the contact (as on company)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    version: int = 1


class Phone(SQLModel, table=True):
    """A phone number in E.164, of the company or of one contact person."""

    __tablename__ = "phone"

    id: int | None = Field(default=None, primary_key=True)
    company_id: int = Field(foreign_key="company.id", index=True)
    contact_id: int | None = Field(default=None, foreign_key="contact.id", index=True)
    number: str = Field(max_length=32, index=True)  # E.164, e.g. +74951234567
    label: str = Field(default="", max_length=40)
    import_run_id: int | None = None  # the import that added the number (as on company)


@event.listens_for(Company, "before_insert")
@event.listens_for(Company, "before_update")
def _keep_search_columns(_mapper, _connection, company: Company) -> None:
    # Bulk imports through Core set these themselves; the ORM path is covered here.
    company.name_search = fold(company.name)
    company.city_search = fold(company.city)
