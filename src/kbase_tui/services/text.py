"""Text normalisation for the services (see kbase_tui.textnorm)."""

from kbase_tui.textnorm import clean_input, fold, name_key

__all__ = ["clean_input", "fold", "name_key"]
