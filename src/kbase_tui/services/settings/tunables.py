"""The tunables (the `setting` table) as the head of sales and the administrator edit them.

Each tunable has a type, a unit and a range; a value outside it is refused with a sentence and nothing is
written. Who may change what:
- the head of sales: the queue (lease, attempts, retry delays, callback grace), the daily calls target, stale
  deals, lost clients and follow-ups, the ABCDE thresholds, the idle lock, leads per minute and the per-role
  limits of callers, closers and account managers;
- the administrator: the security ones (idle lock, leads per minute, every per-role limit);
- nobody from here may change the limits of the supervisor's or the administrator's own role except the
  administrator: a head of sales cannot loosen the alarms watching heads of sales.
Every change is audited (`setting_changed` with the old and the new value). The server reads settings through
`reference.get_setting_cached` (at most SETTINGS_TTL seconds old) or afresh per call, so a change applies
without a restart; the idle lock and the lead lease reach the app at its next sign-in.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kbase_tui.formatting import format_fraction
from kbase_tui.i18n import N_, _
from kbase_tui.labels import role_label
from kbase_tui.models import Role
from kbase_tui.protocol.settings import SettingRow

from .. import audit, reference
from ..db import Database
from ..dto import Actor
from ..errors import AccessDenied, ValidationFailed
from ..policy import Capability, may, require_active_user

SUPERVISOR_ONLY = "supervisor"
SECURITY = "security"  # the head of sales and the administrator

# Roles whose limits only the administrator may change (the ones that watch the others).
_GUARDED_ROLES = (Role.SUPERVISOR, Role.ADMIN)


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
_BY_KEY = {spec.key: spec for spec in SPECS}


def _number(value: float) -> str:
    """A value as the reader writes it (0,8 in Russian), without grouping: it is typed back as it is shown."""
    return format_fraction(value, 3, trim=True, group=False)


def _text(spec: Spec, value: Any) -> str:
    if spec.kind == "minutes":
        return ", ".join(_number(float(v)) for v in value)
    return _number(float(value))


def _range(spec: Spec) -> str:
    return f"{_number(spec.low)}–{_number(spec.high)}"


def _may_see(actor: Actor, spec: Spec) -> bool:
    if may(actor, Capability.EDIT_SCRIPTS):
        return True
    return spec.who == SECURITY and may(actor, Capability.MANAGE_USERS)


def _may_change(actor: Actor, spec: Spec, role: str) -> bool:
    if not _may_see(actor, spec):
        return False
    if may(actor, Capability.MANAGE_USERS):
        return True
    return role not in _GUARDED_ROLES


def _parse(spec: Spec, typed: str) -> Any:
    """The value typed, as stored; ValidationFailed with a sentence when it is not one."""
    text = typed.strip().replace(" ", "")
    out_of_range = _("{label}: from {low} to {high} {unit}.").format(
        label=_(spec.label), low=_number(spec.low), high=_number(spec.high), unit=_(spec.unit)
    )
    if spec.kind == "minutes":
        parts = [p for p in text.replace(";", ",").split(",") if p]
        if not parts or len(parts) > 10:
            raise ValidationFailed(_("Give 1 to 10 delays in minutes, separated by commas: 30, 120, 480."))
        try:
            values = [int(p) for p in parts]
        except ValueError:
            raise ValidationFailed(_("Delays are whole minutes, separated by commas: 30, 120, 480.")) from None
        if any(v < spec.low or v > spec.high for v in values):
            raise ValidationFailed(out_of_range)
        return values
    try:
        number = float(text.replace(",", "."))
    except ValueError:
        raise ValidationFailed(_("{label}: a number is needed.").format(label=_(spec.label))) from None
    if spec.kind in ("int", "per_role") and not number.is_integer():
        raise ValidationFailed(_("{label}: a whole number is needed.").format(label=_(spec.label)))
    if not spec.low <= number <= spec.high:
        raise ValidationFailed(out_of_range)
    return int(number) if spec.kind in ("int", "per_role") else number


def _rows(session, actor: Actor, spec: Spec) -> list[SettingRow]:
    current = reference.get_setting(session, spec.key)
    default = reference.shipped_defaults()["settings"][spec.key]
    common = {
        "key": spec.key,
        "group": spec.group,
        "unit": _(spec.unit),
        "range_text": _range(spec),
        "applies": _(spec.applies),
    }
    if spec.kind != "per_role":
        return [
            SettingRow(
                role="",
                label=_(spec.label),
                value=_text(spec, current),
                default=_text(spec, default),
                editable=_may_change(actor, spec, ""),
                **common,
            )
        ]
    roles = [r for r in (Role.CALLER, Role.CLOSER, Role.ACCOUNT, Role.SUPERVISOR, Role.ADMIN) if r in default]
    return [
        SettingRow(
            role=str(role),
            label=f"{_(spec.label)} · {role_label(role)}",
            value=_number(float((current or {}).get(role, 0))),
            default=_number(float(default.get(role, 0))),
            editable=_may_change(actor, spec, role),
            **common,
        )
        for role in roles
    ]


def list_settings(db: Database, actor: Actor) -> list[SettingRow]:
    """Every tunable the reader may see, with its current and default value."""
    with db.read() as session:
        require_active_user(session, actor)
        specs = [spec for spec in SPECS if _may_see(actor, spec)]
        if not specs:
            raise AccessDenied(_("Your role does not allow this."))
        return [row for spec in specs for row in _rows(session, actor, spec)]


def change_setting(db: Database, actor: Actor, key: str, value: str, role: str = "") -> SettingRow:
    """Change one tunable (one role's number of a per-role limit): checked, stored, audited with old and new."""
    spec = _BY_KEY.get(key)
    if spec is None:
        raise ValidationFailed(_("Unknown setting: {key}").format(key=key))
    with db.write() as session:
        require_active_user(session, actor)
        if not _may_see(actor, spec):
            raise AccessDenied(_("Your role does not allow this."))
        default = reference.shipped_defaults()["settings"][key]
        if spec.kind == "per_role" and role not in default:
            raise ValidationFailed(_("Choose a role for this limit."))
        if spec.kind != "per_role":
            role = ""
        if not _may_change(actor, spec, role):
            raise AccessDenied(_("Only the administrator changes the limits of supervisors and administrators."))
        typed = _parse(spec, value)
        old = reference.get_setting(session, key)
        if spec.kind == "per_role":
            new = dict(old or {})
            before, new[role] = (old or {}).get(role), typed
            detail: dict[str, object] = {"role": role, "old": before, "new": typed}
        else:
            new = typed
            detail = {"old": old, "new": typed}
        if new != old:
            reference.set_setting(session, key, new)
            audit.record(session, actor, "setting_changed", "setting", None, key=key, **detail)
        return next(row for row in _rows(session, actor, spec) if row.role == role)
