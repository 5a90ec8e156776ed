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
from kbase_tui.models import CallOutcome, PipelineStage, Reason

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
        "import": _("imported from a file"),
        "import_merge": _("updated from a file"),
        # The head of sales' decisions on a refusal (do_not_call is also a call outcome: its row wins).
        "special_offer": _("sent back with a special offer"),
        "shelve": _("shelved until a date"),
        "do_not_call": _("never to be called again"),
        **{f"score_{n}": _("satisfaction {n} of 5").format(n=n) for n in range(1, 6)},
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
        # An account manager's follow-up results (codes of their own, not call outcomes).
        from kbase_tui.protocol.accounts import follow_up_results

        for code, label in follow_up_results().items():
            labels.setdefault(code, label)
        # A client marked lost: "lost:" and the reason's code (services/accounts.py).
        for row in session.execute(select(Reason).where(Reason.kind == "lost_client")).scalars():
            labels[f"lost:{row.code}"[:32]] = _("lost: {reason}").format(reason=reference.label(row))
        return labels
