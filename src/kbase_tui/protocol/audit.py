"""The audit log as the supervisor's and administrator's screens read it: who had access to a client, and when.

The events are read a page at a time, newest first; a company is found by part of its name or
its INN (its name only: the audit never shows commercial data).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated

import msgspec

from kbase_tui.i18n import _

from .operations import operation
from .types import Code, Id, Name, Search


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: datetime
    actor: str
    actor_name: str
    actor_role: str
    action: str
    entity: str
    entity_id: int | None
    company_id: int | None
    company_name: str
    # Each detail as text (values that are not text as JSON): for reading, never for acting on.
    detail: dict[str, str] = field(default_factory=dict)
    client_address: str = ""
    # The names of the details recorded as text: "2024" typed as a comment is text, not the number 2024 (both
    # read "2024" in `detail`), and shows as typed.
    text_keys: tuple[str, ...] = ()


@dataclass(frozen=True)
class CompanyMatch:
    id: int
    name: str
    city: str
    inn: str | None


# Per user who touched a company: (user name, full name, events, first, last).
AccessRow = tuple[str, str, int, datetime, datetime]


def action_label(action: str) -> str:
    """A reader's name for an audit action code (the code itself when unknown)."""
    labels = {
        "login": _("signed in"),
        "login_failed": _("sign-in failed"),
        "login_refused": _("sign-in refused"),
        "logout": _("signed out"),
        "session_locked": _("screen locked (idle)"),
        "session_unlocked": _("screen unlocked"),
        "unlock_failed": _("unlock failed"),
        "card_opened": _("opened the card"),
        "lead_claimed": _("took the lead"),
        "lead_released": _("released the lead"),
        "call_outcome": _("call result"),
        "handed_over_to_closer": _("handed over to a closer"),
        "handed_over_to_account": _("handed over to an account manager"),
        "history_added": _("wrote to the history"),
        "contact_added": _("added a contact"),
        "contact_changed": _("changed a contact"),
        "deal_stage_changed": _("moved the deal"),
        "deal_changed": _("changed the deal"),
        "setting_changed": _("changed a setting"),
        "deal_commented": _("commented the deal"),
        "deal_won": _("won the deal"),
        "deal_lost": _("lost the deal"),
        "deal_reassigned": _("reassigned the deal"),
        "deal_returned": _("returned the deal"),
        "order_recorded": _("recorded an order"),
        "follow_up_recorded": _("recorded a follow-up"),
        "requirements_changed": _("changed the requirements"),
        "potential_changed": _("changed the potential"),
        "quality_checked": _("checked quality"),
        "account_lost": _("marked lost"),
        "account_reassigned": _("reassigned the account"),
        "accounts_classified": _("classified accounts"),
        "refusal_decided": _("decided on a refusal"),
        "portfolio_transferred": _("transferred a portfolio"),
        "import_batch": _("imported a batch"),
        "import_finished": _("import finished"),
        "export": _("exported"),
        "user_created": _("created a user"),
        "user_disabled": _("disabled a user"),
        "user_enabled": _("enabled a user"),
        "password_reset": _("reset a password"),
        "password_changed": _("changed their password"),
        "user_role_changed": _("changed a role"),
        "language_changed": _("changed the language"),
        "alarm_raised": _("alarm raised"),
        "alarm_dismissed": _("alarm dismissed"),
        "user_locked_by_alarm": _("locked a user after an alarm"),
        "backup_made": _("made a backup"),
        "restored": _("restored a backup"),
        "base_searched": _("searched the base"),
        "company_data_fixed": _("corrected a company's data"),
        "company_returned_to_queue": _("returned a company to the queue"),
        "company_shelved": _("shelved a company"),
        "company_do_not_call": _("marked do-not-call"),
        "company_assigned": _("gave a company to a person"),
        "refusal_viewed": _("read a refusal's calls"),
        "held_portfolio_passed_on": _("handed a held portfolio to a new person"),
        "companies_merged": _("merged a duplicate company"),
        "merge_undone": _("undid a merge"),
        "list_viewed": _("opened a list"),
        "searched": _("searched"),
        "accounts_lost": _("moved silent clients to lost"),
        "return_step_added": _("added a return plan step"),
        "return_step_done": _("finished a return plan step"),
        "second_assigned": _("assigned a second responsible person"),
        "second_removed": _("removed a second responsible person"),
        "specialist_brought_in": _("brought in a specialist"),
        "specialist_task_closed": _("closed a specialist's task"),
        "cross_sell_task": _("set a cross-selling task"),
        "activation_plan_set": _("set the activation plan"),
        "target_set": _("set a target"),
        "target_deleted": _("deleted a target"),
        "focus_target_set": _("set a focus target"),
        "focus_target_removed": _("removed a focus target"),
        "standard_saved": _("saved a segment standard"),
        "standard_deleted": _("deleted a segment standard"),
        "script_saved": _("saved a call script"),
        "script_deleted": _("deleted a call script"),
        "outcome_added": _("added a call outcome"),
        "outcome_changed": _("changed a call outcome"),
        "reason_added": _("added a reason"),
        "reason_changed": _("changed a reason"),
        "category_added": _("added a product category"),
        "category_changed": _("changed a product category"),
        "product_added": _("added a product"),
        "product_changed": _("changed a product"),
        "catalog_imported": _("imported the catalog"),
        "calling_hours_set": _("set the calling hours"),
        "channel_window_set": _("set a channel's calling hours"),
        "channel_window_removed": _("removed a channel's calling hours"),
        "company_time_zone_set": _("set a company's time zone"),
        "user_time_zone_set": _("set a user's time zone"),
        "duplicates_scanned": _("looked for duplicates"),
        "duplicate_dismissed": _("marked not a duplicate"),
        "import_undone": _("undid an import"),
        "demo_data_created": _("made the demo data"),
        "audit_genesis": _("audit log begun"),
        "audit_sealing_started": _("audit sealing begun"),
        "audit_sealed": _("audit epoch sealed"),
        "audit_resumed": _("audit log resumed (an epoch left unsealed)"),
    }
    return labels.get(action, action)


def entity_label(entity: str) -> str:
    """A reader's name for the kind of record an event is about (the code itself when unknown)."""
    labels = {
        "company": _("company"),
        "user": _("user"),
        "deal": _("deal"),
        "contact": _("contact person"),
        "follow_up_task": _("task"),
        "client_order": _("order"),
        "refusal": _("refusal"),
        "setting": _("setting"),
        "call_script": _("call script"),
        "call_outcome": _("call outcome"),
        "reason": _("reason"),
        "target": _("target"),
        "focus_target": _("focus target"),
        "client_standard": _("segment standard"),
        "activation_plan": _("activation plan"),
        "product": _("product"),
        "product_category": _("product category"),
        "import_run": _("import"),
    }
    return labels.get(entity, entity)


def record_text(entity: str, entity_id: int | None) -> str:
    """ "deal 12", in words: the record an event without a client is about."""
    return f"{entity_label(entity)} {entity_id}" if entity_id is not None else entity_label(entity)


# --- operations ------------------------------------------------------------------------


@operation("audit.events", reads=True)
def events(
    *,
    user: Name | None = None,
    company_id: Id | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    action: Code | None = None,
    before_id: Id | None = None,
    limit: Annotated[int, msgspec.Meta(ge=1, le=1000)] = 100,
) -> list[AuditEntry]:
    """Events newest first, a page at a time (`before_id` = the last id of the previous page)."""


@operation("audit.find_companies", reads=True)
def find_companies(text: Search, *, limit: Annotated[int, msgspec.Meta(ge=1, le=100)] = 20) -> list[CompanyMatch]:
    """Companies whose name contains every word of *text*, or whose INN is *text*: id, name, city and INN."""


@operation("audit.access_summary", reads=True)
def access_summary(company_id: Id) -> list[AccessRow]:
    """Who touched one company: per user the number of events, the first and the last, most recent first."""
