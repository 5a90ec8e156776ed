"""company (owner_id, stage, category, next_follow_up_at, next_purchase_at): the account list from the index

The account manager's follow-up list counts their clients, counts the due ones and sorts them by
what is due, over all of their 10,000 companies each time it opens.  With only (stage, owner_id)
SQLite read every one of those company rows (wide: names, addresses, figures) for the count and
again for the sort; with this index the count is a pass over the index alone and the sort reads
the index and then only the page's rows.

Revision ID: 0008
Revises: 0007
"""

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("company", schema=None) as batch_op:
        batch_op.create_index(
            "ix_company_account_list",
            [
                "owner_id",
                "stage",
                "category",
                "next_follow_up_at",
                "next_purchase_at",
                "last_order_at",
                "first_order_at",
                "orders_count",
                "next_purchase_is_stated",
            ],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("company", schema=None) as batch_op:
        batch_op.drop_index("ix_company_account_list")
