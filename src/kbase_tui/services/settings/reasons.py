"""The reasons lists (refusal, lost deal, lost client), changed by the supervisor without a code change."""

from __future__ import annotations

from sqlalchemy import func, select

from kbase_tui.i18n import _
from kbase_tui.models import Reason

from .. import audit, reference
from ..common import require_configurer
from ..db import Database
from ..dto import Actor
from ..errors import ValidationFailed
from ..text import clean_input
from .codes import valid_code

REASON_KINDS = ("refusal", "lost_deal", "lost_client")


def save_reason(
    db: Database, actor: Actor, kind: str, code: str, label_ru: str, label_en: str, *, active: bool = True
) -> reference.ReasonInfo:
    """Add a reason (refusal, lost deal, lost client) or change the one with the same code."""
    if kind not in REASON_KINDS:
        raise ValidationFailed(_("Unknown kind of reason."))
    code = valid_code(code)
    label_ru, label_en = clean_input(label_ru, 120), clean_input(label_en, 120)
    if not label_ru or not label_en:
        raise ValidationFailed(_("Write the label in both languages."))
    with db.write() as session:
        require_configurer(session, actor)
        row = session.execute(select(Reason).where(Reason.kind == kind, Reason.code == code)).scalar_one_or_none()
        created = row is None
        if row is None:
            last = session.execute(select(func.max(Reason.position)).where(Reason.kind == kind)).scalar() or 0
            row = Reason(kind=kind, code=code, label_ru=label_ru, label_en=label_en, position=last + 1)
            session.add(row)
        row.label_ru, row.label_en, row.active = label_ru, label_en, active
        session.flush()
        audit.record(
            session,
            actor,
            "reason_added" if created else "reason_changed",
            "reason",
            row.id,
            kind=kind,
            code=code,
            active=active,
        )
        return reference.ReasonInfo(kind, code, reference.label(row))


def all_reasons(db: Database, actor: Actor, kind: str) -> list[tuple[str, str, str, bool]]:
    """Every reason of *kind*, active or not: (code, label_ru, label_en, active)."""
    if kind not in REASON_KINDS:
        raise ValidationFailed(_("Unknown kind of reason."))
    with db.read() as session:
        require_configurer(session, actor)
        rows = session.execute(select(Reason).where(Reason.kind == kind).order_by(Reason.position, Reason.id)).scalars()
        return [(r.code, r.label_ru, r.label_en, r.active) for r in rows]
