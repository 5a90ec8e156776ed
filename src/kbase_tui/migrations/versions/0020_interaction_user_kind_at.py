"""interaction: a caller's calls of a day read from an index of their own

The caller's counters (calls, hand-overs and refusals today, and in the last hour) come with every next lead.
They were read from ix_interaction_kind_at, which walks every operator's calls of the day to find one
operator's: the later in the day and the larger the team, the longer each outcome waits.  The index by
user now leads with the kind and carries the outcome, so the counters read that operator's rows alone, from
the index.  It replaces ix_interaction_user_at, whose every reader also asks for one kind.

Revision ID: 0020
Revises: 0019
"""

from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_interaction_user_at", table_name="interaction")
    op.create_index("ix_interaction_user_kind_at", "interaction", ["user_id", "kind", "at", "outcome"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_interaction_user_kind_at", table_name="interaction")
    op.create_index("ix_interaction_user_at", "interaction", ["user_id", "at"], unique=False)
