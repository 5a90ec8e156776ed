"""company.in_queue recomputed from the queue rule, now kept by one flush listener instead of by hand

Revision ID: 0016
Revises: 0015
"""

from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The rule as it stands at this revision (services/queue_membership.py keeps it from now on): rows set by
    # hand before could disagree, e.g. a company whose bad data the supervisor fixed stayed out of the queue.
    op.execute(
        "UPDATE company SET in_queue = (stage = 'cold' AND category = 'potential' AND NOT unreachable "
        "AND NOT needs_data_fix AND merged_into_id IS NULL)"
    )


def downgrade() -> None:
    pass  # the values stay right under the older code too
