"""Entry point named by the brief: `kbase_tui.app.KbaseApp(db_url)`."""

from kbase_tui.ui.app import KbaseApp

__all__ = ["KbaseApp"]
