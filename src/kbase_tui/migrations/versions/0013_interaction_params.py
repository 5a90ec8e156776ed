"""interaction.params: what a history entry says, as data, to be put in words in the reader's language

A history entry written by the program (a stage move, a changed deal, a call's outcome) kept only
its text, in the language of the person who wrote it: an entry by an English-speaking user stayed
English for a Russian reader, and amounts were raw numbers.  `params` keeps the facts as JSON
(stage codes, amounts, dates, names); services/history_labels.py renders them for the reader.
Entries with no params (older ones, notes people typed) show their text as before.

Revision ID: 0013
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("interaction") as batch:
        batch.add_column(sa.Column("params", sa.Text(), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("interaction") as batch:
        batch.drop_column("params")
