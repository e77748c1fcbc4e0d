"""The ideas' rows: supports (one per person), référents, and the codes that prove an address typed on a page."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from store.db import key
from store.models import (
    Agent,
    Case,
    ConfirmationCode,
    Contact,
    Contribution,
    Event,
    EventIdea,
    Follower,
    Identity,
    OutboxEntry,
    Registration,
    Support,
)


def support_of(session: Session, *, case_id: int, contact_id: int) -> Support | None:
    """This person's support of the idea, if they gave it (from any channel)."""
    return session.exec(select(Support).where(col(Support.case_id) == case_id,
                                              col(Support.contact_id) == contact_id)).first()


def add_support(session: Session, case: Case, identity: Identity, *, channel: str,
                now: datetime) -> tuple[Support, bool]:
    """Record the person's support of the idea; (the support, True) when it is new, (theirs, False) when they had
    already supported it, from this channel or another (two workers racing count once, by the unique key)."""
    existing = support_of(session, case_id=key(case), contact_id=identity.contact_id)
    if existing is not None:
        return existing, False
    support = Support(case_id=key(case), contact_id=identity.contact_id, identity_id=identity.id, channel=channel,
                      created_at=now)
    try:
        with session.begin_nested():
            session.add(support)
            session.flush()
    except IntegrityError:
        already = support_of(session, case_id=key(case), contact_id=identity.contact_id)
        assert already is not None
        return already, False
    return support, True


def support_counts(session: Session, case_ids: list[int]) -> dict[int, int]:
    """How many people support each idea (ideas without a support are absent)."""
    if not case_ids:
        return {}
    rows = session.exec(select(Support.case_id, func.count()).where(col(Support.case_id).in_(case_ids))
                        .group_by(col(Support.case_id))).all()
    return {case_id: count for case_id, count in rows}


def referents(session: Session) -> list[Agent]:
    """The active référents, in a stable order."""
    return list(session.exec(select(Agent).where(col(Agent.role) == "referent", col(Agent.active).is_(True))
                             .order_by(col(Agent.id))).all())


def add_code(session: Session, code: ConfirmationCode) -> ConfirmationCode:
    """Keep a new confirmation code (its hash)."""
    session.add(code)
    session.flush()
    return code


def live_code(session: Session, *, purpose: str, target: str, address: str, now: datetime) -> ConfirmationCode | None:
    """The newest unused, unexpired code for this purpose, target and address."""
    return session.exec(select(ConfirmationCode).where(
        col(ConfirmationCode.purpose) == purpose, col(ConfirmationCode.target) == target,
        col(ConfirmationCode.address) == address, col(ConfirmationCode.used_at).is_(None),
        col(ConfirmationCode.expires_at) > now).order_by(col(ConfirmationCode.id).desc())).first()


def codes_sent_since(session: Session, *, address: str, since: datetime) -> int:
    """How many codes went to this address since then (a page cannot be used to flood someone)."""
    return session.exec(select(func.count()).select_from(ConfirmationCode).where(
        col(ConfirmationCode.address) == address, col(ConfirmationCode.created_at) >= since)).one()


# -- ideas on the residents' channels (part A of issue 13) ------------------------------------------------------

def open_ideas(session: Session, *, statuses: tuple[str, ...],
               limit: int = 300) -> list[Case]:
    """The newest ideas in these statuses (never merged), to compare a new idea with."""
    query = select(Case).where(col(Case.kind) == "idea", col(Case.status).in_(statuses),
                               col(Case.merged_into_id).is_(None))
    return list(session.exec(query.order_by(col(Case.created_at).desc()).limit(limit)).all())


def last_idea_told(session: Session, *, contact_id: int, since: datetime) -> Case | None:
    """The idea this person was last written to about (offered, acknowledged, supported) since then, if any."""
    query = (select(Case).join(OutboxEntry, col(OutboxEntry.case_id) == col(Case.id))
             .join(Identity, col(Identity.id) == col(OutboxEntry.identity_id))
             .where(col(Identity.contact_id) == contact_id, col(Case.kind) == "idea",
                    col(OutboxEntry.created_at) >= since)
             .order_by(col(OutboxEntry.created_at).desc(), col(OutboxEntry.id).desc()))
    return session.exec(query).first()


def supports_of(session: Session, *, contact_id: int) -> list[tuple[Support, Case]]:
    """This person's supports, newest first, with their ideas."""
    query = (select(Support, Case).join(Case, col(Case.id) == col(Support.case_id))
             .where(col(Support.contact_id) == contact_id).order_by(col(Support.created_at).desc()))
    return [(support, case) for support, case in session.exec(query).all()]


def followers_of_contact(session: Session, *, case_id: int, contact_id: int) -> list[Follower]:
    """This person's follower rows on a case, one per identity (channel) they follow it from."""
    query = (select(Follower).join(Identity, col(Identity.id) == col(Follower.identity_id))
             .where(col(Follower.case_id) == case_id, col(Identity.contact_id) == contact_id))
    return list(session.exec(query).all())


def add_contribution(session: Session, contribution: Contribution) -> Contribution:
    """Keep a supporter's contribution to an idea (pending until the référent reads it)."""
    session.add(contribution)
    session.flush()
    return contribution


# --- the référent's side (gateway/ideas/decisions.py, timeline.py, people.py) --------------------------------


def ideas_of(session: Session, *, themes: list[str] | None, territories: list[str] | None,
             limit: int = 500) -> list[Case]:
    """The ideas of some themes and territories (None or empty: all), the newest first."""
    query = select(Case).where(col(Case.kind) == "idea")
    if themes:
        query = query.where(col(Case.category).in_(themes))
    if territories:
        query = query.where(col(Case.territory).in_(territories))
    return list(session.exec(query.order_by(col(Case.created_at).desc(), col(Case.id).desc()).limit(limit)).all())


def supporters(session: Session, case_id: int) -> list[tuple[Support, Contact, Identity | None]]:
    """Who supports the idea, the first first: the support, the person, the identity they supported from."""
    rows = session.exec(select(Support, Contact, Identity)
                        .join(Contact, col(Contact.id) == col(Support.contact_id))
                        .join(Identity, col(Identity.id) == col(Support.identity_id), isouter=True)
                        .where(col(Support.case_id) == case_id).order_by(col(Support.id))).all()
    return [(support, contact, identity) for support, contact, identity in rows]


def implicated_contacts(session: Session, case_id: int) -> set[int]:
    """The people who follow the idea as impliqué (on any of their identities)."""
    rows = session.exec(select(Identity.contact_id).join(Follower, col(Follower.identity_id) == col(Identity.id))
                        .where(col(Follower.case_id) == case_id, col(Follower.mode) == "implique")).all()
    return set(rows)


def identities_of(session: Session, contact_ids: set[int]) -> list[Identity]:
    """Every identity of these people."""
    if not contact_ids:
        return []
    return list(session.exec(select(Identity).where(col(Identity.contact_id).in_(contact_ids))
                             .order_by(col(Identity.id))).all())


def events_of(session: Session, case_id: int) -> list[Event]:
    """The events linked to the idea, the soonest first."""
    return list(session.exec(select(Event).join(EventIdea, col(EventIdea.event_id) == col(Event.id))
                             .where(col(EventIdea.case_id) == case_id).order_by(col(Event.starts_at))).all())


def registrations_of(session: Session, event_ids: list[int]) -> list[tuple[Registration, Contact, Identity | None]]:
    """The registrations to these events (cancelled ones included), in the order they came."""
    if not event_ids:
        return []
    rows = session.exec(select(Registration, Contact, Identity)
                        .join(Contact, col(Contact.id) == col(Registration.contact_id))
                        .join(Identity, col(Identity.id) == col(Registration.identity_id), isouter=True)
                        .where(col(Registration.event_id).in_(event_ids))
                        .order_by(col(Registration.created_at), col(Registration.id))).all()
    return [(registration, contact, identity) for registration, contact, identity in rows]


def contributions_of(session: Session, case_ids: list[int], *, status: str | None = None) -> list[Contribution]:
    """The contributions to these ideas (of one status, if given), the oldest first."""
    if not case_ids:
        return []
    query = select(Contribution).where(col(Contribution.case_id).in_(case_ids))
    if status is not None:
        query = query.where(col(Contribution.status) == status)
    return list(session.exec(query.order_by(col(Contribution.id))).all())
