"""Display names of domain codes, in the current language (shared by UI and CLI)."""

from __future__ import annotations

from kbase_tui.i18n import _, pgettext


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


def role_short_label(role: str) -> str:
    """The role in a list's narrow column (the administrator's users at 80 columns): a few words that are
    whole there; the line under such a list has `role_label`."""
    return {
        "caller": pgettext("role, in a narrow column", "cold caller"),
        "closer": pgettext("role, in a narrow column", "sales manager"),
        "account": pgettext("role, in a narrow column", "account manager"),
        "supervisor": pgettext("role, in a narrow column", "head of sales"),
        "admin": pgettext("role, in a narrow column", "administrator"),
        "specialist": pgettext("role, in a narrow column", "specialist"),
        "local": pgettext("role, in a narrow column", "server owner"),
    }.get(role, role)


def client_address_label(address: str) -> str:
    """Where a terminal connected from, for the audit: its address, or "server" for the server's own
    socket (stored as "local": a code, not a word of the reader's language)."""
    if address == "local":
        return pgettext("where a terminal connected from: the server itself", "server")
    return address


def category_label(category: str) -> str:
    return {
        "potential": pgettext("category", "potential"),
        "active": pgettext("category", "active"),
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


def segment_kind_label(kind: str) -> str:
    """What a client segment is cut by (growth standards and focus targets)."""
    return {"channel": _("channel"), "industry": _("industry"), "": _("every client")}.get(kind, kind)


def growth_metric_label(metric: str) -> str:
    """What a focus target counts."""
    return {"amount": _("amount"), "clients": _("clients")}.get(metric, metric)


def alarm_kind_label(kind: str) -> str:
    """What a security alarm counted."""
    return {
        "card_views": _("client cards per hour"),
        "lead_claims": _("leads per minute"),
        "sign_in_failures": _("wrong passwords from many terminals"),
        "list_views": _("lists and reports per hour"),
        "searches": _("searches per hour"),
    }.get(kind, kind)


def refusal_decision_label(decision: str | None) -> str:
    """The head of sales' decision on a refusal ('' when none)."""
    return {
        "special_offer": _("special offer"),
        "shelve": _("shelved"),
        "do_not_call": _("do not call"),
    }.get(decision or "", "")


def base_flag_labels() -> dict[str, str]:
    """The base search's marks a company can be filtered by."""
    return {
        "needs_fix": _("bad data, to fix"),
        "unreachable": _("unreachable"),
        "in_queue": _("in the cold-call queue"),
        "shelved": _("shelved"),
        "held": _("held by a caller now"),
        "merged": _("merged into another company"),
    }


def field_label(name: str) -> str:
    """A field of a company, a contact person or a deal that a correction names, as a word."""
    return {
        "name": _("name"),
        "inn": _("INN"),
        "city": _("city"),
        "industry": _("industry"),
        "channel": _("channel"),
        "email": _("e-mail"),
        "website": _("website"),
        "address": _("address"),
        "phones": _("phones"),
        "full_name": _("full name"),
        "position": _("position"),
        "is_decision_maker": _("decision-maker"),
        "birthday": _("birthday"),
        "requirements": _("requirements"),
        "next_step": _("next step"),
        "next_step_due": _("next step due"),
        "expected_amount": _("expected amount"),
        "size": _("size"),
    }.get(name, name)
