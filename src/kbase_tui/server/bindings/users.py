"""The users operations."""

from kbase_tui.protocol import users as api  # noqa: F401
from kbase_tui.services import users  # noqa: F401

from . import service  # noqa: F401
