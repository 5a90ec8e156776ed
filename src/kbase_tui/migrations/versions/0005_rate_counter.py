"""rate_counter: lead claims per minute counted in one row per user, not from the audit log

The anti-scraping check ran on every claim and counted the caller's `lead_claimed`
events of the last minute: a count that grows with the very rate it measures.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rate_counter",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("window_no", sa.Integer(), nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.Column("prev_hits", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"]),
        sa.PrimaryKeyConstraint("user_id", "kind"),
        sqlite_with_rowid=False,
    )


def downgrade() -> None:
    op.drop_table("rate_counter")
