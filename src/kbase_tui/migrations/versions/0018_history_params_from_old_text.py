"""History entries written before interaction.params: the ones whose sentence can be read back get their params

Entries the program wrote before revision 0013 keep only their text, in the writer's language.  Two
kinds have a sentence that can be read back without guessing, and get the params later entries
carry, so that they too read in the reader's language:

- a stage move, "<old stage label> → <new stage label>" (kind `stage`, the new stage's code in
  `outcome`), when both labels are a stage's Russian or English label (or the old one its code) and
  the new one is the label of the stage in `outcome`;
- a hand-over to a closer, "Handed over to closer <name>" or its Russian forms (kind `handover`,
  outcome `to_closer`).

Call lines (an outcome label, a reason or a time, a comment typed after it) and deal changes
(amounts and dates formatted in the writer's language, typed text in between) are left as they
were: their parts cannot be told apart from what a person typed with certainty.  Nothing is
changed when a sentence does not match exactly; the text itself is never touched.

Revision ID: 0018
Revises: 0017
"""

import json
import re

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

TO_CLOSER = (
    re.compile(r"^Handed over to closer (?P<name>.+)$", re.S),
    re.compile(r"^Передан менеджеру(?: по продажам)?:? (?P<name>.+)$", re.S),
)
BATCH = 1000


def _params(**facts) -> str:
    return json.dumps(facts, ensure_ascii=False)


def upgrade() -> None:
    bind = op.get_bind()
    interaction = sa.table(
        "interaction",
        sa.column("id", sa.Integer),
        sa.column("kind", sa.String),
        sa.column("outcome", sa.String),
        sa.column("text", sa.Text),
        sa.column("params", sa.Text),
    )
    stage = sa.table("pipeline_stage", sa.column("code", sa.String), sa.column("label_ru"), sa.column("label_en"))
    labels: dict[str, set[str]] = {}
    code_of: dict[str, str] = {}
    for code, label_ru, label_en in bind.execute(sa.select(stage.c.code, stage.c.label_ru, stage.c.label_en)):
        labels[code] = {code, label_ru, label_en}
        for label in (code, label_ru, label_en):
            code_of.setdefault(label, code)

    def read_back(kind: str, outcome: str, text: str) -> str | None:
        if kind == "stage" and outcome in labels:
            old, arrow, new = text.partition(" → ")
            if arrow and new in labels[outcome] and old in code_of:
                return _params(t="stage", **{"from": code_of[old], "to": outcome})
        elif kind == "handover" and outcome == "to_closer":
            for pattern in TO_CLOSER:
                match = pattern.match(text)
                if match:
                    return _params(t="to_closer", name=match.group("name"))
        return None

    last = 0
    while True:
        rows = bind.execute(
            sa.select(interaction.c.id, interaction.c.kind, interaction.c.outcome, interaction.c.text)
            .where(
                interaction.c.id > last,
                interaction.c.params == "",
                interaction.c.kind.in_(("stage", "handover")),
            )
            .order_by(interaction.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        for row_id, kind, outcome, text in rows:
            params = read_back(kind, outcome or "", text or "")
            if params is not None:
                bind.execute(sa.update(interaction).where(interaction.c.id == row_id).values(params=params))
        last = rows[-1][0]


def downgrade() -> None:
    # The params read back are the only ones on entries of these kinds that older code never wrote;
    # leaving them is harmless to the older schema's code, which ignores params (revision 0013's column).
    pass
