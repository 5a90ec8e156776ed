"""The alarms operations."""

from kbase_tui.protocol import alarms as api  # noqa: F401
from kbase_tui.services import alarms  # noqa: F401

from . import service  # noqa: F401
