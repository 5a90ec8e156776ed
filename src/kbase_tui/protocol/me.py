"""The signed-in person's own settings (not their clients)."""

from __future__ import annotations

from typing import Annotated

import msgspec

from .operations import operation


@operation("me.set_language")
def set_language(language: Annotated[str, msgspec.Meta(max_length=8)] | None) -> None:
    """Keep *language* on the account (None: follow the terminal's); later messages come in it."""
