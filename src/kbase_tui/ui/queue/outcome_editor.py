"""The supervisor's lists of call outcomes and reasons: rules as data, no code change.

An outcome has a code, labels in both languages, one key on the caller's screen and
what it does (retry later, callback, refusal, hand-over, bad data, do not call, or
nothing but a note).  Reasons are the short lists a caller or closer picks from
(refusal, lost deal, lost client).  A retired entry is made inactive, never deleted,
so the history that uses its code still reads.
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Checkbox, Header, Input, Label, OptionList, RadioButton, RadioSet, Static
from textual.widgets.option_list import Option

from kbase_tui.i18n import N_, _, current_language
from kbase_tui.protocol import queue
from kbase_tui.protocol.queue import OutcomeForm

from ..base import KbaseScreen
from ..widgets.footer import KeyFooter

# What an outcome does: the OutcomeForm flag behind each choice ("" = only a note in the history).
ACTIONS: list[tuple[str, str]] = [
    ("is_retry", N_("Retry later (no answer, busy)")),
    ("is_callback", N_("Callback at a time")),
    ("is_refusal", N_("Refusal (goes to the refusal list)")),
    ("is_handover", N_("Interested: hand over to a closer")),
    ("is_unworkable", N_("Bad data: to the supervisor")),
    ("is_do_not_call", N_("Do not call again")),
    ("", N_("Nothing else: a note in the history")),
]

REASON_KINDS: list[tuple[str, str]] = [
    ("refusal", N_("Refusal reasons")),
    ("lost_deal", N_("Lost deal reasons")),
    ("lost_client", N_("Lost client reasons")),
]


def shown_label(label_ru: str, label_en: str) -> str:
    """An outcome's or a reason's label in the language the screen is shown in (the other one if it is empty):
    the shipped ones have both, and a supervisor's own read as they were entered."""
    first, other = (label_ru, label_en) if current_language() == "ru" else (label_en, label_ru)
    return first or other


def action_index(row: OutcomeForm | None) -> int:
    """Which of ACTIONS an outcome does (the last, only a note, for a new one)."""
    return next((i for i, (flag, _l) in enumerate(ACTIONS) if flag and row and getattr(row, flag)), len(ACTIONS) - 1)


class OutcomesEditor(KbaseScreen):
    CSS_PATH = "queue.tcss"
    HELP = _(
        "Call outcomes shown to callers, one key each. ↑/↓ choose, Tab moves to the form; ctrl+s saves, "
        "ctrl+n starts a new outcome. Untick 'Active' to retire one: it is kept for the history."
    )
    BINDINGS = [
        Binding("ctrl+s", "save", _("Save"), id="outcomes.save", priority=True),
        Binding("ctrl+n", "new", _("New outcome"), id="outcomes.new"),
        Binding("ctrl+r", "reasons", _("Reasons"), id="outcomes.reasons"),
        Binding("escape", "back", _("Back"), id="outcomes.back"),
        Binding("f1", "app.help", _("Keys"), id="outcomes.help"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[OutcomeForm] = []

    def compose(self) -> ComposeResult:
        yield Header()
        yield OptionList(id="outcomes-list", markup=False)
        with VerticalScroll(id="outcome-form"):
            with Horizontal(classes="script-segment"):
                with Vertical():
                    yield Label(_("Code (Latin letters, digits, _)"))
                    yield Input(id="outcome-code", max_length=32)
                with Vertical():
                    yield Label(_("Key"))
                    yield Input(id="outcome-key", max_length=16)
            with Horizontal(classes="script-segment"):
                with Vertical():
                    yield Label(_("Label in Russian"))
                    yield Input(id="outcome-label-ru", max_length=80)
                with Vertical():
                    yield Label(_("Label in English"))
                    yield Input(id="outcome-label-en", max_length=80)
            yield Label(_("What it does"))
            with RadioSet(id="outcome-action"):
                for _flag, label in ACTIONS:
                    yield RadioButton(_(label))
            yield Checkbox(_("The caller spoke to someone (contact made)"), id="outcome-contact")
            yield Checkbox(_("Active"), True, id="outcome-active")
        yield Static("", id="outcome-message")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.title = _("Call outcomes")
        self.reload()

    def reload(self, follow: str | None = None) -> None:
        self.call(queue.all_outcomes, done=lambda rows: self._loaded(rows, follow))

    def _line(self, row: OutcomeForm) -> Text:
        # In words: the key, the label and what it does.  The code (what the history refers to) is in the form
        # under the list, in its field named as such.
        text = Text()
        text.append(f"[{row.key}] ", style="bold")
        text.append(shown_label(row.label_ru, row.label_en))
        text.append(" · " + _(ACTIONS[action_index(row)][1]), style="dim")
        if not row.active:
            text.append("  " + _("(inactive)"), style="italic dim")
        return text

    def _loaded(self, rows: list[OutcomeForm], follow: str | None) -> None:
        self.rows = list(rows)
        box = self.query_one("#outcomes-list", OptionList)
        box.clear_options()
        box.add_options([Option(self._line(r), id=r.code) for r in self.rows])
        index = next((i for i, r in enumerate(self.rows) if r.code == follow), 0)
        if self.rows:
            box.highlighted = index
            self._fill(self.rows[index])
        box.focus()

    def _fill(self, row) -> None:
        self.query_one("#outcome-code", Input).value = row.code if row else ""
        self.query_one("#outcome-code", Input).disabled = row is not None  # the code is what history refers to
        self.query_one("#outcome-key", Input).value = row.key if row else ""
        self.query_one("#outcome-label-ru", Input).value = row.label_ru if row else ""
        self.query_one("#outcome-label-en", Input).value = row.label_en if row else ""
        buttons = list(self.query_one("#outcome-action", RadioSet).query(RadioButton))
        buttons[action_index(row)].value = True
        self.query_one("#outcome-contact", Checkbox).value = bool(row and row.contact_made)
        self.query_one("#outcome-active", Checkbox).value = True if row is None else row.active

    @on(OptionList.OptionHighlighted, "#outcomes-list")
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        row = next((r for r in self.rows if r.code == event.option.id), None)
        if row is not None:
            self._fill(row)

    def message(self, text: str, style: str = "") -> None:
        self.query_one("#outcome-message", Static).update(Text(text, style=style))

    def action_new(self) -> None:
        self._fill(None)
        self.query_one("#outcome-code", Input).focus()
        self.message(_("New outcome: code, key, labels and what it does; ctrl+s saves."))

    def action_save(self) -> None:
        index = self.query_one("#outcome-action", RadioSet).pressed_index
        flag = ACTIONS[index][0] if index >= 0 else ""
        flags = {name: name == flag for name, _label in ACTIONS if name}
        code = self.query_one("#outcome-code", Input).value.strip()
        form = OutcomeForm(
            code=code,
            label_ru=self.query_one("#outcome-label-ru", Input).value,
            label_en=self.query_one("#outcome-label-en", Input).value,
            key=self.query_one("#outcome-key", Input).value.strip(),
            contact_made=self.query_one("#outcome-contact", Checkbox).value,
            active=self.query_one("#outcome-active", Checkbox).value,
            **flags,
        )
        self.call(
            queue.save_outcome,
            form,
            done=lambda saved: (
                self.message(_("Saved. Callers see it at their next lead."), "green"),
                self.reload(follow=saved.code),
            ),
            failed=lambda error: self.message(str(error), "red"),
        )

    def action_reasons(self) -> None:
        self.app.push_screen(ReasonsEditor())

    def action_back(self) -> None:
        self.app.pop_screen()


class ReasonsEditor(KbaseScreen):
    CSS_PATH = "queue.tcss"
    HELP = _(
        "Short lists of reasons: 1 refusal, 2 lost deal, 3 lost client. ↑/↓ choose, Tab moves to the form; "
        "ctrl+s saves, ctrl+n starts a new reason. Untick 'Active' to retire one."
    )
    BINDINGS = [
        Binding("ctrl+s", "save", _("Save"), id="reasons.save", priority=True),
        Binding("ctrl+n", "new", _("New reason"), id="reasons.new"),
        Binding("1", "kind(0)", _("Refusal"), id="reasons.kind1"),
        Binding("2", "kind(1)", _("Lost deal"), id="reasons.kind2"),
        Binding("3", "kind(2)", _("Lost client"), id="reasons.kind3"),
        Binding("escape", "back", _("Back"), id="reasons.back"),
        Binding("f1", "app.help", _("Keys"), id="reasons.help"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.kind_index = 0
        self.rows: list = []

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="reasons-kind")
        yield OptionList(id="reasons-list", markup=False)
        with VerticalScroll(id="reason-form"):
            yield Label(_("Code (Latin letters, digits, _)"))
            yield Input(id="reason-code", max_length=32)
            with Horizontal(classes="script-segment"):
                with Vertical():
                    yield Label(_("Label in Russian"))
                    yield Input(id="reason-label-ru", max_length=120)
                with Vertical():
                    yield Label(_("Label in English"))
                    yield Input(id="reason-label-en", max_length=120)
            yield Checkbox(_("Active"), True, id="reason-active")
        yield Static("", id="reason-message")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.title = _("Reasons")
        self.action_kind(0)

    @property
    def kind(self) -> str:
        return REASON_KINDS[self.kind_index][0]

    def action_kind(self, index: int) -> None:
        if self.focused is not None and isinstance(self.focused, Input):
            return  # digits typed into a field are text, not a switch
        self.kind_index = index
        self.query_one("#reasons-kind", Static).update(Text(_(REASON_KINDS[index][1]), style="bold"))
        self.reload()

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        return not (action == "kind" and isinstance(self.focused, Input))

    def reload(self, follow: str | None = None) -> None:
        self.call(queue.all_reasons, self.kind, done=lambda rows: self._loaded(rows, follow))

    def _loaded(self, rows, follow: str | None) -> None:
        self.rows = list(rows)
        box = self.query_one("#reasons-list", OptionList)
        box.clear_options()
        for code, label_ru, label_en, active in self.rows:
            line = Text(shown_label(label_ru, label_en))  # the code is in the form under the list
            if not active:
                line.append("  " + _("(inactive)"), style="italic dim")
            box.add_option(Option(line, id=code))
        index = next((i for i, r in enumerate(self.rows) if r[0] == follow), 0)
        if self.rows:
            box.highlighted = index
            self._fill(self.rows[index])
        box.focus()

    def _fill(self, row) -> None:
        code, label_ru, label_en, active = row if row else ("", "", "", True)
        self.query_one("#reason-code", Input).value = code
        self.query_one("#reason-code", Input).disabled = row is not None
        self.query_one("#reason-label-ru", Input).value = label_ru
        self.query_one("#reason-label-en", Input).value = label_en
        self.query_one("#reason-active", Checkbox).value = active

    @on(OptionList.OptionHighlighted, "#reasons-list")
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        row = next((r for r in self.rows if r[0] == event.option.id), None)
        if row is not None:
            self._fill(row)

    def message(self, text: str, style: str = "") -> None:
        self.query_one("#reason-message", Static).update(Text(text, style=style))

    def action_new(self) -> None:
        self._fill(None)
        self.query_one("#reason-code", Input).focus()

    def action_save(self) -> None:
        self.call(
            queue.save_reason,
            self.kind,
            self.query_one("#reason-code", Input).value.strip(),
            self.query_one("#reason-label-ru", Input).value,
            self.query_one("#reason-label-en", Input).value,
            active=self.query_one("#reason-active", Checkbox).value,
            done=lambda saved: (self.message(_("Saved."), "green"), self.reload(follow=saved.code)),
            failed=lambda error: self.message(str(error), "red"),
        )

    def action_back(self) -> None:
        self.app.pop_screen()
