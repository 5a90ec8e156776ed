"""audit chain id (key name independent of the database path) and security alarms

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_head", schema=None) as batch_op:
        batch_op.add_column(sa.Column("chain_id", sa.String(length=32), nullable=False, server_default=""))

    op.create_table(
        "security_alarm",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("observed", sa.Integer(), nullable=False),
        sa.Column("limit", sa.Integer(), nullable=False),
        sa.Column("excess", sa.Integer(), nullable=False),
        sa.Column("throttle_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by_id", sa.Integer(), nullable=True),
        sa.Column("resolution", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"]),
        sa.ForeignKeyConstraint(["closed_by_id"], ["user_account.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("security_alarm", schema=None) as batch_op:
        batch_op.create_index("ix_security_alarm_user_kind_open", ["user_id", "kind", "closed_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_security_alarm_raised_at"), ["raised_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("security_alarm", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_security_alarm_raised_at"))
        batch_op.drop_index("ix_security_alarm_user_kind_open")
    op.drop_table("security_alarm")
    with op.batch_alter_table("audit_head", schema=None) as batch_op:
        batch_op.drop_column("chain_id")
