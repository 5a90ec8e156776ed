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

from typing import Any

from kbase_tui.formatting import format_fraction
from kbase_tui.i18n import _
from kbase_tui.labels import role_label
from kbase_tui.models import Role

# The tunables themselves (key, label, unit, range, who) live in the protocol: the audit log names them too.
from kbase_tui.protocol.settings import SECURITY, SPECS, SUPERVISOR_ONLY, SettingRow, Spec  # noqa: F401

from .. import audit, reference
from ..db import Database
from ..dto import Actor
from ..errors import AccessDenied, ValidationFailed
from ..policy import Capability, may, require_active_user

# Roles whose limits only the administrator may change (the ones that watch the others).
_GUARDED_ROLES = (Role.SUPERVISOR, Role.ADMIN)


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
            # The role first: the rows of one setting differ only by it, and at 80 columns the label's end is cut.
            label=f"{role_label(role)} · {_(spec.label)}",
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
