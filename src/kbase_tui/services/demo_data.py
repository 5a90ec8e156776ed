"""Deterministic demo data (filled in by the demo generator)."""

from __future__ import annotations


def generate_demo_data(session, users_by_name) -> None:
    return None
