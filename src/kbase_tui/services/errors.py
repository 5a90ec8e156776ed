"""The services raise the protocol's errors: the same classes reach the terminal app by name."""

from kbase_tui.protocol.errors import *  # noqa: F403
from kbase_tui.protocol.errors import __all__  # noqa: F401
