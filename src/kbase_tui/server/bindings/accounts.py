"""The accounts operations."""

from kbase_tui.protocol import accounts as api  # noqa: F401
from kbase_tui.services import accounts  # noqa: F401

from . import service  # noqa: F401
