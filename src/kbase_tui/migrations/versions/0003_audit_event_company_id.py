"""audit_event.company_id: which client an event concerns, for "who had access to client X"

Revision ID: 0003
Revises: 0002
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("company_id", sa.Integer(), nullable=True))
        batch_op.create_index("ix_audit_company_at", ["company_id", "at"], unique=False)
    conn = op.get_bind()
    conn.execute(sa.text("UPDATE audit_event SET company_id = entity_id WHERE entity = 'company'"))
    rows = conn.execute(
        sa.text("SELECT id, detail FROM audit_event WHERE company_id IS NULL AND detail LIKE '%company_id%'")
    ).all()
    for event_id, detail in rows:
        try:
            value = json.loads(detail).get("company_id")
        except (ValueError, AttributeError):
            continue
        if isinstance(value, int):
            conn.execute(sa.text("UPDATE audit_event SET company_id = :c WHERE id = :i"), {"c": value, "i": event_id})


def downgrade() -> None:
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_company_at")
        batch_op.drop_column("company_id")
