"""The tunables the head of sales (and, for security, the administrator) changes: each with its unit, range,
default and current value, and who may change it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

import msgspec

from kbase_tui.i18n import N_, _

from .operations import operation
from .types import Code

# A setting's key (queue.lease_minutes) and a value as typed ("30, 120, 480"): short texts.
SettingKey = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
SettingText = Annotated[str, msgspec.Meta(max_length=200)]


@dataclass(frozen=True)
class SettingRow:
    key: str
    role: str  # for a limit per role (security.card_views_per_hour): the role this row is; else ""
    group: str  # queue | accounts | security
    label: str
    unit: str
    value: str  # the current value as it is typed back
    default: str  # the shipped default, the same way
    range_text: str  # "1–240"
    applies: str  # when a change takes effect
    editable: bool  # whether the reader may change it


SUPERVISOR_ONLY = "supervisor"
SECURITY = "security"  # the head of sales and the administrator


@dataclass(frozen=True)
class Spec:
    key: str
    group: str
    label: str  # N_() text, translated when shown
    kind: str  # int | float | minutes (a list of minutes) | per_role
    unit: str
    low: float
    high: float
    who: str  # SUPERVISOR_ONLY | SECURITY
    applies: str = N_("within 10 seconds")


SPECS: tuple[Spec, ...] = (
    Spec("queue.lease_minutes", "queue", N_("Lead hold while on a caller's screen"), "int", N_("minutes"), 1, 240,
         SUPERVISOR_ONLY, N_("for leads taken from then on")),
    Spec("queue.max_attempts", "queue", N_("Attempts before a company is unreachable"), "int", N_("attempts"), 1, 30,
         SUPERVISOR_ONLY),
    Spec("queue.retry_delays_minutes", "queue", N_("Delays before the next attempt (1st, 2nd, …)"), "minutes",
         N_("minutes"), 1, 43200, SUPERVISOR_ONLY),
    Spec("queue.callback_grace_minutes", "queue", N_("A callback waits for its caller"), "int", N_("minutes"), 0,
         1440, SUPERVISOR_ONLY),
    Spec("caller.daily_calls_target", "queue", N_("Daily calls target without a target set"), "int", N_("calls"), 0,
         1000, SUPERVISOR_ONLY),
    Spec("pipeline.stale_days", "accounts", N_("A deal is stale after"), "int", N_("days"), 1, 365, SUPERVISOR_ONLY),
    Spec("accounts.lost_interval_multiple", "accounts", N_("Lost after this many usual purchase intervals"), "float",
         N_("intervals"), 1, 10, SUPERVISOR_ONLY),
    Spec("accounts.default_purchase_interval_days", "accounts", N_("Usual purchase interval when unknown"), "int",
         N_("days"), 1, 730, SUPERVISOR_ONLY),
    Spec("accounts.default_follow_up_days", "accounts", N_("Next follow-up call when none is named"), "int",
         N_("days"), 1, 365, SUPERVISOR_ONLY),
    Spec("accounts.quality_check_days", "accounts", N_("Quality call after an order"), "int", N_("days"), 1, 60,
         SUPERVISOR_ONLY),
    Spec("accounts.abcde_profit_share", "accounts", N_("ABCDE: share of margin for A and B"), "float", N_("share"),
         0.05, 1, SUPERVISOR_ONLY),
    Spec("accounts.abcde_a_potential", "accounts", N_("ABCDE: potential score for A"), "int", N_("points"), 0, 100,
         SUPERVISOR_ONLY),
    Spec("accounts.abcde_c_potential", "accounts", N_("ABCDE: potential score for C"), "int", N_("points"), 0, 100,
         SUPERVISOR_ONLY),
    Spec("accounts.key_client_share", "accounts", N_("Key clients: share of revenue"), "float", N_("share"), 0.01, 1,
         SUPERVISOR_ONLY),
    Spec("accounts.contact_days_a", "accounts", N_("Contact standard: class A clients every (0: none)"), "int",
         N_("days"), 0, 3650, SUPERVISOR_ONLY),
    Spec("accounts.contact_days_b", "accounts", N_("Contact standard: class B clients every (0: none)"), "int",
         N_("days"), 0, 3650, SUPERVISOR_ONLY),
    Spec("accounts.contact_days_c", "accounts", N_("Contact standard: class C clients every (0: none)"), "int",
         N_("days"), 0, 3650, SUPERVISOR_ONLY),
    Spec("accounts.contact_days_d", "accounts", N_("Contact standard: class D clients every (0: none)"), "int",
         N_("days"), 0, 3650, SUPERVISOR_ONLY),
    Spec("accounts.contact_days_e", "accounts", N_("Contact standard: class E clients every (0: none)"), "int",
         N_("days"), 0, 3650, SUPERVISOR_ONLY),
    Spec("security.idle_lock_minutes", "security", N_("Screen locks after idle (0: never)"), "int", N_("minutes"), 0,
         240, SECURITY, N_("at the next sign-in")),
    Spec("security.leads_per_minute", "security", N_("Leads a caller may take (0: no limit)"), "int",
         N_("per minute"), 0, 120, SECURITY),
    Spec("security.card_views_per_hour", "security", N_("Cards opened (0: no limit)"), "per_role", N_("per hour"), 0,
         100000, SECURITY),
    Spec("security.list_views_per_hour", "security", N_("Lists and reports opened (0: no limit)"), "per_role",
         N_("per hour"), 0, 100000, SECURITY),
    Spec("security.searches_per_hour", "security", N_("Searches (0: no limit)"), "per_role", N_("per hour"), 0,
         100000, SECURITY),
)  # fmt: skip


def setting_label(key: str) -> str:
    """A tunable's name in the reader's language (the key itself for one this version does not know)."""
    spec = next((spec for spec in SPECS if spec.key == key), None)
    return _(spec.label) if spec is not None else key


# --- operations ------------------------------------------------------------------------


@operation("settings.list_settings", reads=True)
def list_settings() -> list[SettingRow]:
    """Every tunable the reader may see (the supervisor all; the administrator the security ones)."""


@operation("settings.change_setting")
def change_setting(key: SettingKey, value: SettingText, role: Code = "") -> SettingRow:
    """Change one tunable (for a limit per role, that role's number); refused with a sentence when out of range."""
