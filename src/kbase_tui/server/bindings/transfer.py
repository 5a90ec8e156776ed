"""The transfer operations."""

from kbase_tui.protocol import transfer as api  # noqa: F401
from kbase_tui.services import transfer  # noqa: F401

from . import service  # noqa: F401
