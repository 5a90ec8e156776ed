"""queue index by zone and sales channel; duplicate_pair: possible duplicates for the head of sales

A sales channel may have a calling window of its own: the claim seeks the first company of each
(zone, channel) pair whose window is open now, so the queue index leads with both, and a closed
channel's companies are never walked past.

Possible duplicates (a shared phone, the same name) wait in duplicate_pair until the head of sales
merges them or marks them "not a duplicate" (kept, so they are not offered again).

Revision ID: 0019
Revises: 0018
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def _queue_index(columns: list[str]) -> None:
    op.drop_index("ix_company_queue", table_name="company")
    op.create_index(
        "ix_company_queue",
        "company",
        columns,
        unique=False,
        sqlite_where=sa.text("in_queue = 1"),
        postgresql_where=sa.text("in_queue"),
    )


def upgrade() -> None:
    _queue_index(["time_zone", "channel", "queue_rank", "last_tried_at", "id"])
    op.create_table(
        "duplicate_pair",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("other_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("detail", sa.String(length=300), nullable=False),
        sa.Column("found_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("dismissed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("dismissed_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["company_id"], ["company.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["other_id"], ["company.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["dismissed_by_id"], ["user_account.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("company_id", "other_id", name="uq_duplicate_pair"),
    )
    op.create_index("ix_duplicate_pair_other_id", "duplicate_pair", ["other_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_duplicate_pair_other_id", table_name="duplicate_pair")
    op.drop_table("duplicate_pair")
    _queue_index(["time_zone", "queue_rank", "last_tried_at", "id"])
