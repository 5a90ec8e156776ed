"""The signed-in user and user rows live in the protocol: both processes use them."""

from kbase_tui.protocol.dto import Actor, UserInfo  # noqa: F401
