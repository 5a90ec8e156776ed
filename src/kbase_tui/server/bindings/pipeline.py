"""The pipeline operations."""

from kbase_tui.protocol import pipeline as api  # noqa: F401
from kbase_tui.services import pipeline  # noqa: F401

from . import service  # noqa: F401
