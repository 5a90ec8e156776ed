"""Phone numbers live in kbase_tui.phones, shared with the app."""

from kbase_tui.phones import DEFAULT_REGION, normalise, normalise_or_raise, readable  # noqa: F401
