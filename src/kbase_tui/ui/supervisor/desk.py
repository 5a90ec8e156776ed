"""The supervisor's desk: one screen that leads to every supervisor screen by one key.

Screens built by other parts of kbase (pipeline overview, accounts, lost list, call scripts,
audit) are imported only when opened; one that is not installed yet says so instead of failing.
"""

from __future__ import annotations

import importlib

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Header, OptionList, Static
from textual.widgets.option_list import Option

from kbase_tui.i18n import N_, _
from kbase_tui.protocol import refusals
from kbase_tui.protocol.refusals import DeskSummary

from ..audit.alarms import AlarmsPanel
from ..base import KbaseScreen
from ..messages import ServerPush
from ..widgets.footer import KeyFooter

# (key, name, label, "module:Class") -- the desk's menu; labels translated where shown.
DESTINATIONS: list[tuple[str, str, str, str]] = [
    (
        "b",
        "base",
        N_("Search the base (any company, its whole card)"),
        "kbase_tui.ui.supervisor.base_search:BaseSearchScreen",
    ),
    ("f", "bad_data", N_("Companies with bad data to fix"), "kbase_tui.ui.supervisor.base_search:BadDataScreen"),
    (
        "x",
        "duplicates",
        N_("Possible duplicates to merge or keep apart"),
        "kbase_tui.ui.supervisor.duplicates:DuplicatesScreen",
    ),
    ("r", "review", N_("Refusal review"), "kbase_tui.ui.supervisor.review:RefusalReview"),
    ("t", "transfer", N_("Transfer a portfolio (a manager leaves)"), "kbase_tui.ui.supervisor.transfer:TransferDialog"),
    ("h", "held", N_("Hand on a portfolio I hold to a new person"), "kbase_tui.ui.supervisor.transfer:PassOnDialog"),
    ("p", "reports", N_("Reports"), "kbase_tui.ui.supervisor.reports:ReportsScreen"),
    ("g", "targets", N_("Targets per user"), "kbase_tui.ui.supervisor.targets:TargetsEditor"),
    ("i", "import", N_("Import companies"), "kbase_tui.ui.supervisor.import_dialog:ImportDialog"),
    ("e", "export", N_("Export companies"), "kbase_tui.ui.supervisor.export_dialog:ExportDialog"),
    ("v", "pipeline", N_("Pipeline of all closers"), "kbase_tui.ui.pipeline.supervisor_view:PipelineSupervisorView"),
    (
        "y",
        "playbook",
        N_("Playbook: contact standards, second persons, lost TOP, activation"),
        "kbase_tui.ui.playbook.supervisor:PlaybookScreen",
    ),
    ("a", "accounts", N_("Accounts by manager"), "kbase_tui.ui.accounts.supervisor_view:AccountsSupervisorView"),
    ("l", "lost", N_("Lost clients"), "kbase_tui.ui.accounts.lost_list:LostList"),
    ("s", "scripts", N_("Call scripts"), "kbase_tui.ui.queue.script_editor:ScriptEditor"),
    ("c", "outcomes", N_("Call outcomes and reasons"), "kbase_tui.ui.queue.outcome_editor:OutcomesEditor"),
    (
        "k",
        "catalog",
        N_("Catalog: categories, products, price lists"),
        "kbase_tui.ui.growth.catalog_screen:CatalogScreen",
    ),
    ("d", "standards", N_("The ideal client per segment (standards)"), "kbase_tui.ui.growth.standards:StandardsScreen"),
    ("w", "white_spots", N_("White spots in every portfolio"), "kbase_tui.ui.growth.portfolio:PortfolioGaps"),
    ("m", "market", N_("Market capacity, census, growth of clients"), "kbase_tui.ui.growth.market:MarketScreen"),
    ("j", "focus", N_("Focus targets"), "kbase_tui.ui.growth.focus:FocusTargets"),
    ("o", "settings", N_("Settings (queue, accounts, security)"), "kbase_tui.ui.supervisor.settings:SettingsScreen"),
    (
        "z",
        "hours",
        N_("Calling hours: the window, holidays, channels, time zones"),
        "kbase_tui.ui.supervisor.calling_hours:CallingHoursScreen",
    ),
    ("n", "alarms", N_("Security alarms, full screen"), "kbase_tui.ui.audit.alarms:AlarmsScreen"),
    ("u", "audit", N_("Audit log"), "kbase_tui.ui.audit.screen:AuditScreen"),
]


def load_screen_class(target: str):
    """The class behind "module:Class", or None when that part of kbase is not there yet."""
    module_name, _sep, class_name = target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        if error.name and module_name.startswith(error.name):
            return None
        raise
    return getattr(module, class_name, None)


class SupervisorDesk(KbaseScreen):
    CSS_PATH = "supervisor.tcss"
    HELP = _(
        "The head of sales' desk. Each line opens a screen; its key opens it from here. "
        "Esc on any of those screens comes back here."
    )
    BINDINGS = [
        Binding("b", "open('base')", _("Search the base"), id="supervisor.desk.base"),
        Binding("f", "open('bad_data')", _("Bad data to fix"), show=False, id="supervisor.desk.bad_data"),
        Binding("x", "open('duplicates')", _("Possible duplicates"), show=False, id="supervisor.desk.duplicates"),
        Binding("r", "open('review')", _("Refusals"), id="supervisor.desk.review"),
        Binding("t", "open('transfer')", _("Transfer portfolio"), id="supervisor.desk.transfer"),
        Binding("h", "open('held')", _("Hand on held portfolio"), show=False, id="supervisor.desk.held"),
        Binding("p", "open('reports')", _("Reports"), id="supervisor.desk.reports"),
        Binding("g", "open('targets')", _("Targets per user"), show=False, id="supervisor.desk.targets"),
        Binding("i", "open('import')", _("Import"), id="supervisor.desk.import"),
        Binding("e", "open('export')", _("Export"), id="supervisor.desk.export"),
        Binding("v", "open('pipeline')", _("Pipeline of all closers"), show=False, id="supervisor.desk.pipeline"),
        Binding("y", "open('playbook')", _("Playbook"), show=False, id="supervisor.desk.playbook"),
        Binding("a", "open('accounts')", _("Accounts by manager"), show=False, id="supervisor.desk.accounts"),
        Binding("l", "open('lost')", _("Lost clients"), show=False, id="supervisor.desk.lost"),
        Binding("s", "open('scripts')", _("Call scripts"), show=False, id="supervisor.desk.scripts"),
        Binding("c", "open('outcomes')", _("Call outcomes and reasons"), show=False, id="supervisor.desk.outcomes"),
        Binding("u", "open('audit')", _("Audit log"), show=False, id="supervisor.desk.audit"),
        Binding("k", "open('catalog')", _("Catalog"), show=False, id="supervisor.desk.catalog"),
        Binding("d", "open('standards')", _("Standards"), show=False, id="supervisor.desk.standards"),
        Binding("w", "open('white_spots')", _("White spots"), show=False, id="supervisor.desk.white_spots"),
        Binding("m", "open('market')", _("Market and growth"), show=False, id="supervisor.desk.market"),
        Binding("j", "open('focus')", _("Focus targets"), show=False, id="supervisor.desk.focus"),
        Binding("o", "open('settings')", _("Settings"), show=False, id="supervisor.desk.settings"),
        Binding("z", "open('hours')", _("Calling hours"), show=False, id="supervisor.desk.hours"),
        Binding("n", "open('alarms')", _("Security alarms"), show=False, id="supervisor.desk.alarms"),
        # The alarm list's keys work from the menu too (on the alarm under the list's cursor, after a yes):
        # every letter here opens a screen, so they are no letters.
        Binding("delete", "alarm('dismiss_alarm')", _("Dismiss alarm"), show=False, id="supervisor.desk.alarm_dismiss"),
        Binding("ctrl+k", "alarm('lock_user')", _("Lock the user"), show=False, id="supervisor.desk.alarm_lock"),
        Binding("f5", "refresh", _("Refresh"), show=False, id="supervisor.desk.refresh"),
        Binding("f1", "app.help", _("Keys"), id="supervisor.desk.help"),
        Binding("ctrl+l", "app.logout", _("Log out"), id="supervisor.desk.logout"),
    ]

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="desk-summary")
        # Someone reading the base faster than a person works shows here at once (Tab to reach it).
        yield AlarmsPanel(id="desk-alarms")
        yield OptionList(
            *(
                Option(Text.assemble((f" {key} ", "bold reverse"), "  ", _(label)), id=name)
                for key, name, label, _t in DESTINATIONS
            ),
            id="desk-menu",
        )
        yield KeyFooter()

    def on_mount(self) -> None:
        self.title = _("Supervisor's desk")
        self.query_one(OptionList).focus()
        self.action_refresh()

    def resumed(self) -> None:
        self.action_refresh()

    def action_alarm(self, action: str) -> None:
        panel = self.query_one(AlarmsPanel)
        if not panel.alarms:
            self.notify(_("No security alarms."), markup=False)
            return
        getattr(panel, f"action_{action}")()

    def action_refresh(self) -> None:
        self.query_one(AlarmsPanel).refresh_alarms()
        self.call(refusals.desk_summary, done=self._show_summary, group="desk-summary", exclusive=True)

    def on_server_push(self, message: ServerPush) -> None:
        # An alarm raised or changed anywhere shows on the desk as it happens, without a key.
        self.query_one(AlarmsPanel).on_server_push(message)

    def _show_summary(self, summary: DeskSummary) -> None:
        text = Text()
        text.append(_("Refusals this week waiting for a decision: {n}").format(n=summary.undecided_this_week))
        if summary.overdue:
            text.append("   ")
            text.append(_("Older than a week, undecided: {n}").format(n=summary.overdue), style="bold red")
        self.query_one("#desk-summary", Static).update(text)

    @on(OptionList.OptionSelected, "#desk-menu")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.action_open(event.option.id or "")

    def action_open(self, name: str) -> None:
        target = next((t for _k, n, _l, t in DESTINATIONS if n == name), None)
        if target is None:
            return
        try:
            screen_class = load_screen_class(target)
            if screen_class is None:
                self.notify(_("Not available yet."), severity="warning", markup=False)
                return
            screen = screen_class()
        except Exception as error:  # another part's screen that fails to load must not close the desk
            from ..errors import log_unexpected

            self.notify(log_unexpected(error, f"opening {target}"), severity="error", timeout=10)
            return
        self.app.push_screen(screen)
