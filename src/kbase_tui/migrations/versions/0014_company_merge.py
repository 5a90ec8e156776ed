"""company_merge and company.merged_into_id: the head of sales merges two duplicates, and may undo it

Revision ID: 0014
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain nullable column: ALTER TABLE ADD COLUMN, no copy of a million-row table.
    op.add_column("company", sa.Column("merged_into_id", sa.Integer(), nullable=True))
    op.create_table(
        "company_merge",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("merged_by_id", sa.Integer(), nullable=True),
        sa.Column("merged_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("moved", sa.String(), nullable=False),
        sa.Column("source_state", sa.String(), nullable=False),
        sa.Column("undone_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("undone_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["merged_by_id"], ["user_account.id"]),
        sa.ForeignKeyConstraint(["source_id"], ["company.id"]),
        sa.ForeignKeyConstraint(["target_id"], ["company.id"]),
        sa.ForeignKeyConstraint(["undone_by_id"], ["user_account.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_company_merge_source_id", "company_merge", ["source_id"], unique=False)
    op.create_index("ix_company_merge_target_id", "company_merge", ["target_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_company_merge_target_id", table_name="company_merge")
    op.drop_index("ix_company_merge_source_id", table_name="company_merge")
    op.drop_table("company_merge")
    with op.batch_alter_table("company", schema=None) as batch_op:
        batch_op.drop_column("merged_into_id")
