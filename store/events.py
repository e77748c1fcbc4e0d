"""The events' rows: meetings, the ideas they are about, registrations and the waiting list, the reminders' claims."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import func, or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from store.db import key
from store.models import Case, Event, EventIdea, Follower, Identity, Interest, OutboxEntry, Registration


def new_reference(session: Session) -> str:
    """A short unused reference, typed on a phone: "EV-" and four digits (five once a town has thousands)."""
    for digits in (4, 4, 4, 5, 5, 6):
        reference = f"EV-{secrets.randbelow(9 * 10 ** (digits - 1)) + 10 ** (digits - 1)}"
        if by_reference(session, reference) is None:
            return reference
    raise RuntimeError("no free event reference")


def by_reference(session: Session, reference: str, *, lock: bool = False) -> Event | None:
    """The event of this reference (upper-cased, "ev 1234" read as "EV-1234")."""
    query = select(Event).where(col(Event.reference) == reference.upper())
    return session.exec(query.with_for_update() if lock else query).first()


def add(session: Session, event: Event, case_ids: list[int]) -> Event:
    """Keep a new event and the ideas it is about."""
    session.add(event)
    session.flush()
    for case_id in dict.fromkeys(case_ids):
        session.add(EventIdea(event_id=key(event), case_id=case_id))
    session.flush()
    return event


def ideas_of(session: Session, event: Event) -> list[Case]:
    """The ideas an event is about, by reference."""
    return list(session.exec(select(Case).join(EventIdea, col(EventIdea.case_id) == col(Case.id))
                             .where(col(EventIdea.event_id) == event.id).order_by(col(Case.reference))).all())


def events_of_idea(session: Session, case_id: int) -> list[Event]:
    """The events about one idea, soonest first."""
    return list(session.exec(select(Event).join(EventIdea, col(EventIdea.event_id) == col(Event.id))
                             .where(col(EventIdea.case_id) == case_id).order_by(col(Event.starts_at))).all())


def upcoming(session: Session, *, now: datetime) -> list[Event]:
    """Scheduled events still to come, soonest first."""
    return list(session.exec(select(Event).where(col(Event.status) == "scheduled", col(Event.starts_at) >= now)
                             .order_by(col(Event.starts_at))).all())


def past(session: Session, *, now: datetime, limit: int = 20) -> list[Event]:
    """Events that took place, the latest first."""
    return list(session.exec(select(Event).where(or_(col(Event.status) == "held", col(Event.starts_at) < now),
                                                 col(Event.status) != "cancelled")
                             .order_by(col(Event.starts_at).desc()).limit(limit)).all())


def every(session: Session, *, limit: int = 200) -> list[Event]:
    """All events, the latest first (the back office)."""
    return list(session.exec(select(Event).order_by(col(Event.starts_at).desc()).limit(limit)).all())


def registration_of(session: Session, *, event_id: int, contact_id: int) -> Registration | None:
    """This person's registration to the event, whatever channel it came from."""
    return session.exec(select(Registration).where(col(Registration.event_id) == event_id,
                                                   col(Registration.contact_id) == contact_id)).first()


def add_registration(session: Session, registration: Registration) -> tuple[Registration, bool]:
    """Keep a registration; (theirs, False) when this person has one already (two workers racing count once)."""
    try:
        with session.begin_nested():
            session.add(registration)
            session.flush()
    except IntegrityError:
        already = registration_of(session, event_id=registration.event_id, contact_id=registration.contact_id)
        assert already is not None
        return already, False
    return registration, True


def seats_taken(session: Session, event_id: int) -> int:
    """How many people hold a seat."""
    return session.exec(select(func.count()).select_from(Registration).where(
        col(Registration.event_id) == event_id, col(Registration.status) == "registered")).one()


def seats_taken_by_event(session: Session, event_ids: list[int]) -> dict[int, int]:
    """Seats held, per event (events without one are absent)."""
    if not event_ids:
        return {}
    rows = session.exec(select(Registration.event_id, func.count()).where(
        col(Registration.event_id).in_(event_ids), col(Registration.status) == "registered")
        .group_by(col(Registration.event_id))).all()
    return {event_id: count for event_id, count in rows}


def place_in_line(session: Session, registration: Registration) -> int:
    """A waiting person's place in the line: 1 is the next to get a seat."""
    return session.exec(select(func.count()).select_from(Registration).where(
        col(Registration.event_id) == registration.event_id, col(Registration.status) == "waiting",
        or_(col(Registration.created_at) < registration.created_at,
            (col(Registration.created_at) == registration.created_at) & (col(Registration.id) <= registration.id))
    )).one()


def first_waiting(session: Session, event_id: int) -> Registration | None:
    """The person waiting longest, locked so that two cancellations do not promote the same person."""
    return session.exec(select(Registration).where(col(Registration.event_id) == event_id,
                                                   col(Registration.status) == "waiting")
                        .order_by(col(Registration.created_at), col(Registration.id))
                        .with_for_update(skip_locked=True)).first()


def registrations(session: Session, event_id: int) -> list[tuple[Registration, Identity | None]]:
    """Everyone registered, waiting or cancelled, in the order they came, with the identity they came by."""
    return list(session.exec(select(Registration, Identity).join(
        Identity, col(Identity.id) == col(Registration.identity_id), isouter=True)
        .where(col(Registration.event_id) == event_id)
        .order_by(col(Registration.created_at), col(Registration.id))).all())


def claim_reminder(session: Session, registration_id: int, *, now: datetime) -> bool:
    """Mark one registration reminded, unless another worker did: True for the worker that wins."""
    done = session.execute(update(Registration).where(col(Registration.id) == registration_id,
                                                      col(Registration.reminded_at).is_(None))
                           .values(reminded_at=now))
    return bool(getattr(done, "rowcount", 0))


def claim_invitations(session: Session, event_id: int, *, now: datetime) -> bool:
    """Mark the event's invitations sent, unless they were: True once in its life."""
    done = session.execute(update(Event).where(col(Event.id) == event_id, col(Event.invited_at).is_(None))
                           .values(invited_at=now))
    return bool(getattr(done, "rowcount", 0))


def starting_between(session: Session, start: datetime, end: datetime) -> list[Event]:
    """Scheduled events that start in [start, end)."""
    return list(session.exec(select(Event).where(col(Event.status) == "scheduled", col(Event.starts_at) >= start,
                                                 col(Event.starts_at) < end)).all())


def implique_identities(session: Session, case_ids: list[int]) -> list[Identity]:
    """The identities by which impliqué supporters follow these ideas (several per person, possibly)."""
    if not case_ids:
        return []
    return list(session.exec(select(Identity).join(Follower, col(Follower.identity_id) == col(Identity.id))
                             .where(col(Follower.case_id).in_(case_ids), col(Follower.mode) == "implique")
                             .order_by(col(Follower.id))).all())


def add_interest(session: Session, identity: Identity, *, theme: str | None = None,
                 district: str | None = None) -> Interest:
    """This person asks for the events of a theme or a district (once: asking again changes nothing)."""
    found = session.exec(select(Interest).where(col(Interest.contact_id) == identity.contact_id,
                                                col(Interest.theme) == theme,
                                                col(Interest.district) == district)).first()
    if found is not None:
        return found
    interest = Interest(contact_id=identity.contact_id, identity_id=identity.id or 0, theme=theme, district=district)
    session.add(interest)
    session.flush()
    return interest


def remove_interests(session: Session, contact_id: int) -> int:
    """Forget every theme or district this person asked invitations for; how many there were."""
    rows = list(session.exec(select(Interest).where(col(Interest.contact_id) == contact_id)).all())
    for row in rows:
        session.delete(row)
    session.flush()
    return len(rows)


def interested_identities(session: Session, *, theme: str | None, district: str | None) -> list[Identity]:
    """The identities of residents who asked for the events of this theme or this district."""
    wanted = []
    if theme:
        wanted.append(col(Interest.theme) == theme)
    if district:
        wanted.append(col(Interest.district) == district)
    if not wanted:
        return []
    return list(session.exec(select(Identity).join(Interest, col(Interest.identity_id) == col(Identity.id))
                             .where(or_(*wanted)).order_by(col(Interest.id))).all())


def upcoming_of_contact(session: Session, contact_id: int, *, now: datetime) -> list[tuple[Event, Registration]]:
    """The person's registrations (seat or line) to events still to come, soonest first."""
    return list(session.exec(select(Event, Registration).join(Registration, col(Registration.event_id) == col(Event.id))
                             .where(col(Registration.contact_id) == contact_id,
                                    col(Registration.status).in_(("registered", "waiting")),
                                    col(Event.status) == "scheduled", col(Event.starts_at) >= now)
                             .order_by(col(Event.starts_at))).all())


def invitations_to(session: Session, contact_id: int, *, since: datetime, limit: int = 5) -> list[str]:
    """The references of the events this person was invited to since then, the latest first."""
    rows = session.exec(select(OutboxEntry).join(Identity, col(Identity.id) == col(OutboxEntry.identity_id))
                        .where(col(Identity.contact_id) == contact_id, col(OutboxEntry.purpose) == "event_invitation",
                               col(OutboxEntry.created_at) >= since)
                        .order_by(col(OutboxEntry.id).desc()).limit(limit)).all()
    return [str((row.meta or {}).get("event", "")) for row in rows]
