"""The targets operations."""

from kbase_tui.protocol import targets as api  # noqa: F401
from kbase_tui.services import targets  # noqa: F401

from . import service  # noqa: F401
