"""kbase: a terminal workstation for a B2B sales call centre."""

__version__ = "0.1.0"
