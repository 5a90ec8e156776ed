"""The exporter operations."""

from kbase_tui.protocol import exporter as api  # noqa: F401
from kbase_tui.services import exporter  # noqa: F401

from . import service  # noqa: F401
