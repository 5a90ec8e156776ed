"""Words for the outcome codes written on history entries, in the current language.

A history entry keeps a code in `outcome`: a call outcome (`interested`, configurable in
`call_outcome`), a pipeline stage after a stage move or a deal's end (`meeting_set`, `won`,
configurable in `pipeline_stage`), or one of the fixed codes the services write (`to_closer`,
`deal_changed`, ...).  `outcome_labels()` returns one dictionary for all of them, switched-off
rows included (old entries still carry their codes), so the history timeline
(ui/widgets/history.py) can show words instead of codes on every screen that uses it.
"""

from __future__ import annotations

from sqlalchemy import select

from kbase_tui.i18n import _
from kbase_tui.models import CallOutcome, PipelineStage

from . import reference
from .db import Database
from .dto import Actor
from .policy import require_active_user


def fixed_labels() -> dict[str, str]:
    """The codes services write themselves (not configurable), in the current language."""
    return {
        "to_closer": _("handed to a closer"),
        "to_account": _("handed to an account manager"),
        "deal_changed": _("deal changed"),
        "first_order": _("first order"),
        "order": _("order"),
        "reassigned": _("reassigned"),
        "supervisor_comment": _("supervisor's comment"),
        "returned": _("back from the lost list"),
        "contact_added": _("contact added"),
        "contact_changed": _("contact changed"),
        "requirements": _("requirements"),
        "transfer": _("transferred"),
        "potential": _("back to potential clients"),
        "data_fixed": _("data corrected"),
        "returned_to_queue": _("back to the queue"),
        "shelve": _("shelved"),
        "do_not_call": _("do not call"),
        "special_offer": _("special offer"),
        "merged": _("merged"),
        "merge_undone": _("merge undone"),
    }


def outcome_labels(db: Database, actor: Actor) -> dict[str, str]:
    """Every outcome code that can appear in a history entry, with its label (reference data only)."""
    with db.read() as session:
        require_active_user(session, actor)
        labels = fixed_labels()
        for row in session.execute(select(PipelineStage)).scalars():
            labels[row.code] = reference.label(row)
        for row in session.execute(select(CallOutcome)).scalars():
            labels[row.code] = reference.label(row)
        return labels
