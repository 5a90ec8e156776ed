"""company: the holder, callback and INN indexes cover only the rows that have one

Most companies have no holder, no callback and no INN; full indexes kept a million NULL
entries each.  Taking a lead moved the company out of the NULL run of the holder index and
back, touching pages of that huge B-tree on every claim and release; an import wrote three
index entries per row for nothing.  Every query on these columns compares them with a value,
which implies IS NOT NULL, so the partial indexes serve the same queries.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

INDEXES = [
    ("ix_company_held_by_id", ["held_by_id"], "held_by_id IS NOT NULL"),
    ("ix_company_callback", ["callback_user_id", "callback_at"], "callback_user_id IS NOT NULL"),
    ("ix_company_inn", ["inn"], "inn IS NOT NULL"),
]


def upgrade() -> None:
    for name, columns, where in INDEXES:
        op.drop_index(name, table_name="company")
        op.create_index(
            name, "company", columns, unique=False, sqlite_where=sa.text(where), postgresql_where=sa.text(where)
        )


def downgrade() -> None:
    for name, columns, _where in INDEXES:
        op.drop_index(name, table_name="company")
        op.create_index(name, "company", columns, unique=False)
