"""The supervisor's card of one company: everything the base knows, and the fixes only the head of sales makes.

Tabs 1 History (every stage) · 2 Contacts · 3 Deals · 4 Orders · 5 Refusals · 6 Seen by (from the
audit) · 7 Merges.  e corrects the company's data, q returns a cold company to the queue, s shelves
it, d marks it do-not-call, g gives it to one person, m merges a duplicate into it, u undoes a merge.  Every change is checked and written on the server; a
company someone else changed meanwhile is shown as it is now, and nothing is saved over it.
"""

from __future__ import annotations

from datetime import timedelta

from rich.cells import cell_len
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Header, Input, Label, Select, Static, TabbedContent, TabPane

from kbase_tui.formatting import quoted
from kbase_tui.formatting import today as business_today
from kbase_tui.i18n import N_, _, pgettext
from kbase_tui.labels import category_label, role_label, stage_label
from kbase_tui.protocol import companies
from kbase_tui.protocol.companies import BasePage, BaseQuery, CompanyFix, MergeLine, Person, SupervisorCard
from kbase_tui.protocol.errors import StaleRecord
from kbase_tui.timezones import in_reader_zone

from ..base import KbaseScreen
from ..widgets.confirm import ConfirmDialog
from ..widgets.contacts import ContactsPanel
from ..widgets.footer import KeyFooter
from ..widgets.form_dialog import DialogBody, ErrorLine, FormDialog
from ..widgets.formats import entries_in_lines, show_amount, show_date, show_datetime
from ..widgets.history import HistoryTimeline
from ..widgets.table import ListTable, share_room
from .base_search import clip
from .dialogs import ShelveDialog
from .review import decision_label, readable

TABS = ("history", "contacts", "deals", "orders", "refusals", "seen")


def deal_status_label(status: str) -> str:
    return {"open": pgettext("deal", "open"), "won": pgettext("deal", "won"), "lost": pgettext("deal", "lost")}.get(
        status, status
    )


class CompanyFixDialog(FormDialog):
    """The company's own data, each field as it is now; Ctrl+S saves the changed ones."""

    COMPACT = True

    FIELDS = (
        ("name", N_("Name")),
        ("inn", N_("INN (10 or 12 digits)")),
        ("city", N_("City")),
        ("industry", N_("Industry")),
        ("channel", N_("Channel")),
        ("phones", N_("Phones (comma between numbers)")),
        ("email", N_("E-mail")),
        ("website", N_("Website")),
        ("address", N_("Address")),
    )
    # The room of each field is its column's (the service refuses longer): a full field says so as the
    # person types, instead of a cut value saved later.  INN and phones: spaces are typed and dropped.
    ROOM = {
        "name": 300,
        "inn": 30,
        "city": 120,
        "industry": 120,
        "channel": 60,
        "phones": 300,
        "email": 200,
        "website": 200,
        "address": 300,
    }

    def __init__(self, card: SupervisorCard) -> None:
        super().__init__()
        self.card = card

    def compose(self) -> ComposeResult:
        c = self.card.company
        values = {
            "name": c.name,
            "inn": c.inn or "",
            "city": c.city,
            "industry": c.industry,
            "channel": c.channel,
            "phones": ", ".join(readable(p) for p in c.phones),
            "email": c.email,
            "website": c.website,
            "address": self.card.state.address,
        }
        with DialogBody():
            yield Static(Text(_("Correct the company's data")), classes="dialog-title")
            for key, label in self.FIELDS:
                yield Label(_(label))
                yield Input(values[key], id=f"fix-{key}", max_length=self.ROOM[key])
            yield ErrorLine()
            yield Static(
                Text(_("Ctrl+S saves, Esc cancels. Each change is written to the history.")), classes="dialog-hint"
            )

    def on_mount(self) -> None:
        self.query_one("#fix-name", Input).focus()

    def action_save(self) -> None:
        def value(key: str) -> str:
            return self.query_one(f"#fix-{key}", Input).value

        form = CompanyFix(
            name=value("name"),
            inn=value("inn"),
            city=value("city"),
            industry=value("industry"),
            channel=value("channel"),
            phones=[p for p in (s.strip() for s in value("phones").split(",")) if p],
            email=value("email"),
            website=value("website"),
            address=value("address"),
        )
        self.call(
            companies.fix_data,
            self.card.company.id,
            self.card.company.version,
            form,
            done=lambda card: self.dismiss((card, True)),
            failed=self._failed,
        )

    def _failed(self, error) -> None:
        if isinstance(error, StaleRecord) and isinstance(error.current, SupervisorCard):
            # Someone saved first: the card shows what is saved now; nothing typed here was written.
            self.app.notify(str(error), severity="error", timeout=8, markup=False)
            self.dismiss((error.current, False))
            return
        self.show_error(str(error))


class AssignDialog(FormDialog):
    """One person of the company's stage to give it to."""

    COMPACT = True

    def __init__(self, people: list[Person], stage: str) -> None:
        super().__init__()
        self.people = people
        self.stage = stage

    def compose(self) -> ComposeResult:
        with DialogBody():
            yield Static(
                Text(_("Give the company to one person ({stage})").format(stage=stage_label(self.stage))),
                classes="dialog-title",
            )
            yield Label(_("Who"))
            yield Select(
                [(Text(f"{p.name} · {role_label(p.role)}"), p.id) for p in self.people],
                prompt=_("Choose a person"),
                id="assign-who",
            )
            yield ErrorLine("" if self.people else _("Nobody active works this stage."))
            yield Static(Text(_("Ctrl+S gives, Esc cancels.")), classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one(Select).focus()

    def action_save(self) -> None:
        who = self.query_one(Select).value
        if not isinstance(who, int):
            self.show_error(_("Choose a person."))
            return
        self.dismiss(who)


class MergeDialog(FormDialog):
    """Find the duplicate (name, INN or phone, as in the base search), Enter on it merges it into this company."""

    COMPACT = True

    def __init__(self, card: SupervisorCard) -> None:
        super().__init__()
        self.card = card
        self.found: dict[int, str] = {}

    def compose(self) -> ComposeResult:
        with DialogBody():
            yield Static(
                Text(_("Merge a duplicate into {name}").format(name=quoted(clip(self.card.company.name, 60)))),
                classes="dialog-title",
            )
            yield Label(_("The duplicate: name, INN or phone; Enter searches"))
            yield Input(clip(self.card.company.name, 80), id="merge-query")
            yield ListTable(id="merge-found", cursor_type="row", zebra_stripes=True)
            yield ErrorLine()
            yield Static(
                Text(
                    _(
                        "Enter (or Ctrl+S) on the duplicate merges it: its contacts, phones, history, refusals, deals and "
                        "tasks move here, it leaves the lists, and u on this card undoes it. Esc cancels."
                    )
                ),
                classes="dialog-hint",
            )

    def on_mount(self) -> None:
        table = self.query_one(ListTable)
        table.add_column(_("Company"), key="name", width=40)
        table.add_column(_("City"), key="city", width=14)
        table.add_column(_("INN"), key="inn", width=12)
        table.add_column(_("Stage"), key="stage", width=15)
        self.query_one(Input).focus()
        self._search()

    def on_input_submitted(self, _event: Input.Submitted) -> None:
        self._search()
        self.query_one(ListTable).focus()

    def _search(self) -> None:
        query = BaseQuery(text=self.query_one(Input).value.strip())
        self.call(
            companies.search,
            query,
            limit=20,
            done=self._found,
            failed=lambda error: self.show_error(str(error)),
            group="merge-search",
            exclusive=True,
        )

    def _found(self, page: BasePage) -> None:
        table = self.query_one(ListTable)
        table.clear()
        self.found = {r.id: r.name for r in page.rows if r.id != self.card.company.id}
        table.append_rows(
            [
                (
                    (
                        Text(clip(r.name, 40)),
                        Text(clip(r.city, 14)),
                        Text(r.inn or ""),
                        Text(clip(stage_label(r.stage), 15)),
                    ),
                    str(r.id),
                )
                for r in page.rows
                if r.id != self.card.company.id
            ]
        )
        self.show_error("" if self.found else _("No other company matches."))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_save()

    def action_save(self) -> None:
        table = self.query_one(ListTable)
        if not table.row_count:
            self.show_error(_("Find the duplicate first."))
            return
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        duplicate = int(key)
        question = _("Merge {dup} into {kept}? Its records move here; u undoes it.").format(
            dup=quoted(clip(self.found.get(duplicate, ""), 60)), kept=quoted(clip(self.card.company.name, 60))
        )
        self.app.push_screen(
            ConfirmDialog(question),
            lambda yes: (
                yes
                and self.call(
                    companies.merge,
                    self.card.company.id,
                    self.card.company.version,
                    duplicate,
                    done=lambda card: self.dismiss(card),
                    failed=lambda error: self.show_error(str(error)),
                )
            ),
        )


class UndoMergeDialog(FormDialog):
    """Which merge into this company to undo."""

    COMPACT = True

    def __init__(self, merges: list[MergeLine]) -> None:
        super().__init__()
        self.merges = merges

    def compose(self) -> ComposeResult:
        with DialogBody():
            yield Static(Text(_("Undo a merge")), classes="dialog-title")
            yield Label(_("Merged duplicate"))
            yield Select(
                [(Text(f"{show_datetime(m.merged_at)} · {m.source_name} · {m.merged_by}"), m.id) for m in self.merges],
                value=self.merges[0].id,
                allow_blank=False,
                id="undo-which",
            )
            yield ErrorLine()
            yield Static(
                Text(
                    _(
                        "Ctrl+S undoes it: the records that moved go back, the duplicate returns to the "
                        "lists. Esc cancels."
                    )
                ),
                classes="dialog-hint",
            )

    def on_mount(self) -> None:
        self.query_one(Select).focus()

    def action_save(self) -> None:
        self.call(
            companies.undo_merge,
            self.query_one(Select).value,
            done=lambda card: self.dismiss(card),
            failed=lambda error: self.show_error(str(error)),
        )


class SupervisorCardScreen(KbaseScreen):
    CSS_PATH = "base_search.tcss"
    HELP = _(
        "The whole card of one company. 1 history of every stage, 2 contact persons (a adds, Enter edits), "
        "3 deals, 4 orders, 5 refusals with the callers' comments, 6 who opened or changed it (from the audit). "
        "7 merges. e corrects the data, q returns a cold company to the queue, s shelves it, d: do not call, "
        "g gives it to one person, m merges a duplicate into it, u undoes a merge. Esc goes back."
    )
    BINDINGS = [
        Binding("e", "fix", _("Correct data"), id="supervisor.card.fix"),
        Binding("q", "to_queue", _("Back to queue"), id="supervisor.card.queue"),
        Binding("s", "shelve", _("Shelve"), id="supervisor.card.shelve"),
        Binding("d", "do_not_call", _("Do not call"), id="supervisor.card.dnc"),
        Binding("g", "assign", _("Give to…"), id="supervisor.card.assign"),
        Binding("m", "merge", _("Merge a duplicate"), show=False, id="supervisor.card.merge"),
        Binding("u", "undo_merge", _("Undo a merge"), show=False, id="supervisor.card.undo_merge"),
        Binding("1", "tab('history')", _("History"), show=False, id="supervisor.card.tab_history"),
        Binding("2", "tab('contacts')", _("Contacts"), show=False, id="supervisor.card.tab_contacts"),
        Binding("3", "tab('deals')", _("Deals"), show=False, id="supervisor.card.tab_deals"),
        Binding("4", "tab('orders')", _("Orders"), show=False, id="supervisor.card.tab_orders"),
        Binding("5", "tab('refusals')", _("Refusals"), show=False, id="supervisor.card.tab_refusals"),
        Binding("6", "tab('seen')", _("Seen by"), show=False, id="supervisor.card.tab_seen"),
        Binding("7", "tab('merges')", _("Merges"), show=False, id="supervisor.card.tab_merges"),
        Binding("f5", "reload", _("Refresh"), show=False, id="supervisor.card.refresh"),
        Binding("escape", "back", _("Back"), id="supervisor.card.back"),
        Binding("f1", "app.help", _("Keys"), id="supervisor.card.help"),
    ]

    def __init__(self, company_id: int) -> None:
        super().__init__()
        self.company_id = company_id
        self.card: SupervisorCard | None = None
        self.changed = False

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="scard-top")
        with TabbedContent(id="scard-tabs"):
            with TabPane(_("1 History"), id="history"):
                yield HistoryTimeline(id="scard-history")
            with TabPane(_("2 Contacts"), id="contacts"):
                yield ContactsPanel(id="scard-contacts")
            with TabPane(_("3 Deals"), id="deals"):
                yield ListTable(id="scard-deals", cursor_type="row", zebra_stripes=True)
            with TabPane(_("4 Orders"), id="orders"):
                yield ListTable(id="scard-orders", cursor_type="row", zebra_stripes=True)
            with TabPane(_("5 Refusals"), id="refusals"):
                yield ListTable(id="scard-refusals", cursor_type="row", zebra_stripes=True)
            with TabPane(_("6 Seen by"), id="seen"):
                yield ListTable(id="scard-seen", cursor_type="row", zebra_stripes=True)
            with TabPane(_("7 Merges"), id="merges"):
                yield ListTable(id="scard-merges", cursor_type="row", zebra_stripes=True)
        yield KeyFooter()

    def on_mount(self) -> None:
        self.title = _("Company")
        # (heading, key, the width wanted or None for what is left, the least width): at 80 columns every
        # table fits the screen with its headings whole, names and texts giving up room first (cut with
        # "…"), dates and amounts never cut.
        columns = {
            "#scard-deals": (
                (_("Opened"), "opened", 10, 10),
                (_("Stage"), "stage", 14, 9),
                (_("Status"), "status", 8, 8),
                (_("Closer"), "closer", 18, 9),
                (_("Amount"), "amount", 13, 11),
                (_("Closed"), "closed", 10, 10),
                (_("Reason"), "reason", None, 7),
            ),
            "#scard-orders": (
                (_("Date"), "date", 10, 10),
                (_("Amount"), "amount", 13, 13),
                (_("Manager"), "manager", 18, 10),
                (_("Items"), "items", None, 16),
            ),
            "#scard-refusals": (
                (_("Refused"), "refused", 16, 16),
                (_("Reason"), "reason", 18, 10),
                (_("Caller"), "caller", 16, 10),
                (_("Decision"), "decision", 14, 10),
                (_("Comment"), "comment", None, 10),
            ),
            "#scard-seen": (
                (_("User"), "user", 14, 10),
                (_("Name"), "name", 20, 12),
                (_("Events"), "events", 7, 7),
                (_("First"), "first", 16, 16),
                (_("Last"), "last", 16, 16),
            ),
            "#scard-merges": (
                (_("Merged"), "merged", 16, 16),
                (_("Duplicate"), "duplicate", 30, 10),
                (_("Kept"), "kept", 30, 10),
                (pgettext("merge", "By"), "by", 16, 6),
                (_("Records"), "records", 7, 7),
                (_("Undone"), "undone", 16, 16),
            ),
        }
        for selector, spec in columns.items():
            table = self.query_one(selector, ListTable)
            for label, key, width, _least in spec:
                table.add_column(label, key=key, width=width)
            room = [(key, width, max(least, cell_len(label))) for label, key, width, least in spec]
            table.fit_columns(lambda width, room=room: share_room(width, room))
        self.action_reload()

    # --- loading ------------------------------------------------------------------------
    def action_reload(self) -> None:
        self.call(companies.card, self.company_id, done=self._show, failed=self._load_failed)

    def _load_failed(self, error) -> None:
        self.app.notify(str(error), severity="error", timeout=6, markup=False)
        self.action_back()

    def _changed(self, card: SupervisorCard) -> None:
        self.changed = True
        self._show(card)

    def _failed(self, error) -> None:
        if isinstance(error, StaleRecord) and isinstance(error.current, SupervisorCard):
            self._show(error.current)
        self.notify(str(error), severity="error", timeout=6, markup=False)

    def _show(self, card: SupervisorCard) -> None:
        first = self.card is None
        self.card = card
        self.title = clip(card.company.name, 60)
        self._show_top()
        contacts = self.query_one(ContactsPanel)
        contacts.company_id = card.company.id
        contacts.show(card.contacts)
        self._fill(
            "#scard-deals",
            [
                (
                    show_date(d.created_at.date()),
                    d.stage_label,
                    deal_status_label(d.status),
                    d.closer_name,
                    show_amount(d.expected_amount),
                    show_date(d.closed_at.date()) if d.closed_at else "",
                    d.lost_reason,
                )
                for d in card.deals
            ],
        )
        self._fill(
            "#scard-orders",
            [(show_date(o.ordered_at), show_amount(o.amount), o.manager_name, o.items) for o in card.orders],
        )
        self._fill(
            "#scard-refusals",
            [
                (
                    show_datetime(r.refused_at),
                    r.reason_label,
                    r.caller_name,
                    decision_label(r.decision) or _("undecided"),
                    r.comment,
                )
                for r in card.refusals
            ],
        )
        self._fill(
            "#scard-seen",
            [
                (v.username, v.full_name, str(v.events), show_datetime(v.first_at), show_datetime(v.last_at))
                for v in card.viewers
            ],
        )
        self._fill(
            "#scard-merges",
            [
                (
                    show_datetime(m.merged_at),
                    f"{m.source_name} #{m.source_id}",
                    f"{m.target_name} #{m.target_id}",
                    m.merged_by,
                    str(m.moved),
                    show_datetime(m.undone_at) if m.undone_at else "",
                )
                for m in card.merges
            ],
        )
        history = self.query_one(HistoryTimeline)
        history.reload(card.company.id)
        if first:
            history.focus()

    def _fill(self, selector: str, rows: list[tuple]) -> None:
        table = self.query_one(selector, DataTable)
        table.clear()
        for row in rows:
            # Plain Text: names and comments typed by people are shown literally; one line each.
            table.add_row(*(Text(clip(str(cell), 200)) for cell in row))

    def _show_top(self) -> None:
        c, s = self.card.company, self.card.state
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(c.name, style="bold")
        text.append("  ")
        text.append(stage_label(c.stage), style="bold cyan")
        text.append(" · ")
        text.append(category_label(c.category), style="bold magenta" if c.category == "do_not_call" else "")
        if c.owner_name:
            text.append(" · " + _("owner: {name}").format(name=c.owner_name))
        text.append("\n")
        # A new line only between two entries: at 80 columns the phone at the end was cut inside its number.
        details = [Text(_("INN {inn}").format(inn=c.inn) if c.inn else _("no INN"), style="dim")]
        details.append(Text(c.city or _("no city")))
        details += [Text(value) for value in (c.industry, c.channel) if value]
        details += [Text(readable(p), style="bold") for p in c.phones] or [Text(_("no phone"), style="red")]
        top = self.query_one("#scard-top", Static)
        width = (self.size.width or self.app.size.width) - 2  # the line across the screen, less its padding
        text.append_text(entries_in_lines(details, Text(" · "), max(20, width)))
        text.append("\n")
        marks = []
        if s.needs_data_fix:
            marks.append((_("bad data: to fix"), "bold red"))
        if s.unreachable:
            marks.append((_("unreachable"), "yellow"))
        if s.in_queue:
            marks.append((_("in the queue, attempts: {n}").format(n=c.attempts), "green"))
        if s.shelved_until:
            marks.append(
                (_("shelved until {day}").format(day=show_date(in_reader_zone(s.shelved_until).date())), "yellow")
            )
        if s.held_by:
            marks.append((_("on a call with {name} now").format(name=s.held_by), "cyan"))
        if s.callback_user:
            marks.append((_("personal lead of {name}").format(name=s.callback_user), "cyan"))
        if c.orders_count:
            marks.append((_("orders: {n}, {amount}").format(n=c.orders_count, amount=show_amount(c.revenue_total)), ""))
        if s.merged_into_id:
            marks.insert(
                0,
                (
                    _("merged into {name} #{id}").format(
                        name=quoted(clip(s.merged_into_name, 40)), id=s.merged_into_id
                    ),
                    "bold magenta",
                ),
            )
        merged_here = sum(1 for m in self.card.merges if m.target_id == c.id and m.undone_at is None)
        if merged_here:
            marks.append((_("duplicates merged here: {n}").format(n=merged_here), "magenta"))
        if not marks:
            marks.append((_("not in the queue"), "dim"))
        for n, (label, style) in enumerate(marks):
            if n:
                text.append(" · ")
            text.append(label, style=style)
        top.update(text)

    def on_resize(self, _event) -> None:
        if self.card is not None:
            self._show_top()  # its lines break between entries at the screen's width

    # --- actions --------------------------------------------------------------------------
    def action_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = tab

    def action_fix(self) -> None:
        if self.card is not None:
            self.app.push_screen(CompanyFixDialog(self.card), self._fixed)

    def _fixed(self, result: tuple[SupervisorCard, bool] | None) -> None:
        if result is not None:
            card, saved = result
            self.changed = self.changed or saved
            self._show(card)
            if saved:
                self.notify(_("Saved."), markup=False)

    def action_to_queue(self) -> None:
        if self.card is None:
            return
        self.app.push_screen(
            ConfirmDialog(_("Return this company to the cold-call queue?")),
            lambda yes: (
                yes
                and self.call(
                    companies.return_to_queue,
                    self.card.company.id,
                    self.card.company.version,
                    done=self._changed,
                    failed=self._failed,
                )
            ),
        )

    def action_shelve(self) -> None:
        if self.card is None:
            return
        self.app.push_screen(
            ShelveDialog(1, business_today() + timedelta(days=90)),
            lambda day: (
                day
                and self.call(
                    companies.shelve,
                    self.card.company.id,
                    self.card.company.version,
                    day,
                    done=self._changed,
                    failed=self._failed,
                )
            ),
        )

    def action_do_not_call(self) -> None:
        if self.card is None:
            return
        self.app.push_screen(
            ConfirmDialog(_("Never call this company again?")),
            lambda yes: (
                yes
                and self.call(
                    companies.do_not_call,
                    self.card.company.id,
                    self.card.company.version,
                    done=self._changed,
                    failed=self._failed,
                )
            ),
        )

    def action_assign(self) -> None:
        if self.card is None:
            return
        stage = self.card.company.stage
        self.call(
            companies.assignees,
            self.card.company.id,
            done=lambda people: self.app.push_screen(AssignDialog(people, stage), self._assign_to),
            holds_keys=True,
        )

    def _assign_to(self, user_id: int | None) -> None:
        if user_id is not None and self.card is not None:
            self.call(
                companies.assign,
                self.card.company.id,
                self.card.company.version,
                user_id,
                done=self._changed,
                failed=self._failed,
            )

    def action_merge(self) -> None:
        if self.card is not None:
            self.app.push_screen(MergeDialog(self.card), self._merged)

    def action_undo_merge(self) -> None:
        if self.card is None:
            return
        merges = [m for m in self.card.merges if m.target_id == self.card.company.id and m.undone_at is None]
        if not merges:
            self.notify(_("No merge into this company to undo."), markup=False)
            return
        self.app.push_screen(UndoMergeDialog(merges), self._merged)

    def _merged(self, card: SupervisorCard | None) -> None:
        if card is not None:
            self.changed = True
            self._show(card)
            self.action_tab("merges")

    @on(ContactsPanel.Changed)
    def _contact_changed(self) -> None:
        self.changed = True
        self.query_one(HistoryTimeline).reload()

    def action_back(self) -> None:
        self.dismiss(self.changed)
