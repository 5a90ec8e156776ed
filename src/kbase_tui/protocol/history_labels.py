"""history_labels: data and operations (being moved here from kbase_tui.services.history_labels)."""

from __future__ import annotations

from .operations import operation  # noqa: F401
