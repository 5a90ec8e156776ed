"""The tunables the head of sales (and, for security, the administrator) changes: each with its unit, range,
default and current value, and who may change it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

import msgspec

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


# --- operations ------------------------------------------------------------------------


@operation("settings.list_settings", reads=True)
def list_settings() -> list[SettingRow]:
    """Every tunable the reader may see (the supervisor all; the administrator the security ones)."""


@operation("settings.change_setting")
def change_setting(key: SettingKey, value: SettingText, role: Code = "") -> SettingRow:
    """Change one tunable (for a limit per role, that role's number); refused with a sentence when out of range."""
