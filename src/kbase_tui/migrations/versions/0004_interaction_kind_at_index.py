"""interaction (kind, at, user_id, outcome): the reports' calls of a period read from the index alone

The funnel and operators reports count `kind = 'call'` entries between two times by user and outcome;
without this index they scan the whole history table (millions of rows).

Revision ID: 0004
Revises: 0003
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("interaction", schema=None) as batch_op:
        batch_op.create_index("ix_interaction_kind_at", ["kind", "at", "user_id", "outcome"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("interaction", schema=None) as batch_op:
        batch_op.drop_index("ix_interaction_kind_at")
