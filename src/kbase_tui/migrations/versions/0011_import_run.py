"""import_run, import_change, and import_run_id on company, contact and phone: an import can be undone

Every import is a run; the companies, contacts and phones it adds carry the run's id, and the
fields it fills in existing companies are listed, so that the head of sales can take a run back.
The new columns have no index and no foreign key, so that a million-row import stays as fast.

Revision ID: 0011
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "import_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.Column("file", sa.String(length=200), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("imported", sa.Integer(), nullable=False),
        sa.Column("merged", sa.Integer(), nullable=False),
        sa.Column("undone_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("undone_by", sa.String(length=80), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "import_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(length=16), nullable=False),
        sa.Column("value", sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(["company_id"], ["company.id"]),
        sa.ForeignKeyConstraint(["run_id"], ["import_run.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_import_change_run_id", "import_change", ["run_id"])
    op.create_index("ix_import_change_company_id", "import_change", ["company_id"])
    for table in ("company", "contact", "phone"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("import_run_id", sa.Integer(), nullable=True))


def downgrade() -> None:
    for table in ("phone", "contact", "company"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("import_run_id")
    op.drop_index("ix_import_change_company_id", table_name="import_change")
    op.drop_index("ix_import_change_run_id", table_name="import_change")
    op.drop_table("import_change")
    op.drop_table("import_run")
