"""sign_in_failure: failed sign-ins per (user, terminal), per terminal and per user

Until now five wrong passwords locked the account itself, so anyone at any terminal could lock
the head of sales out by typing their name five times.  The server now counts failures per
user name and terminal address, per address (one terminal trying many names) and per user name
(many terminals at one account), and only the first two lock, each only that terminal.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sign_in_failure",
        sa.Column("scope", sa.String(length=8), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("scope", "username", "address"),
    )


def downgrade() -> None:
    op.drop_table("sign_in_failure")
