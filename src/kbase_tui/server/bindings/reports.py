"""The reports operations."""

from kbase_tui.protocol import reports as api  # noqa: F401
from kbase_tui.services import reports  # noqa: F401

from . import service  # noqa: F401
