"""The audit operations."""

from kbase_tui.protocol import audit as api  # noqa: F401
from kbase_tui.services import audit  # noqa: F401

from . import service  # noqa: F401
