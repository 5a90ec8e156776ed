"""The supervisor's call-script editor: the template phrase and the key question per channel or industry.

Reached from the supervisor's desk (push `ScriptEditor()`); the service refuses anyone without the
EDIT_SCRIPTS capability.  The list on top holds every script (a few dozen at most); the form below
edits the highlighted one.  A script for an industry beats one for a channel, which beats the
default of the language; `{operator}` is replaced by the caller's name when the caller reads it.
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Header, Input, Label, OptionList, Select, Static, TextArea
from textual.widgets.option_list import Option

from kbase_tui.i18n import LANGUAGE_NAMES, _, current_language
from kbase_tui.labels import script_purpose_label
from kbase_tui.protocol import callscripts
from kbase_tui.protocol.callscripts import ScriptRow

from ..base import KbaseScreen
from ..widgets.footer import KeyFooter


def script_line(row: ScriptRow) -> Text:
    text = Text()
    language = LANGUAGE_NAMES.get(row.language, row.language)
    text.append(f"{script_purpose_label(row.purpose):<15}  {language:<7}  ", style="dim")
    if row.industry:
        text.append(_("industry: {name}").format(name=row.industry), style="bold")
    elif row.channel:
        text.append(_("channel: {name}").format(name=row.channel), style="bold")
    else:
        text.append(_("default"), style="italic")
    if row.industry and row.channel:
        text.append("  " + _("channel: {name}").format(name=row.channel))
    return text


class ScriptEditor(KbaseScreen):
    CSS_PATH = "queue.tcss"
    HELP = _(
        "Call scripts by purpose, language, channel and industry. ↑/↓ choose a script, Tab moves to the "
        "form; ctrl+s saves, ctrl+n starts a new script for a channel or industry, ctrl+d deletes it "
        "(the default script of a language stays). Write {operator} where the caller says their name."
    )
    BINDINGS = [
        Binding("ctrl+s", "save", _("Save"), id="scripts.save", priority=True),
        Binding("ctrl+n", "new", _("New script"), id="scripts.new"),
        Binding("ctrl+d", "delete", _("Delete"), id="scripts.delete"),
        Binding("escape", "back", _("Back"), id="scripts.back"),
        Binding("f1", "app.help", _("Keys"), id="scripts.help"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[ScriptRow] = []
        self.editing: int | None = None  # script id, None for a new one

    def compose(self) -> ComposeResult:
        yield Header()
        yield OptionList(id="scripts-list", markup=False)
        with VerticalScroll(id="script-form"):
            with Horizontal(classes="script-segment"):
                # Chosen from words, not typed as codes ("cold", "follow_up", "ru").
                with Vertical():
                    yield Label(_("Purpose"))
                    yield Select(
                        [(script_purpose_label(code), code) for code in ("cold", "follow_up")],
                        id="script-purpose",
                        allow_blank=False,
                    )
                with Vertical():
                    yield Label(_("Language"))
                    yield Select(
                        [(name, code) for code, name in LANGUAGE_NAMES.items()], id="script-language", allow_blank=False
                    )
            with Horizontal(classes="script-segment"):
                with Vertical():
                    yield Label(_("Channel (empty: any)"))
                    yield Input(id="script-channel", max_length=60)
                with Vertical():
                    yield Label(_("Industry (empty: any)"))
                    yield Input(id="script-industry", max_length=120)
            yield Label(_("Template phrase"))
            yield TextArea(id="script-phrase")
            yield Label(_("Key question"))
            yield Input(id="script-question", max_length=2000)
        yield Static("", id="script-message")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.title = _("Call scripts")
        self.reload()

    def reload(self, follow: int | None = None) -> None:
        self.call(callscripts.list_scripts, done=lambda rows: self._loaded(rows, follow))

    def _loaded(self, rows: list[ScriptRow], follow: int | None) -> None:
        self.rows = list(rows)
        box = self.query_one("#scripts-list", OptionList)
        box.clear_options()
        box.add_options([Option(script_line(r), id=str(r.id)) for r in self.rows])
        index = next((i for i, r in enumerate(self.rows) if r.id == follow), 0)
        if self.rows:
            box.highlighted = index
            self._fill(self.rows[index])
        box.focus()

    def _fill(self, row: ScriptRow | None) -> None:
        self.editing = row.id if row is not None else None
        self.query_one("#script-purpose", Select).value = row.purpose if row else "cold"
        self.query_one("#script-language", Select).value = row.language if row else current_language()
        self.query_one("#script-channel", Input).value = row.channel if row else ""
        self.query_one("#script-industry", Input).value = row.industry if row else ""
        self.query_one("#script-phrase", TextArea).text = row.template_phrase if row else ""
        self.query_one("#script-question", Input).value = row.key_question if row else ""

    @on(OptionList.OptionHighlighted, "#scripts-list")
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        row = next((r for r in self.rows if str(r.id) == event.option.id), None)
        if row is not None:
            self._fill(row)

    @on(OptionList.OptionSelected, "#scripts-list")
    def _selected(self) -> None:
        self.query_one("#script-purpose", Select).focus()

    def message(self, text: str, style: str = "") -> None:
        self.query_one("#script-message", Static).update(Text(text, style=style))

    def action_new(self) -> None:
        self._fill(None)
        self.query_one("#script-channel", Input).focus()
        self.message(_("New script: fill in a channel or an industry, the phrase and the question; ctrl+s saves."))

    def action_save(self) -> None:
        form = callscripts.ScriptForm(
            purpose=str(self.query_one("#script-purpose", Select).value),
            language=str(self.query_one("#script-language", Select).value),
            channel=self.query_one("#script-channel", Input).value,
            industry=self.query_one("#script-industry", Input).value,
            template_phrase=self.query_one("#script-phrase", TextArea).text,
            key_question=self.query_one("#script-question", Input).value,
        )
        self.call(
            callscripts.save_script,
            form,
            self.editing,
            done=self._saved,
            failed=lambda error: self.message(str(error), "bold red"),
        )

    def _saved(self, row: ScriptRow) -> None:
        self.message(_("Saved."), "green")
        self.reload(follow=row.id)

    def action_delete(self) -> None:
        if self.editing is None:
            return
        self.call(
            callscripts.delete_script,
            self.editing,
            done=lambda _none: (self.message(_("Deleted."), "green"), self.reload()),
            failed=lambda error: self.message(str(error), "bold red"),
        )

    def action_back(self) -> None:
        if len(self.app.screen_stack) > 2:
            self.app.pop_screen()
