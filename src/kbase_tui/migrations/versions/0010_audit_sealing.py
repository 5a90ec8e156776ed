"""audit sealing: every event names the epoch whose key signed it; the head keeps the epoch clock

The audit chain was signed with one key kept next to the database, so whoever held the server's
account could re-sign the whole trail.  Events are now signed with a key that evolves every
epoch by a one-way step (the old key is erased), and each epoch ends with a seal event; the
owner keeps the seed offline and proves every sealed epoch with it.  Events written before this
revision keep epoch NULL and are checked with the old key.

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_event") as batch:
        batch.add_column(sa.Column("epoch", sa.Integer(), nullable=True))
    with op.batch_alter_table("audit_head") as batch:
        batch.add_column(sa.Column("seal_epoch", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("seal_start", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("epoch_seconds", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("epoch_first_id", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("audit_head") as batch:
        batch.drop_column("epoch_first_id")
        batch.drop_column("epoch_seconds")
        batch.drop_column("seal_start")
        batch.drop_column("seal_epoch")
    with op.batch_alter_table("audit_event") as batch:
        batch.drop_column("epoch")
