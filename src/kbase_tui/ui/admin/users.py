"""The administrator's home: every user with role and state; add, disable or enable, new password.

The administrator sees no client data: only users and, by `l`, the audit log; by `o` the security settings and
by `h` the calling hours (counts of companies per time zone and channel names, no client).
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Header, Static

from kbase_tui.formatting import zone_city
from kbase_tui.i18n import _
from kbase_tui.labels import role_label, role_short_label
from kbase_tui.protocol import users
from kbase_tui.protocol.dto import UserInfo

from ..base import KbaseScreen
from ..widgets.confirm import ConfirmDialog
from ..widgets.footer import KeyFooter
from ..widgets.formats import show_datetime
from ..widgets.table import ListTable, share_room
from .dialogs import AddUserDialog, NewUser, PasswordDialog


def state_text(info: UserInfo) -> Text:
    if info.disabled:
        return Text(_("disabled"), style="bold red")
    if info.locked:
        return Text(_("locked (failed sign-ins)"), style="yellow")
    text = Text(_("active"))
    if info.must_change_password:
        text.append(" · " + _("must change password"), style="dim")
    return text


class UsersScreen(KbaseScreen):
    CSS_PATH = "admin.tcss"
    HELP = _(
        "Users of kbase. a adds a user with a first password (changed at the first sign-in); d disables "
        "the user under the cursor, or enables a disabled or locked one; p sets a new password. Disabling "
        "takes effect at once: the user's next action is refused. z sets the time zone the person reads "
        "and types times in (from their next sign-in). l opens the audit log, o the security settings (idle lock, "
        "limits per role), h the calling hours of the cold-call queue."
    )
    BINDINGS = [
        Binding("a", "add", _("Add user"), id="admin.users.add"),
        Binding("d", "toggle", _("Disable/enable"), id="admin.users.toggle"),
        Binding("p", "password", _("New password"), id="admin.users.password"),
        Binding("z", "time_zone", _("Time zone"), id="admin.users.time_zone"),
        Binding("l", "audit", _("Audit log"), id="admin.users.audit"),
        Binding("o", "settings", _("Security settings"), id="admin.users.settings"),
        Binding("h", "calling_hours", _("Calling hours"), show=False, id="admin.users.hours"),
        Binding("f5", "reload", _("Refresh"), show=False, id="admin.users.refresh"),
        Binding("f1", "app.help", _("Keys"), id="admin.users.help"),
        Binding("ctrl+l", "app.logout", _("Log out"), id="admin.users.logout"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.infos: list[UserInfo] = []

    def compose(self) -> ComposeResult:
        yield Header()
        yield ListTable(id="users-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="users-row")
        yield Static("", id="users-status")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.title = _("Users")
        table = self.query_one(ListTable)
        # (heading, key, width wanted, least width): the first five fit the screen with whole headings (at 80
        # columns the user name and the full name give up room and are cut with "…"; the role, in its short
        # words, and the zone "как у колл-центра" stay whole); the last sign-in follows to the right, the
        # table scrolls sideways.
        role_width = max(cell_len(role_short_label(role)) for role in users.ROLES)
        spec = (
            (_("User"), "user", 12, 8),
            (_("Full name"), "name", 18, 10),
            (_("Role"), "role", role_width, role_width),
            (_("State"), "state", 9, 9),
            (_("Time zone"), "zone", 17, cell_len(_("call centre's"))),
        )
        for label, key, width, _least in spec:
            table.add_column(label, key=key, width=width)
        table.add_column(_("Last sign-in"), key="last", width=16)
        room = [(key, width, max(least, cell_len(label))) for label, key, width, least in spec]

        def widths(width: int) -> dict[str, int]:
            # Room for the scrollbar only when the rows (and the heading) are more than the table's lines:
            # otherwise its two cells would show the first letter of the next heading.
            scrollbar = 2 if table.row_count + 1 > (table.size.height or self.app.size.height) - 1 else 0
            return share_room(width, room, scrollbar)

        self.widths = widths
        table.fit_columns(widths)
        table.focus()
        self.action_reload()

    def action_reload(self, select: str | None = None) -> None:
        self.call(users.list_users, done=lambda infos: self._show(infos, select), group="users-load", exclusive=True)

    def _show(self, infos: list[UserInfo], select: str | None = None) -> None:
        table = self.query_one(DataTable)
        current = select or (self._current().username if self._current() else None)
        table.clear()
        self.infos = list(infos)
        for info in self.infos:
            table.add_row(
                Text(info.username),
                Text(info.full_name),
                Text(role_short_label(info.role)),
                state_text(info),
                Text(zone_city(info.time_zone) or _("call centre's"), style="" if info.time_zone else "dim"),
                Text(show_datetime(info.last_login_at) or "—"),
                key=info.username,
            )
        table.fit_columns(self.widths)  # a scrollbar may have come or gone with the rows
        if current:
            for index, info in enumerate(self.infos):
                if info.username == current:
                    table.move_cursor(row=index)
        self._show_row()
        active = sum(1 for i in self.infos if not i.disabled)
        self.query_one("#users-status", Static).update(
            Text(_("{n} users, {active} active").format(n=len(self.infos), active=active))
        )

    def on_data_table_row_highlighted(self) -> None:
        self._show_row()

    def _show_row(self) -> None:
        """The user under the cursor whole (at 80 columns a long name, role or state ends in "…" in the list)."""
        info = self._current()
        text = Text()
        if info is not None:
            text.append(info.full_name, style="bold")
            text.append(f" ({info.username}) · {role_label(info.role)} · ")
            text.append_text(state_text(info))
            text.append(" · " + (zone_city(info.time_zone) or _("call centre's")))
            text.append(" · " + (show_datetime(info.last_login_at) or "—"))
        self.query_one("#users-row", Static).update(text)

    def _current(self) -> UserInfo | None:
        table = self.query_one(DataTable)
        if not self.infos or table.cursor_row is None or table.cursor_row >= len(self.infos):
            return None
        return self.infos[table.cursor_row]

    # --- actions ------------------------------------------------------------------
    def action_add(self) -> None:
        self.app.push_screen(AddUserDialog(), self._add)

    def _add(self, new: NewUser | None) -> None:
        if new is None:
            return

        def done(info: UserInfo) -> None:
            self.notify(
                _("User {name} created; they set their own password at the first sign-in.").format(name=info.username)
            )
            self.action_reload(select=info.username)

        def failed(error) -> None:
            self.notify(str(error), severity="error", timeout=8)
            self.app.push_screen(AddUserDialog(), self._add)

        self.call(
            users.create_user,
            new.username,
            new.role,
            new.password,
            full_name=new.full_name,
            must_change_password=True,
            done=done,
            failed=failed,
        )

    def action_toggle(self) -> None:
        info = self._current()
        if info is None:
            return
        if info.disabled or info.locked:
            question = _("Enable {name} ({full})?").format(name=info.username, full=info.full_name)
            function, message = users.enable_user, _("{name} can sign in again.")
        else:
            question = _("Disable {name} ({full})? They lose access at once.").format(
                name=info.username, full=info.full_name
            )
            function, message = users.disable_user, _("{name} is disabled.")

        def done(_info: UserInfo) -> None:
            self.notify(message.format(name=info.username))
            self.action_reload(select=info.username)

        def answered(yes: bool | None) -> None:
            if yes:
                self.call(function, info.username, done=done)

        self.app.push_screen(ConfirmDialog(question), answered)

    def action_password(self) -> None:
        info = self._current()
        if info is None:
            return

        def done(_info: UserInfo) -> None:
            self.notify(
                _("New password set for {name}; it must be changed at the next sign-in.").format(name=info.username)
            )
            self.action_reload(select=info.username)

        def chosen(password: str | None) -> None:
            if password:
                self.call(users.reset_password, info.username, password, done=done)

        self.app.push_screen(PasswordDialog(info.username), chosen)

    def action_time_zone(self) -> None:
        from ..widgets.zone_dialog import ZoneDialog

        info = self._current()
        if info is None:
            return

        def done(changed: UserInfo) -> None:
            self.notify(
                _("{name} sees times in {zone} from the next sign-in.").format(
                    name=info.username, zone=zone_city(changed.time_zone) or _("the call centre's zone")
                )
            )
            self.action_reload(select=info.username)

        def chosen(name: str | None) -> None:
            if name is not None:
                self.call(users.set_time_zone, info.username, name, done=done)

        self.app.push_screen(
            ZoneDialog(
                _("Time zone of {name}").format(name=info.username), _("The call centre's zone"), info.time_zone or ""
            ),
            chosen,
        )

    def action_audit(self) -> None:
        from ..audit.screen import AuditScreen

        self.app.push_screen(AuditScreen())

    def action_settings(self) -> None:
        from ..supervisor.settings import SettingsScreen

        self.app.push_screen(SettingsScreen())

    def action_calling_hours(self) -> None:
        from ..supervisor.calling_hours import CallingHoursScreen

        self.app.push_screen(CallingHoursScreen())
