"""The catalog, order lines, the ideal client per segment and focus targets

Every order made before this revision becomes one free-text line with the order's items, amount and
margin, so that an order always has lines and the figures per line add up to the order's.

Revision ID: 0017
Revises: 0016
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def _stamps() -> list[sa.Column]:
    return [
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "product_category",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("name_search", sa.String(length=200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        *_stamps(),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name_search"),
    )
    op.create_table(
        "product",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("name_search", sa.String(length=300), nullable=False),
        sa.Column("unit", sa.String(length=16), nullable=False),
        sa.Column("price", sa.Numeric(precision=16, scale=2), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        *_stamps(),
        sa.ForeignKeyConstraint(["category_id"], ["product_category.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_product_category", "product", ["category_id", "name_search"], unique=False)
    op.create_index("ix_product_code", "product", ["code"], unique=False)
    op.create_table(
        "client_standard",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("segment_kind", sa.String(length=16), nullable=False),
        sa.Column("segment", sa.String(length=120), nullable=False),
        sa.Column("interval_days", sa.Integer(), nullable=False),
        sa.Column("average_order", sa.Numeric(precision=16, scale=2), nullable=False),
        sa.Column("note", sa.String(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["updated_by_id"], ["user_account.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("segment_kind", "segment"),
    )
    op.create_table(
        "standard_category",
        sa.Column("standard_id", sa.Integer(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["category_id"], ["product_category.id"]),
        sa.ForeignKeyConstraint(["standard_id"], ["client_standard.id"]),
        sa.PrimaryKeyConstraint("standard_id", "category_id"),
    )
    op.create_table(
        "focus_target",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("segment_kind", sa.String(length=16), nullable=False),
        sa.Column("segment", sa.String(length=120), nullable=False),
        sa.Column("manager_id", sa.Integer(), nullable=True),
        sa.Column("metric", sa.String(length=16), nullable=False),
        sa.Column("value", sa.Numeric(precision=16, scale=2), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["category_id"], ["product_category.id"]),
        sa.ForeignKeyConstraint(["created_by_id"], ["user_account.id"]),
        sa.ForeignKeyConstraint(["manager_id"], ["user_account.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_focus_target_period", "focus_target", ["ends_on", "starts_on"], unique=False)
    order_line = op.create_table(
        "order_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("ordered_at", sa.Date(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=True),
        sa.Column("category_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.String(), nullable=False),
        sa.Column("quantity", sa.Numeric(precision=14, scale=3), nullable=True),
        sa.Column("amount", sa.Numeric(precision=16, scale=2), nullable=False),
        sa.Column("margin", sa.Numeric(precision=16, scale=2), nullable=True),
        sa.ForeignKeyConstraint(["category_id"], ["product_category.id"]),
        sa.ForeignKeyConstraint(["company_id"], ["company.id"]),
        sa.ForeignKeyConstraint(["order_id"], ["client_order.id"]),
        sa.ForeignKeyConstraint(["product_id"], ["product.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_order_line_company", "order_line", ["company_id", "category_id", "ordered_at"], unique=False)
    op.create_index("ix_order_line_order_id", "order_line", ["order_id"], unique=False)
    # Existing orders: one free-text line each (one statement, the same on SQLite and PostgreSQL).
    orders = sa.table(
        "client_order",
        sa.column("id"),
        sa.column("company_id"),
        sa.column("ordered_at"),
        sa.column("items"),
        sa.column("amount"),
        sa.column("margin"),
    )
    op.execute(
        order_line.insert().from_select(
            ["order_id", "company_id", "ordered_at", "text", "amount", "margin"],
            sa.select(
                orders.c.id,
                orders.c.company_id,
                orders.c.ordered_at,
                orders.c["items"],
                orders.c.amount,
                orders.c.margin,
            ),
        )
    )


def downgrade() -> None:
    op.drop_index("ix_order_line_order_id", table_name="order_line")
    op.drop_index("ix_order_line_company", table_name="order_line")
    op.drop_table("order_line")
    op.drop_index("ix_focus_target_period", table_name="focus_target")
    op.drop_table("focus_target")
    op.drop_table("standard_category")
    op.drop_table("client_standard")
    op.drop_index("ix_product_code", table_name="product")
    op.drop_index("ix_product_category", table_name="product")
    op.drop_table("product")
    op.drop_table("product_category")
