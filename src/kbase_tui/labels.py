"""Display names of domain codes, in the current language (shared by UI and CLI)."""

from __future__ import annotations

from kbase_tui.i18n import _


def role_label(role: str) -> str:
    return {
        "caller": _("cold-call operator"),
        "closer": _("first-sale manager"),
        "account": _("account manager"),
        "supervisor": _("head of sales"),
        "admin": _("administrator"),
        "specialist": _("specialist"),
        "local": _("server owner"),
    }.get(role, role)


def category_label(category: str) -> str:
    return {
        "potential": _("potential (ПКБ)"),
        "active": _("active (АКБ)"),
        "lost": _("lost"),
        "refused": _("refused"),
        "do_not_call": _("do not call"),
    }.get(category, category)


def stage_label(stage: str) -> str:
    return {"cold": _("cold calls"), "pipeline": _("pipeline"), "account": _("account")}.get(stage, stage)


def script_purpose_label(purpose: str) -> str:
    """What a call script is for: the cold call of the queue, or the account manager's follow-up call."""
    return {"cold": _("cold call"), "follow_up": _("follow-up call")}.get(purpose, purpose)


def history_kind_label(kind: str) -> str:
    return {
        "call": _("call"),
        "follow_up": _("follow-up call"),
        "meeting": _("meeting"),
        "note": _("note"),
        "stage": _("stage"),
        "handover": _("hand-over"),
        "decision": _("decision"),
        "order": _("order"),
        "quality": _("quality check"),
        "system": _("system"),
    }.get(kind, kind)
