"""Argument types with limits, so that the server refuses absurd input before any service runs.

The services still check and clean every value (lengths, allowed codes, visibility); these
limits only keep a request from carrying megabytes where a name belongs.
"""

from __future__ import annotations

from typing import Annotated

import msgspec

Id = Annotated[int, msgspec.Meta(ge=1, le=2**63 - 1)]
Count = Annotated[int, msgspec.Meta(ge=0, le=1_000_000)]
Code = Annotated[str, msgspec.Meta(max_length=64)]
Name = Annotated[str, msgspec.Meta(max_length=512)]
Text = Annotated[str, msgspec.Meta(max_length=20_000)]
Search = Annotated[str, msgspec.Meta(max_length=200)]
