"""The importer operations."""

from kbase_tui.protocol import importer as api  # noqa: F401
from kbase_tui.services import importer  # noqa: F401

from . import service  # noqa: F401
