"""time zones: company.time_zone (filled from the phones and the city), user_account.time_zone, queue index by zone

The cold-call queue offers a company only inside the calling window of the client's own clock, so
every company gets the zone its phone numbers tell (Russian geographic codes are exact), else its
city's, else '' (the call centre's).  Existing bases are filled here, a batch of ids at a time.
The queue index leads with the zone: a claim looks only at the zones open now.

Revision ID: 0012
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("company", sa.Column("time_zone", sa.String(length=64), nullable=False, server_default=""))
    op.add_column("user_account", sa.Column("time_zone", sa.String(length=64), nullable=True))
    from kbase_tui.services.clock import fill_company_zones

    fill_company_zones(op.get_bind())
    op.drop_index("ix_company_queue", table_name="company")
    op.create_index(
        "ix_company_queue",
        "company",
        ["time_zone", "queue_rank", "last_tried_at", "id"],
        unique=False,
        sqlite_where=sa.text("in_queue = 1"),
        postgresql_where=sa.text("in_queue"),
    )


def downgrade() -> None:
    op.drop_index("ix_company_queue", table_name="company")
    op.create_index(
        "ix_company_queue",
        "company",
        ["queue_rank", "last_tried_at", "id"],
        unique=False,
        sqlite_where=sa.text("in_queue = 1"),
        postgresql_where=sa.text("in_queue"),
    )
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_column("time_zone")
    with op.batch_alter_table("company", schema=None) as batch_op:
        batch_op.drop_column("time_zone")
