"""Security alarms on the supervisor's screen: who reads the base faster than a person works.

`AlarmsPanel` is a widget any supervisor screen can mount: it refreshes as soon as the server
pushes an `alarm` event (the screen holding it passes its `ServerPush` on), and every 30 s in
case a push was missed.  `AlarmsScreen` shows it full screen.  Del dismisses the alarm under the
cursor (the user's wait ends), Ctrl+K locks the user (the account is disabled: their next action is
refused); each after a yes.  The keys are no letters: on the supervisor's desk every letter opens a screen.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Header, Static

from kbase_tui.i18n import _
from kbase_tui.labels import alarm_kind_label as kind_label
from kbase_tui.labels import role_label
from kbase_tui.protocol import alarms
from kbase_tui.protocol.alarms import AlarmInfo
from kbase_tui.protocol.session import ALARM

from ..base import KbaseScreen, ServiceCalls
from ..messages import ServerPush
from ..widgets.footer import KeyFooter
from ..widgets.formats import show_datetime
from ..widgets.table import ListTable

REFRESH_SECONDS = 30


class AlarmsPanel(ServiceCalls, Vertical):
    """Open alarms in a table; Del dismisses, Ctrl+K locks the user (each after a yes)."""

    DEFAULT_CSS = """
    AlarmsPanel { height: auto; max-height: 14; }
    AlarmsPanel DataTable { height: auto; max-height: 12; }
    """
    BINDINGS = [
        Binding("delete", "dismiss_alarm", _("Dismiss alarm"), id="alarms.dismiss"),
        Binding("ctrl+k", "lock_user", _("Lock the user"), id="alarms.lock"),
    ]

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.alarms: list[AlarmInfo] = []

    def compose(self) -> ComposeResult:
        yield Static("", id="alarms-panel-title")
        yield ListTable(id="alarms-table", cursor_type="row", zebra_stripes=True)

    # Below this width of the panel the role and the last time are left out: the six columns took about 108, and
    # at 80 the alarm's start ran off the screen.  The role is on the user's card, the last time in the audit log.
    WIDE = 108

    def on_mount(self) -> None:
        self.wide: bool | None = None
        self._set_columns(self.app.size.width >= self.WIDE + 4)  # the panel's own width is known after layout
        self.refresh_alarms()
        self.set_interval(REFRESH_SECONDS, self.refresh_alarms)

    def on_resize(self, event) -> None:
        self._set_columns(event.size.width >= self.WIDE)

    def _set_columns(self, wide: bool) -> None:
        if wide == self.wide:
            return
        self.wide = wide
        table = self.query_one(DataTable)
        table.clear(columns=True)
        for label, key in (
            (_("User"), "user"),
            (_("Role"), "role"),
            (_("What"), "kind"),
            (_("Seen"), "seen"),
            (_("Since"), "since"),
            (_("Last"), "last"),
        ):
            if wide or key not in ("role", "last"):
                table.add_column(label, key=key)
        if self.alarms:
            self._show(self.alarms)

    def refresh_alarms(self) -> None:
        self.call(alarms.open_alarms, done=self._show, group="alarms", exclusive=True)

    def on_server_push(self, message: ServerPush) -> None:
        """Passed on by the screen holding the panel: an alarm raised or changed shows at once."""
        if message.event.type == ALARM:
            self.refresh_alarms()

    def _show(self, rows: list[AlarmInfo]) -> None:
        # Refreshed while the supervisor looks at it: the cursor stays on the same alarm.
        current = self._current()
        self.alarms = list(rows)
        table = self.query_one(DataTable)
        table.clear()
        for alarm in self.alarms:
            who = Text(alarm.full_name or alarm.username)
            if alarm.user_disabled:
                who.append(" " + _("(disabled)"), style="dim")
            cells = {
                "user": who,
                "role": Text(role_label(alarm.role)),
                "kind": Text(kind_label(alarm.kind)),
                "seen": Text(_("{seen} (limit {limit})").format(seen=alarm.observed, limit=alarm.limit)),
                "since": Text(show_datetime(alarm.raised_at)),
                "last": Text(show_datetime(alarm.last_at)),
            }
            table.add_row(*(cells[str(column.key.value)] for column in table.ordered_columns), key=str(alarm.id))
        table.display = bool(self.alarms)  # no empty header row taking a line on the desk
        if current is not None:
            row = next((n for n, alarm in enumerate(self.alarms) if alarm.id == current.id), None)
            if row is not None:
                table.move_cursor(row=row)
        title = Text()
        if self.alarms:
            title.append(_("Security alarms: {n}").format(n=len(self.alarms)), style="bold red")
            title.append("  " + _("Del dismiss · Ctrl+K lock the user"), style="dim")
        else:
            title.append(_("No security alarms."), style="dim")
        self.query_one("#alarms-panel-title", Static).update(title)

    def _current(self) -> AlarmInfo | None:
        table = self.query_one(DataTable)
        if not self.alarms or table.cursor_row is None or table.cursor_row >= len(self.alarms):
            return None
        return self.alarms[table.cursor_row]

    def action_dismiss_alarm(self) -> None:
        from ..widgets.confirm import ConfirmDialog

        alarm = self._current()
        if alarm is None:
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.call(alarms.dismiss, alarm.id, done=lambda _r: self.refresh_alarms())

        # A dismissed alarm cannot be brought back: the user's wait ends at once.
        self.app.push_screen(
            ConfirmDialog(
                _("Dismiss the alarm about {name}? Their wait before each card or lead ends.").format(
                    name=alarm.full_name or alarm.username
                )
            ),
            answered,
        )

    def action_lock_user(self) -> None:
        from ..widgets.confirm import ConfirmDialog

        alarm = self._current()
        if alarm is None:
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.call(
                    alarms.lock_user,
                    alarm.id,
                    done=lambda _r: (
                        self.app.notify(_("{name} is locked.").format(name=alarm.username), markup=False),
                        self.refresh_alarms(),
                    ),
                )

        self.app.push_screen(
            ConfirmDialog(
                _("Lock {name}? They lose access at once; the administrator can enable them again.").format(
                    name=alarm.full_name or alarm.username
                )
            ),
            answered,
        )


class AlarmsScreen(KbaseScreen):
    CSS_PATH = "audit.tcss"
    HELP = _(
        "Open security alarms: users who opened more client cards or took more leads than the limits allow. "
        "They wait longer before each next card or lead until you dismiss the alarm (Del) or lock them (Ctrl+K)."
    )
    BINDINGS = [
        Binding("f5", "reload", _("Refresh"), id="alarms.refresh"),
        Binding("escape", "back", _("Back"), id="alarms.back"),
        Binding("f1", "app.help", _("Keys"), id="alarms.help"),
    ]

    def compose(self) -> ComposeResult:
        yield Header()
        yield AlarmsPanel(id="alarms-panel")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.title = _("Security alarms")
        self.query_one("#alarms-table").focus()

    def action_reload(self) -> None:
        self.query_one(AlarmsPanel).refresh_alarms()

    def on_server_push(self, message: ServerPush) -> None:
        self.query_one(AlarmsPanel).on_server_push(message)

    def action_back(self) -> None:
        self.app.pop_screen()
