"""Words for the outcome codes written on history entries, in the current language.

A history entry keeps a code in `outcome`: a call outcome (`interested`, configurable in
`call_outcome`), a pipeline stage after a stage move or a deal's end (`meeting_set`, `won`,
configurable in `pipeline_stage`), or one of the fixed codes the services write (`to_closer`,
`deal_changed`, ...).  `outcome_labels()` returns one dictionary for all of them, switched-off
rows included (old entries still carry their codes), so the history timeline
(ui/widgets/history.py) can show words instead of codes on every screen that uses it.

The entries themselves: every service that writes one stores its facts (`params_json(t=KIND, ...)`), and
`render_entry` puts them in words in the reader's language (below), with amounts and dates formatted for the
reader; `rendered_texts` does the same for entries read elsewhere (a refusal's calls, the lost list).
"""

from __future__ import annotations

from sqlalchemy import select

from kbase_tui.formatting import quoted
from kbase_tui.i18n import _
from kbase_tui.labels import field_label  # the fields a correction names, as words
from kbase_tui.models import CallOutcome, PipelineStage, Reason

from . import reference
from .db import Database
from .dto import Actor
from .policy import require_active_user


def fixed_labels() -> dict[str, str]:
    """The codes services write themselves (not configurable), in the current language."""
    return {
        "to_closer": _("handed to a closer"),
        "to_account": _("handed to an account manager"),
        "deal_changed": _("deal changed"),
        "first_order": _("the client's first"),
        "order": _("order"),
        "reassigned": _("reassigned"),
        "supervisor_comment": _("supervisor's comment"),
        "returned": _("back from the lost list"),
        "contact_added": _("contact added"),
        "contact_changed": _("contact changed"),
        "requirements": _("requirements"),
        "transfer": _("transferred"),
        "potential": _("potential changed"),
        "data_fixed": _("data corrected"),
        "returned_to_queue": _("back to the queue"),
        "shelve": _("shelved"),
        "do_not_call": _("do not call"),
        "special_offer": _("special offer"),
        "merged": _("merged"),
        "merge_undone": _("merge undone"),
        "not_a_duplicate": _("not a duplicate"),
        "specialist_in": _("specialist brought in"),
        "specialist_out": _("specialist's task closed"),
        "second_assigned": _("second responsible person assigned"),
        "second_removed": _("second responsible person removed"),
        "return_step": _("return plan step"),
        "return_step_done": _("return plan step done"),
    }


def more_labels() -> dict[str, str]:
    """Codes the history showed as they were ("score_5", "import"): words for them too."""
    return {
        "import": _("imported from a file"),
        "import_merge": _("updated from a file"),
        "import_possible_duplicate": _("possible duplicate on import"),
        "import_undone": _("import undone"),
        # The head of sales' decisions on a refusal (do_not_call is also a call outcome: its row wins).
        "special_offer": _("sent back with a special offer"),
        "shelve": _("shelved until a date"),
        "do_not_call": _("never to be called again"),
        **{f"score_{n}": _("satisfaction {n} of 5").format(n=n) for n in range(1, 6)},
    }


def outcome_labels(db: Database, actor: Actor) -> dict[str, str]:
    """Every outcome code that can appear in a history entry, with its label (reference data only)."""
    with db.read() as session:
        require_active_user(session, actor)
        return labels_in(session)


def labels_in(session) -> dict[str, str]:
    """outcome_labels() inside a read: the codes of history entries and their words, now."""
    labels = fixed_labels()
    for code, label in more_labels().items():
        labels.setdefault(code, label)
    for row in session.execute(select(PipelineStage)).scalars():
        labels[row.code] = reference.label(row)
    for row in session.execute(select(CallOutcome)).scalars():
        labels[row.code] = reference.label(row)
    # An account manager's follow-up results (codes of their own, not call outcomes).
    from kbase_tui.protocol.accounts import follow_up_results

    for code, label in follow_up_results().items():
        labels.setdefault(code, label)
    # A client marked lost: "lost:" and the reason's code (services/accounts/lost.py).
    for row in session.execute(select(Reason)).scalars():
        if row.kind == "lost_client":
            labels[f"lost:{row.code}"[:32]] = _("lost: {reason}").format(reason=reference.label(row))
        labels[f"reason:{row.kind}:{row.code}"] = reference.label(row)  # for render_entry
    return labels


# --- entries the program wrote, in the reader's language ------------------------------------------
#
# A service writes an entry's facts with params_json(t=KIND, ...) beside its text; render_entry puts
# them in words in the reader's language, amounts and dates formatted for the reader.  The timeline
# shows the entry's outcome as a word in its header (ui/widgets/history.py), so the text never says it
# again: it carries what the header does not (an amount, a reason, a name, a date, a comment).


def params_json(**facts: object) -> str:
    """What write_history stores in `params`: the facts of the entry (JSON, dates as ISO text)."""
    import json

    return json.dumps({k: _plain(v) for k, v in facts.items() if v is not None}, ensure_ascii=False)


def _plain(value: object) -> object:
    if value.__class__ in (str, int, bool):  # most facts; importing datetime and Decimal on each call cost more
        return value
    from datetime import date, datetime
    from decimal import Decimal

    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def render_entry(params: str, text: str, labels: dict[str, str]) -> str:
    """The entry's text for the reader: from its facts in the reader's language, else as written."""
    import json

    if not params:
        return text
    try:
        facts = json.loads(params)
        rendered = _RENDERERS[facts["t"]](facts, labels)
    except Exception:
        return text
    return rendered


def rendered_texts(session, rows) -> dict[int | None, str]:
    """{interaction id: its text for the reader} for Interaction rows read elsewhere than the timeline."""
    labels = labels_in(session) if any(row.params for row in rows) else {}
    return {row.id: render_entry(row.params, row.text, labels) for row in rows}


def _lines(*lines: object) -> str:
    return "\n".join(str(line) for line in lines if line)


def _when(value: str) -> str:
    from datetime import datetime

    from kbase_tui.formatting import format_date, format_datetime

    if len(value) == 10:
        return format_date(datetime.fromisoformat(value).date())
    return format_datetime(datetime.fromisoformat(value))


def _day(value: str | None) -> str:
    return _when(value) if value else "—"


def _amount(value: str | None) -> str:
    from decimal import Decimal

    from kbase_tui.formatting import format_amount

    return format_amount(Decimal(value)) if value not in (None, "") else "—"


def _field_value(name: str, value: object) -> str:
    from kbase_tui.phones import readable

    if value in (None, "", []):
        return "—"
    if name == "phones":
        numbers = value if isinstance(value, list) else str(value).split(", ")
        return ", ".join(readable(str(n)) for n in numbers if n) or "—"
    if name == "is_decision_maker":
        return _("yes") if value else _("no")
    if name == "birthday":
        return _when(str(value))
    return str(value)


def changes_text(changes: list) -> str:
    """[[field, old, new], ...] as words in the current language: "city: Омск → Томск; phones: — → +7 …"."""
    return _changes([[name, _plain(old), _plain(new)] for name, old, new in changes])


def _changes(changes: list) -> str:
    return "; ".join(
        _("{field}: {old} → {new}").format(
            field=field_label(name), old=_field_value(name, old), new=_field_value(name, new)
        )
        for name, old, new in changes
    )


def _stage(facts: dict, labels: dict[str, str]) -> str:
    line = f"{labels.get(facts['from'], facts['from'])} → {labels.get(facts['to'], facts['to'])}"
    if facts.get("reason"):
        line += ": " + labels.get(f"reason:lost_deal:{facts['reason']}", facts["reason"])
    return _lines(line, facts.get("comment"))


def _deal_changed(facts: dict, labels: dict[str, str]) -> str:
    lines = []
    for change in facts["changes"]:
        name = change[0]
        if name == "requirements":
            lines.append(_("requirements: {text}").format(text=change[2]))
        elif name == "next_step":
            lines.append(_("next step: {text}").format(text=change[2]))
        elif name == "next_step_due":
            lines.append(_("due: {old} → {new}").format(old=_day(change[1]), new=_day(change[2])))
        else:
            lines.append(_("expected amount: {old} → {new}").format(old=_amount(change[1]), new=_amount(change[2])))
    return "\n".join(lines)


def _name(facts: dict, labels: dict[str, str]) -> str:
    """A hand-over, a second person, a new contact: the header says what happened, the text to whom."""
    return _lines(facts["name"], facts.get("comment"))


def _call(facts: dict, labels: dict[str, str]) -> str:
    from datetime import datetime

    from kbase_tui.formatting import format_both_clocks

    line = ""
    if "reason" in facts:
        line = labels.get(f"reason:refusal:{facts['reason']}", facts["reason"])
    elif "closer" in facts:
        line = _("closer: {name}").format(name=facts["closer"])
    elif "callback_at" in facts:
        if facts.get("zone"):
            line = format_both_clocks(datetime.fromisoformat(facts["callback_at"]), facts["zone"])
        else:
            line = _when(facts["callback_at"])
    elif "unreachable" in facts:
        line = _("unreachable after {n} attempts").format(n=facts["unreachable"])
    return _lines(line, facts.get("comment"))


def _order(facts: dict, labels: dict[str, str]) -> str:
    line = _("dated {date}: {amount}").format(date=_day(facts["date"]), amount=_amount(facts["amount"]))
    if facts.get("margin") is not None:
        line += " " + _("(margin {margin})").format(margin=_amount(facts["margin"]))
    return _lines(line, facts.get("items"))


def _contract(facts: dict, labels: dict[str, str]) -> str:
    return _("Contract of {date}, amount {amount}").format(date=_day(facts["date"]), amount=_amount(facts["amount"]))


def _back_to_active(facts: dict, labels: dict[str, str]) -> str:
    return _("A new order brought the client back to active ({n} return task(s) closed).").format(n=facts["n"])


def _follow_up(facts: dict, labels: dict[str, str]) -> str:
    return _lines(
        facts.get("notes"),
        facts.get("next_purchase")
        and _("Next purchase (client's word): {date}").format(date=_day(facts["next_purchase"])),
        facts.get("next_follow_up") and _("Next follow-up: {date}").format(date=_day(facts["next_follow_up"])),
    )


def _comment(facts: dict, labels: dict[str, str]) -> str:
    """A quality score, a lost mark with its reason, a do-not-call: the header says it; a comment may follow."""
    return facts.get("comment") or ""


def _lost_silent(facts: dict, labels: dict[str, str]) -> str:
    from kbase_tui.formatting import format_fraction

    multiple = format_fraction(float(facts["multiple"]), 2, trim=True)
    return _(
        "No order for {days} days (usual interval {interval} days × {multiple}): moved to lost; return task created."
    ).format(days=facts["days"], interval=facts["interval"], multiple=multiple)


def _old_new(facts: dict, labels: dict[str, str]) -> str:
    """A reassignment or a new potential: who (or what) before → after; a comment may follow."""
    old, new = (facts.get(k) for k in ("old", "new"))
    return _lines(f"{'—' if old in (None, '') else old} → {'—' if new in (None, '') else new}", facts.get("comment"))


def _requirements(facts: dict, labels: dict[str, str]) -> str:
    return facts.get("text") or "—"


def _changed(facts: dict, labels: dict[str, str]) -> str:
    """A contact person's or a company's data corrected: each field in words, old → new."""
    changes = _changes(facts["changes"])
    return f"{facts['name']}: {changes}" if facts.get("name") else changes


def _shelved(facts: dict, labels: dict[str, str]) -> str:
    return _("until {day}").format(day=_day(facts["until"]))


def _special_offer(facts: dict, labels: dict[str, str]) -> str:
    line = facts["offer"]
    if facts.get("caller"):
        line += " " + _("(for {caller})").format(caller=facts["caller"])
    return line


def _transfer(facts: dict, labels: dict[str, str]) -> str:
    if facts.get("leaver"):
        return f"{facts['leaver']} → {facts['receiver']}"
    return _("the portfolio held since a departure → {receiver}").format(receiver=facts["receiver"])


def _merged(facts: dict, labels: dict[str, str]) -> str:
    if facts.get("kept"):
        return _("This company went into {name} (#{id}); its history is there.").format(
            name=quoted(facts["name"]), id=facts["id"]
        )
    return _("The duplicate {name} (#{id}) joined this company: {n} records moved here.").format(
        name=quoted(facts["name"]), id=facts["id"], n=facts["n"]
    )


def _merge_undone(facts: dict, labels: dict[str, str]) -> str:
    if facts.get("kept"):
        return _("This company is on its own again, apart from {name} (#{id}).").format(
            name=quoted(facts["name"]), id=facts["id"]
        )
    return _("{name} (#{id}) is separate again: {n} records went back to it.").format(
        name=quoted(facts["name"]), id=facts["id"], n=facts["n"]
    )


def _not_a_duplicate(facts: dict, labels: dict[str, str]) -> str:
    return _("Checked against {name} (#{id}) by the head of sales.").format(name=quoted(facts["name"]), id=facts["id"])


def _return_step(facts: dict, labels: dict[str, str]) -> str:
    return _("{text} (by {date})").format(text=facts["text"], date=_day(facts["date"]))


def _step_done(facts: dict, labels: dict[str, str]) -> str:
    return _lines(facts["text"], facts.get("result"))


def _specialist(facts: dict, labels: dict[str, str]) -> str:
    return f"{facts['name']}: {facts.get('text') or '—'}"


def brought_by_a_line(items) -> str:
    """What a later line of a file added to a company: ["field", name, value], ["phone", number],
    ["contact", name], ["emails", addresses].  A text: written before an import kept these as facts."""
    from kbase_tui.phones import readable

    if isinstance(items, str):
        return items
    words = []
    for kind, *values in items:
        if kind == "field":
            words.append(_("{field}: {value}").format(field=field_label(values[0]), value=values[1]))
        elif kind == "phone":
            words.append(_("phone {number}").format(number=readable(values[0])))
        elif kind == "contact":
            words.append(_("contact {name}").format(name=values[0]))
        elif kind == "emails":
            words.append(_("other e-mails {emails}").format(emails=values[0]))
    return ", ".join(words)


def kept_from_a_line(field: str, value: str, line: int | None = None) -> str:
    """A value a line of a file had that the company kept as it was (its own, or the first line's)."""
    if line is None:
        if field == "name":
            return _("name kept, the file had {value}").format(value=quoted(value))
        return _("{field} kept, the file had {value}").format(field=field_label(field), value=quoted(value))
    if field == "name":
        return _("line {line}: name kept, the file had {value}").format(line=line, value=quoted(value))
    return _("line {line}: {field} kept, the file had {value}").format(
        line=line, field=field_label(field), value=quoted(value)
    )


def _imported(facts: dict, labels: dict[str, str]) -> str:
    """A company an import created: the file and its line; what later lines added, what was kept, the comment."""
    text = _("Imported from {file}, line {line}.").format(file=facts["file"], line=facts["line"])
    for line, items in facts.get("merged", ()):
        text += " " + _("Merged from {file}, line {line}: {what}.").format(
            file=facts["file"], line=line, what=_("added {what}").format(what=brought_by_a_line(items))
        )
    if facts.get("no_phone"):
        text += " " + _("No phone: waiting for research, not in the queue.")
    if facts.get("emails"):
        text += " " + _("Other e-mails: {emails}.").format(emails=", ".join(facts["emails"]))
    kept = [kept_from_a_line(field, value, line) for line, field, value in facts.get("kept", ())]
    kept += facts.get("notes", ())  # written in words by imports before the facts were kept
    if kept:
        text += " " + _("Kept as the first line had it: {notes}.").format(notes="; ".join(kept))
    if facts.get("comment"):
        text += "\n" + facts["comment"]
    return text


def _import_merge(facts: dict, labels: dict[str, str]) -> str:
    """A later line of a file merged into a company already in the base: what it added, what was kept."""
    parts = []
    if facts.get("added"):
        parts.append(_("added {what}").format(what=brought_by_a_line(facts["added"])))
    kept = [kept_from_a_line(field, value) for field, value in facts.get("kept", ())]
    if kept:
        parts.append("; ".join(kept))
    return _("Merged from {file}, line {line}: {what}.").format(
        file=facts["file"], line=facts["line"], what="; ".join(parts)
    )


def _import_undone(facts: dict, labels: dict[str, str]) -> str:
    """An undone import took from a company what it had added."""
    return _("Import of {file} undone: removed {what}.").format(
        file=facts["file"], what=brought_by_a_line(facts["removed"])
    )


def _possible_duplicate(facts: dict, labels: dict[str, str]) -> str:
    """A company an import created that has the phone of another: written on both."""
    from kbase_tui.phones import readable

    if facts.get("side") == "new":
        return _(
            "Possible duplicate of {other} (#{id}): the same phone {phone}. Imported from {file}, line "
            "{line}, as a separate company."
        ).format(
            other=quoted(facts["name"]),
            id=facts["id"],
            phone=readable(facts["phone"]),
            file=facts["file"],
            line=facts["line"],
        )
    return _("Possible duplicate: {name} (#{id}) from {file}, line {line}, has the same phone {phone}.").format(
        name=quoted(facts["name"]),
        id=facts["id"],
        phone=readable(facts["phone"]),
        file=facts["file"],
        line=facts["line"],
    )


def words_of(facts: dict) -> str:
    """The words of an entry written as *facts* (`params_json`), in the current language: the text stored beside
    the facts, for readers that do not render them, says exactly what the renderer says."""
    return _RENDERERS[facts["t"]](facts, {})


_RENDERERS = {
    "stage": _stage,
    "deal_changed": _deal_changed,
    "to_closer": _name,
    "to_account": _name,
    "call": _call,
    "order": _order,
    "first_order": _contract,
    "back_to_active": _back_to_active,
    "follow_up": _follow_up,
    "comment": _comment,
    "lost_silent": _lost_silent,
    "old_new": _old_new,
    "requirements": _requirements,
    "changed": _changed,
    "name": _name,
    "shelved": _shelved,
    "special_offer": _special_offer,
    "transfer": _transfer,
    "merged": _merged,
    "merge_undone": _merge_undone,
    "not_a_duplicate": _not_a_duplicate,
    "return_step": _return_step,
    "step_done": _step_done,
    "specialist": _specialist,
    "imported": _imported,
    "import_merge": _import_merge,
    "import_undone": _import_undone,
    "possible_duplicate": _possible_duplicate,
}
