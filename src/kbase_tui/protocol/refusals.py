"""refusals: data and operations (being moved here from kbase_tui.services.refusals)."""

from __future__ import annotations

from .operations import operation  # noqa: F401
