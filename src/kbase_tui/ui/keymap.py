"""The installation's keymap: any key of the app moved by the id of its binding.

Every binding has an id (`queue.no_answer`, `board.open`, `app.help`), shown in F1 beside its key. A call centre
that wants other keys writes them in one file, one binding a line:

    # the closer's board: open a deal with o as well as Enter; the accounts list refreshes on F5 only
    board.open = "o, enter"
    accounts.list.refresh = "f5"

The file is the first of: `$KBASE_KEYMAP`, `/etc/kbase/keymap.toml`, `keymap.toml` in the user's kbase config
folder. It is read when the app starts and handed to Textual's keymap (`App.set_keymap`), so the footer, F1,
the command palette and the Russian layout all follow it. A file with a mistake is refused whole, with one
sentence naming the line: an unreadable line, a key name Textual does not know, an id no binding has, an id given
twice, or a key another binding of the same screen already has.

Ids that were renamed keep working (`RENAMED`): every form dialog's Ctrl+S is `dialog.save` and its Esc
`dialog.cancel` (ui/widgets/form_dialog.py), where each feature once had its own (`accounts.dialog.save`,
`note.cancel` ...); a file naming an old one moves the keys of the ids that replaced it, in every form dialog.
Several names of one binding, old ones among them, may stand in one file with the same keys; with different keys
they are refused as the one id given twice.
"""

from __future__ import annotations

import importlib
import inspect
import os
import pkgutil
import re
from dataclasses import dataclass
from pathlib import Path

from textual.binding import Binding
from textual.keys import Keys, _character_to_key

from kbase_tui import paths
from kbase_tui.formatting import quoted
from kbase_tui.i18n import _

SYSTEM_FILE = Path("/etc/kbase/keymap.toml")
_LINE = re.compile(r'^\s*"?(?P<id>[A-Za-z0-9_.\-]+)"?\s*=\s*"(?P<keys>[^"]*)"\s*(?:#.*)?$')
_MODIFIERS = {"ctrl", "alt", "shift", "meta", "super", "hyper"}
_KEY_NAMES = {key.value for key in Keys} | {_character_to_key(chr(c)) for c in range(32, 127)}


# Old binding ids a keymap file may still name -> the ids that replaced them.  The form dialogs' own Ctrl+S and
# Esc became the one base's (`dialog.save`, `dialog.cancel`); the caller's callbacks list kept an Esc of its own.
_SAVE_IDS = (
    "accounts.dialog.save",
    "admin.dialog.save",
    "contact.save",
    "growth.catalog_dialog.save",
    "growth.dialog.save",
    "growth.focus_dialog.save",
    "growth.standard_dialog.save",
    "note.save",
    "supervisor.dialog.save",
)
_CANCEL_IDS = (
    "accounts.dialog.cancel",
    "admin.dialog.cancel",
    "contact.cancel",
    "growth.catalog_dialog.cancel",
    "growth.dialog.cancel",
    "growth.focus_dialog.cancel",
    "growth.standard_dialog.cancel",
    "note.cancel",
    "password.cancel",
    "queue.callback.cancel",
    "queue.handover.cancel",
    "specialist.close.cancel",
    "supervisor.dialog.cancel",
)
RENAMED: dict[str, tuple[str, ...]] = {
    **{old: ("dialog.save",) for old in _SAVE_IDS},
    **{old: ("dialog.cancel",) for old in _CANCEL_IDS},
    "queue.dialog.cancel": ("dialog.cancel", "queue.callbacks.cancel"),
}


class KeymapError(ValueError):
    """A keymap file that is refused; the message is the sentence for the person."""


@dataclass(frozen=True)
class Keymap:
    path: Path | None
    keys: dict[str, str]  # binding id -> keys as Textual writes them ("f5", "o,enter")


def keymap_path() -> Path | None:
    """The installation's keymap file, if there is one."""
    named = os.environ.get("KBASE_KEYMAP")
    if named:
        return Path(named)
    if SYSTEM_FILE.is_file():
        return SYSTEM_FILE
    own = Path(os.environ.get("KBASE_CONFIG_DIR") or paths.config_dir()) / "keymap.toml"
    return own if own.is_file() else None


def valid_key(key: str) -> bool:
    """Whether Textual knows *key* ("f5", "ctrl+o", "n", "question_mark", "?")."""
    *modifiers, name = key.split("+")
    if not name or any(m not in _MODIFIERS for m in modifiers):
        return False
    return name in _KEY_NAMES or (len(name) == 1 and name.isprintable())


def parse(text: str, where: str) -> tuple[dict[str, str], dict[str, int]]:
    """The ids and keys of a keymap file, and the line of each id; KeymapError naming the line otherwise."""
    keys: dict[str, str] = {}
    lines: dict[str, int] = {}
    by_old_id: set[str] = set()  # ids given by an old name of theirs (RENAMED)
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith(("#", "[")):
            continue
        match = _LINE.match(line)
        if match is None:
            raise KeymapError(
                _('{file}, line {line}: write a binding as id = "keys", e.g. board.open = "o".').format(
                    file=where, line=number
                )
            )
        binding_id = match["id"]
        wanted = [k.strip() for k in match["keys"].split(",") if k.strip()]
        if not wanted:
            raise KeymapError(_("{file}, line {line}: no key for {id}.").format(file=where, line=number, id=binding_id))
        for key in wanted:
            if not valid_key(key):
                raise KeymapError(
                    _("{file}, line {line}: {key} is not a key name (e.g. f5, ctrl+o, n).").format(
                        file=where, line=number, key=quoted(key[:40])
                    )
                )
        renamed = binding_id in RENAMED
        for target in RENAMED.get(binding_id, (binding_id,)):
            # An old id and another name of the same binding with the same keys say the same thing.
            same = keys.get(target) == ",".join(wanted) and (renamed or target in by_old_id)
            if target in lines and not same:
                raise KeymapError(
                    _("{file}, line {line}: {id} was given already on line {first}.").format(
                        file=where, line=number, id=target, first=lines[target]
                    )
                )
            keys[target] = ",".join(wanted)
            lines.setdefault(target, number)
            if renamed:
                by_old_id.add(target)
    return keys, lines


def bindings_by_node() -> dict[str, list[Binding]]:
    """The bindings of every screen, dialog and widget of the app (and the app's own), by class."""
    from textual.dom import DOMNode

    import kbase_tui.ui

    found: dict[str, list[Binding]] = {}
    for module_info in pkgutil.walk_packages(kbase_tui.ui.__path__, "kbase_tui.ui."):
        module = importlib.import_module(module_info.name)
        for _name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, DOMNode) and cls.__module__.startswith("kbase_tui.ui") and "BINDINGS" in cls.__dict__:
                found[f"{cls.__module__}.{cls.__qualname__}"] = [
                    b for b in cls.__dict__["BINDINGS"] if isinstance(b, Binding)
                ]
    return found


def check(keys: dict[str, str], lines: dict[str, int], where: str, nodes: dict[str, list[Binding]]) -> None:
    """KeymapError naming the line when an id is no binding's or a key is taken on the same screen."""
    known = {b.id for bindings in nodes.values() for b in bindings if b.id}
    for binding_id, number in sorted(lines.items(), key=lambda item: item[1]):
        if binding_id not in known:
            raise KeymapError(
                _("{file}, line {line}: no binding has the id {id} (F1 shows the ids).").format(
                    file=where, line=number, id=binding_id
                )
            )
    for bindings in nodes.values():
        holder: dict[str, Binding] = {}
        for binding in bindings:
            for key in keys.get(binding.id or "", binding.key).split(","):
                key = key.strip()
                other = holder.get(key)
                if other is not None and other.action != binding.action:
                    moved = binding if binding.id in lines else other
                    number = lines.get(moved.id or "")
                    if number is not None:
                        taken_by = other if moved is binding else binding
                        raise KeymapError(
                            _("{file}, line {line}: {key} is taken by {other} on the same screen.").format(
                                file=where, line=number, key=key, other=taken_by.id or taken_by.action
                            )
                        )
                holder.setdefault(key, binding)


def load(path: Path | None = None) -> Keymap:
    """The installation's keymap, checked against every binding of the app; KeymapError when refused."""
    path = path if path is not None else keymap_path()
    if path is None:
        return Keymap(None, {})
    where = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise KeymapError(_("{file} cannot be read: {why}").format(file=where, why=error)) from None
    keys, lines = parse(text, where)
    check(keys, lines, where, bindings_by_node())
    return Keymap(path, keys)
