"""clients: data and operations (being moved here from kbase_tui.services.clients)."""

from __future__ import annotations

from .operations import operation  # noqa: F401
