"""Words for the codes on history entries, in the reader's language."""

from __future__ import annotations

from .operations import operation


@operation("history_labels.outcome_labels", reads=True)
def outcome_labels() -> dict[str, str]:
    """Every outcome code a history entry can carry (call outcomes, stages, fixed codes) with its label."""
