"""The callscripts operations."""

from kbase_tui.protocol import callscripts as api  # noqa: F401
from kbase_tui.services import callscripts  # noqa: F401

from . import service  # noqa: F401
