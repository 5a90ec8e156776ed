"""The client card shared by every role's screen: company, contacts, history.

Every read checks `policy.require_company`; opening a card is audited
(`card_opened`) so the company can tell who saw which client.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from kbase_tui.i18n import _
from kbase_tui.models import Company, Contact, Interaction, InteractionKind, Phone, User, utcnow
from kbase_tui.protocol.clients import ClientMatch, CompanyCard, CompanyInfo, ContactForm, ContactInfo, HistoryEntry

from . import alarms, audit, phones
from .db import Database
from .dto import Actor
from .errors import NotFound, StaleRecord, ValidationFailed
from .history_labels import changes_text, params_json
from .policy import require_company
from .text import clean_input, fold, typed_text


def company_info(session: Session, company: Company) -> CompanyInfo:
    owner = session.get(User, company.owner_id) if company.owner_id else None
    company_phones = (
        session.execute(
            select(Phone.number).where(Phone.company_id == company.id, Phone.contact_id.is_(None)).order_by(Phone.id)
        )
        .scalars()
        .all()
    )
    return CompanyInfo(
        id=company.id,
        name=company.name,
        inn=company.inn,
        city=company.city,
        industry=company.industry,
        channel=company.channel,
        size=company.size,
        abcde_class=company.abcde_class,
        is_key_client=company.is_key_client,
        category=company.category,
        stage=company.stage,
        owner_id=company.owner_id,
        owner_name=(owner.full_name or owner.username) if owner else "",
        requirements=company.requirements,
        phones=tuple(company_phones),
        email=company.email,
        website=company.website,
        special_offer=company.special_offer,
        attempts=company.attempts,
        last_outcome=company.last_outcome,
        orders_count=company.orders_count,
        revenue_total=company.revenue_total,
        last_order_at=company.last_order_at,
        next_purchase_at=company.next_purchase_at,
        version=company.version,
        time_zone=company.time_zone,
    )


def set_time_zone(db: Database, actor: Actor, company_id: int, time_zone: str) -> CompanyInfo:
    """The supervisor sets the client's zone; '' guesses it again from the phones and the city.

    The queue calls the company only inside the calling window of this zone's clock.
    """
    from kbase_tui import timezones

    from .policy import Capability, require, require_active_user
    from .queue import forget_queue_zones
    from .users import clean_zone

    name = clean_zone(time_zone)
    with db.write() as session:
        require_active_user(session, actor)
        require(actor, Capability.SUPERVISE)
        company = require_company(session, actor, company_id, for_update=True)
        if not name:
            numbers = (
                session.execute(
                    select(Phone.number)
                    .where(Phone.company_id == company.id)
                    .order_by(Phone.contact_id.is_not(None), Phone.id)
                )
                .scalars()
                .all()
            )
            name = timezones.zone_for_company(list(numbers), company.city, company.address) or ""
        old = company.time_zone
        company.time_zone = name
        company.version += 1
        company.updated_at = utcnow()
        session.flush()
        audit.record(session, actor, "company_time_zone_set", "company", company.id, old=old, new=name)
        info = company_info(session, company)
    forget_queue_zones()  # a zone the queue had not held before is offered at once
    return info


def contacts_of(session: Session, company_id: int) -> tuple[ContactInfo, ...]:
    rows = (
        session.execute(
            select(Contact)
            .where(Contact.company_id == company_id)
            .order_by(Contact.is_decision_maker.desc(), Contact.id)
        )
        .scalars()
        .all()
    )
    phone_rows = session.execute(
        select(Phone.contact_id, Phone.number)
        .where(Phone.company_id == company_id, Phone.contact_id.is_not(None))
        .order_by(Phone.id)
    ).all()
    by_contact: dict[int, list[str]] = {}
    for contact_id, number in phone_rows:
        by_contact.setdefault(contact_id, []).append(number)
    return tuple(
        ContactInfo(
            id=c.id,
            full_name=c.full_name,
            position=c.position,
            is_decision_maker=c.is_decision_maker,
            phones=tuple(by_contact.get(c.id, [])),
            email=c.email,
            birthday=c.birthday,
            version=c.version,
        )
        for c in rows
    )


def record_card_view(session: Session, actor: Actor, company_id: int, **detail: object) -> None:
    """Every card view, on any screen: counted against the user's hourly limit (too many
    cards an hour raise an alarm and a growing wait) and audited, so the company can tell
    who saw which client."""
    alarms.check_card_view(session, actor)
    audit.record(session, actor, "card_opened", "company", company_id, **detail)


def open_card(db: Database, actor: Actor, company_id: int) -> CompanyCard:
    """The card of one company, audited as a view."""
    with db.write() as session:
        company = require_company(session, actor, company_id)
        record_card_view(session, actor, company.id)
        return CompanyCard(company=company_info(session, company), contacts=contacts_of(session, company.id))


def history(
    db: Database, actor: Actor, company_id: int, *, limit: int = 200, before_id: int | None = None
) -> list[HistoryEntry]:
    """The company's timeline, newest first, a page at a time."""
    with db.read() as session:
        require_company(session, actor, company_id)
        return history_page(session, company_id, limit=limit, before_id=before_id)


def history_page(
    session: Session, company_id: int, *, limit: int = 200, before_id: int | None = None
) -> list[HistoryEntry]:
    query = (
        select(Interaction, User.full_name, User.username)
        .outerjoin(User, User.id == Interaction.user_id)
        .where(Interaction.company_id == company_id)
        .order_by(Interaction.at.desc(), Interaction.id.desc())
        .limit(limit)
    )
    if before_id is not None:
        query = query.where(Interaction.id < before_id)
    rows = session.execute(query).all()
    labels: dict[str, str] | None = None
    if any(i.params for i, _full, _login in rows):
        from .history_labels import labels_in

        labels = labels_in(session)
    from .history_labels import render_entry

    return [
        HistoryEntry(
            id=i.id,
            at=i.at,
            kind=i.kind,
            outcome=i.outcome,
            text=render_entry(i.params, i.text, labels) if labels is not None else i.text,
            user_name=full or login or "",
        )
        for i, full, login in rows
    ]


def write_history(
    session: Session,
    actor: Actor | None,
    company_id: int,
    kind: str,
    *,
    outcome: str = "",
    text: str = "",
    deal_id: int | None = None,
    at: datetime | None = None,
    params: str = "",
) -> Interaction:
    """*text* in the writer's language; *params* (history_labels.params_json) lets the reader's own
    language put the entry in words (history_labels.render_entry)."""
    entry = Interaction(
        company_id=company_id,
        user_id=actor.id if actor else None,
        deal_id=deal_id,
        at=at or utcnow(),
        kind=kind,
        outcome=outcome,
        text=text,
        params=params,
    )
    session.add(entry)
    return entry


NOTE_KINDS = (InteractionKind.NOTE, InteractionKind.CALL, InteractionKind.MEETING, InteractionKind.FOLLOW_UP)


def add_note(db: Database, actor: Actor, company_id: int, kind: str, text: str, *, outcome: str = "") -> HistoryEntry:
    """A note, call or meeting with its result, written to the company's history."""
    if kind not in NOTE_KINDS:
        raise ValidationFailed(_("Unknown kind of entry."))
    text = clean_input(text, 10_000)
    if not text:
        raise ValidationFailed(_("Write what happened."))
    with db.write() as session:
        company = require_company(session, actor, company_id)
        entry = write_history(session, actor, company.id, kind, outcome=clean_input(outcome, 32), text=text)
        company.updated_at = utcnow()
        session.flush()
        audit.record(session, actor, "history_added", "company", company.id, kind=kind)
        return HistoryEntry(entry.id, entry.at, entry.kind, entry.outcome, entry.text, actor.label)


# --- contact persons -------------------------------------------------------------


def _validated(form: ContactForm) -> tuple[ContactForm, list[str]]:
    name = typed_text(form.full_name, 200, _("Name"))
    if not name:
        raise ValidationFailed(_("The contact person needs a name."))
    numbers = []
    for raw in form.phones:
        if raw.strip():
            numbers.append(phones.normalise_or_raise(raw))
    email = typed_text(form.email, 200, _("E-mail"))
    if email and ("@" not in email or " " in email):
        raise ValidationFailed(_("The e-mail address is not valid."))
    clean = ContactForm(
        name, typed_text(form.position, 200, _("Position")), form.is_decision_maker, numbers, email, form.birthday
    )
    return clean, numbers


def add_contact(db: Database, actor: Actor, company_id: int, form: ContactForm) -> ContactInfo:
    clean, numbers = _validated(form)
    with db.write() as session:
        company = require_company(session, actor, company_id)
        contact = Contact(
            company_id=company.id,
            full_name=clean.full_name,
            position=clean.position,
            is_decision_maker=clean.is_decision_maker,
            email=clean.email,
            birthday=clean.birthday,
        )
        session.add(contact)
        session.flush()
        for number in numbers:
            session.add(Phone(company_id=company.id, contact_id=contact.id, number=number))
        write_history(
            session,
            actor,
            company.id,
            InteractionKind.NOTE,
            outcome="contact_added",
            text=_("Contact person added: {name}").format(name=clean.full_name),
            params=params_json(t="name", name=clean.full_name),
        )
        audit.record(session, actor, "contact_added", "contact", contact.id, company_id=company.id)
        session.flush()
        return next(c for c in contacts_of(session, company.id) if c.id == contact.id)


def update_contact(
    db: Database, actor: Actor, contact_id: int, expected_version: int, form: ContactForm
) -> ContactInfo:
    clean, numbers = _validated(form)
    with db.write() as session:
        contact = session.get(Contact, contact_id)
        if contact is None:
            raise NotFound()
        company = require_company(session, actor, contact.company_id)
        if contact.version != expected_version:
            current = next(c for c in contacts_of(session, company.id) if c.id == contact.id)
            raise StaleRecord(current=current)
        changes = {
            name: (getattr(contact, name), getattr(clean, name))
            for name in ("full_name", "position", "is_decision_maker", "email", "birthday")
            if getattr(contact, name) != getattr(clean, name)
        }
        for name, (_old, new) in changes.items():
            setattr(contact, name, new)
        old_numbers = session.execute(select(Phone).where(Phone.contact_id == contact.id)).scalars().all()
        if [p.number for p in old_numbers] != numbers:
            for phone in old_numbers:
                session.delete(phone)
            for number in numbers:
                session.add(Phone(company_id=company.id, contact_id=contact.id, number=number))
            changes["phones"] = ([p.number for p in old_numbers], numbers)
        contact.version += 1
        contact.updated_at = utcnow()
        if changes:
            changed = [[k, old, new] for k, (old, new) in changes.items()]
            write_history(
                session,
                actor,
                company.id,
                InteractionKind.NOTE,
                outcome="contact_changed",
                text=f"{clean.full_name}: {changes_text(changed)}",
                params=params_json(t="changed", name=clean.full_name, changes=changed),
            )
        audit.record(
            session, actor, "contact_changed", "contact", contact.id, company_id=company.id, fields=sorted(changes)
        )
        session.flush()
        return next(c for c in contacts_of(session, company.id) if c.id == contact.id)


def search_key(text: str) -> str:
    return fold(text)


# Digits typed to find a client: at least this many before they are read as an INN or a phone.
FIND_MIN_DIGITS = 4


def find_own(db: Database, actor: Actor, text: str, *, limit: int = 20) -> list[ClientMatch]:
    """The clients *actor* works with whose name, INN or phone matches *text* (type-to-find).

    Only what the reader may list (policy.company_visibility): a closer finds the companies of
    their own deals, an account manager their own accounts, the head of sales any; a caller or
    an admin nothing (AccessDenied).  Name: every word, case- and ё-insensitive.  Digits (spaces,
    `+ ( ) -` allowed between them): an INN starting with them, or a phone containing them; a
    Russian number typed with its leading 8 is read as +7.
    """
    import re

    from sqlalchemy import and_, exists, or_

    from kbase_tui.models import Deal, DealStatus, Role

    from .policy import company_visibility, owned_by, require_list_access
    from .search import LIKE_ESCAPE, company_name_filter, company_name_order, escape_like, query_words

    with db.read() as session:
        require_list_access(session, actor)
        if not query_words(text):
            return []
        conditions = [company_name_filter(text)]
        stripped = re.sub(r"[\s+()\-]", "", text)
        if stripped.isdigit() and len(stripped) >= FIND_MIN_DIGITS:
            conditions.append(Company.inn.like(f"{escape_like(stripped)}%", escape=LIKE_ESCAPE))
            needles = {stripped}
            if len(stripped) == 11 and stripped.startswith("8"):
                needles.add("7" + stripped[1:])
            conditions.append(
                exists().where(
                    Phone.company_id == Company.id,
                    or_(*(Phone.number.like(f"%{escape_like(n)}%", escape=LIKE_ESCAPE) for n in needles)),
                )
            )
        deal_on = and_(Deal.company_id == Company.id, Deal.status == DealStatus.OPEN)
        if actor.role == Role.CLOSER:
            deal_on = and_(deal_on, owned_by(actor, Deal.closer_id))
        query = (
            select(Company.id, Company.name, Company.city, Company.inn, Deal.id, Deal.stage_code)
            .outerjoin(Deal, deal_on)
            .where(company_visibility(actor), or_(*conditions))
            .order_by(*company_name_order())
            .limit(limit)
        )
        found: dict[int, ClientMatch] = {}
        for company_id, name, city, inn, deal_id, stage in session.execute(query).all():
            found.setdefault(company_id, ClientMatch(company_id, name, city or "", inn, deal_id, stage or ""))
        return list(found.values())
