"""Landing screens for roles whose work screen is not built yet: title and user."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Header, Static

from kbase_tui.i18n import _
from kbase_tui.labels import role_label

from ..base import KbaseScreen
from ..widgets.footer import KeyFooter


class RoleHome(KbaseScreen):
    SCREEN_TITLE = ""
    BINDINGS = [
        Binding("f1", "app.help", _("Keys"), id="home.help"),
        Binding("ctrl+l", "app.logout", _("Log out"), id="home.logout"),
    ]

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(Text(self.SCREEN_TITLE), id="home-title")
        yield Static(Text(f"{self.actor.label} · {role_label(self.actor.role)}"), id="home-user")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.title = self.SCREEN_TITLE


class CallerHome(RoleHome):
    SCREEN_TITLE = _("Cold-call queue")


class CloserHome(RoleHome):
    SCREEN_TITLE = _("Pipeline")


class AccountHome(RoleHome):
    SCREEN_TITLE = _("Follow-ups")


class SupervisorHome(RoleHome):
    SCREEN_TITLE = _("Supervisor's desk")


class AdminHome(RoleHome):
    SCREEN_TITLE = _("Users")
