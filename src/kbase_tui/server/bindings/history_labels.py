"""The history_labels operations."""

from kbase_tui.protocol import history_labels as api  # noqa: F401
from kbase_tui.services import history_labels  # noqa: F401

from . import service  # noqa: F401
