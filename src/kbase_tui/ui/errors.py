"""Unexpected errors: logged in full to a file, shown to the user as one line."""

from __future__ import annotations

import logging
import traceback

from kbase_tui import paths
from kbase_tui.i18n import _

_logger: logging.Logger | None = None


def logger() -> logging.Logger:
    global _logger
    if _logger is None:
        _logger = logging.getLogger("kbase")
        _logger.setLevel(logging.INFO)
        try:
            handler: logging.Handler = logging.FileHandler(paths.log_dir() / "kbase.log", encoding="utf-8")
        except OSError:
            handler = logging.NullHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(process)d %(levelname)s %(message)s"))
        _logger.addHandler(handler)
    return _logger


def log_unexpected(error: BaseException, context: str = "") -> str:
    """Log *error* with its traceback and return the one line to show."""
    try:
        logger().error("%s\n%s", context, "".join(traceback.format_exception(error)))
        where = paths.log_dir() / "kbase.log"
    except Exception:
        where = "kbase.log"
    return _("Unexpected error ({kind}); details are in {log}.").format(kind=type(error).__name__, log=where)
