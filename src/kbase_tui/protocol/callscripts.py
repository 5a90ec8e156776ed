"""Call scripts: the template phrase and the one key question per segment, as the supervisor edits them.

The caller never asks for a script: it comes with the lead (queue.LeadCard), chosen and filled
in on the server.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from .operations import operation
from .types import Code, Id, Name, Text


@dataclass(frozen=True)
class Script:
    """A script ready to read out: `{operator}` already replaced."""

    template_phrase: str
    key_question: str
    channel: str = ""
    industry: str = ""
    language: str = ""


@dataclass(frozen=True)
class ScriptRow:
    """One stored script, for the supervisor's editor."""

    id: int
    purpose: str
    language: str
    channel: str
    industry: str
    template_phrase: str
    key_question: str
    updated_by: str
    updated_at: datetime


@dataclass(frozen=True)
class ScriptForm:
    purpose: Code
    language: Code
    channel: Name = ""
    industry: Name = ""
    template_phrase: Text = ""
    key_question: Text = ""


# --- operations ------------------------------------------------------------------------


@operation("callscripts.list_scripts", reads=True)
def list_scripts(purpose: Code | None = None) -> list[ScriptRow]:
    """Every stored script (a few dozen at most), default ones first."""


@operation("callscripts.save_script")
def save_script(form: ScriptForm, script_id: Id | None = None) -> ScriptRow:
    """Create a script, or change the one with *script_id*; one script per purpose/language/segment."""


@operation("callscripts.delete_script")
def delete_script(script_id: Id) -> None:
    """Remove a channel or industry script; the default script of a language stays."""
