"""audit_event: drop ix_audit_entity, which no query uses

Every claim and every card view appends an audit event, and each index of the table is one
more B-tree written (this one at a random place: entity, id, time).  The audit screen finds a
client's events by company_id (ix_audit_company_at), a user's by actor, a period by time and
a kind by action; nothing looks events up by (entity, entity_id).

Revision ID: 0007
Revises: 0006
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_audit_entity", table_name="audit_event")


def downgrade() -> None:
    op.create_index("ix_audit_entity", "audit_event", ["entity", "entity_id", "at"], unique=False)
