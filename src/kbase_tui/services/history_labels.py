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
        "data_fixed": _("data corrected"),
        "returned_to_queue": _("back to the queue"),
        "shelve": _("shelved"),
        "do_not_call": _("do not call"),
        "special_offer": _("special offer"),
        "merged": _("merged"),
        "merge_undone": _("merge undone"),
        "not_a_duplicate": _("not a duplicate"),
        "specialist_in": _("specialist brought in"),
        "specialist_out": _("specialist's task closed"),
    }


def more_labels() -> dict[str, str]:
    """Codes the history showed as they were ("score_5", "import"): words for them too."""
    return {
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
        return labels_in(session)


def labels_in(session) -> dict[str, str]:
    """outcome_labels() inside a read: the codes of history entries and their words, now."""
    labels = fixed_labels()
    for code, label in more_labels().items():
        labels.setdefault(code, label)
    for row in session.execute(select(PipelineStage)).scalars():
        labels[row.code] = reference.label(row)
    for row in session.execute(select(CallOutcome)).scalars():
        labels[row.code] = reference.label(row)
    # An account manager's follow-up results (codes of their own, not call outcomes).
    from kbase_tui.protocol.accounts import follow_up_results

    for code, label in follow_up_results().items():
        labels.setdefault(code, label)
    # A client marked lost: "lost:" and the reason's code (services/accounts/lost.py).
    for row in session.execute(select(Reason)).scalars():
        if row.kind == "lost_client":
            labels[f"lost:{row.code}"[:32]] = _("lost: {reason}").format(reason=reference.label(row))
        labels[f"reason:{row.kind}:{row.code}"] = reference.label(row)  # for render_entry
    return labels


# --- entries the program wrote, in the reader's language ------------------------------------------


def params_json(**facts: object) -> str:
    """What write_history stores in `params`: the facts of the entry (JSON, dates as ISO text)."""
    import json
    from datetime import date, datetime
    from decimal import Decimal

    def plain(value: object) -> object:
        if isinstance(value, (datetime, date)):
            return value.isoformat()
        if isinstance(value, Decimal):
            return str(value)
        if isinstance(value, (list, tuple)):
            return [plain(v) for v in value]
        return value

    return json.dumps({k: plain(v) for k, v in facts.items() if v is not None}, ensure_ascii=False)


def render_entry(params: str, text: str, labels: dict[str, str]) -> str:
    """The entry's text for the reader: from its facts in the reader's language, else as written."""
    import json

    if not params:
        return text
    try:
        facts = json.loads(params)
        rendered = _RENDERERS[facts["t"]](facts, labels)
    except Exception:
        return text
    return rendered


def _when(value: str) -> str:
    from datetime import datetime

    from kbase_tui.formatting import format_date, format_datetime

    if len(value) == 10:
        return format_date(datetime.fromisoformat(value).date())
    return format_datetime(datetime.fromisoformat(value))


def _amount(value: str) -> str:
    from decimal import Decimal

    from kbase_tui.formatting import format_amount

    return format_amount(Decimal(value))


def _stage(facts: dict, labels: dict[str, str]) -> str:
    return f"{labels.get(facts['from'], facts['from'])} → {labels.get(facts['to'], facts['to'])}"


def _deal_changed(facts: dict, labels: dict[str, str]) -> str:
    lines = []
    for change in facts["changes"]:
        name = change[0]
        if name == "requirements":
            lines.append(_("requirements: {text}").format(text=change[2]))
        elif name == "next_step":
            lines.append(_("next step: {text}").format(text=change[2]))
        elif name == "next_step_due":
            lines.append(
                _("due: {old} → {new}").format(
                    old=_when(change[1]) if change[1] else "—", new=_when(change[2]) if change[2] else "—"
                )
            )
        else:
            lines.append(_("expected amount: {old} → {new}").format(old=_amount(change[1]), new=_amount(change[2])))
    return "\n".join(lines)


def _to_closer(facts: dict, labels: dict[str, str]) -> str:
    return _("Handed over to closer {name}").format(name=facts["name"])


def _call(facts: dict, labels: dict[str, str]) -> str:
    label = labels.get(facts["outcome"], facts["outcome"])
    if "reason" in facts:
        reason = labels.get(f"reason:refusal:{facts['reason']}", facts["reason"])
        line = _("{outcome}: {reason}").format(outcome=label, reason=reason)
    elif "closer" in facts:
        line = _("{outcome}: handed over to {name}").format(outcome=label, name=facts["closer"])
    elif "callback_at" in facts:
        line = _("{outcome}: {when}").format(outcome=label, when=_when(facts["callback_at"]))
    elif "unreachable" in facts:
        line = _("{outcome}: unreachable after {n} attempts").format(outcome=label, n=facts["unreachable"])
    else:
        line = label
    return f"{line}\n{facts['comment']}" if facts.get("comment") else line


_RENDERERS = {"stage": _stage, "deal_changed": _deal_changed, "to_closer": _to_closer, "call": _call}
