"""The refusals operations."""

from kbase_tui.protocol import refusals as api  # noqa: F401
from kbase_tui.services import refusals  # noqa: F401

from . import service  # noqa: F401
