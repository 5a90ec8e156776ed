"""The clients operations."""

from kbase_tui.protocol import clients as api  # noqa: F401
from kbase_tui.services import clients  # noqa: F401

from . import service  # noqa: F401
