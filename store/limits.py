"""What flood limits count: the cases a person opened and the answers they were sent, since a moment."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from store.models import Case, Contact, Identity, OutboxEntry, ReceivedMessage


def lock_contact(session: Session, contact_id: int) -> Contact:
    """The contact, locked for the transaction: two workers handling their SMS and WhatsApp count one at a time."""
    query = select(Contact).where(col(Contact.id) == contact_id).with_for_update()
    return session.exec(query.execution_options(populate_existing=True)).one()


def cases_opened(session: Session, contact_id: int, *, since: tuple[datetime, datetime]) -> tuple[int, int]:
    """Cases this contact reported since each of the two moments (joining an existing case opens none), in one
    statement."""
    recent, earlier = since
    query = select(func.count().filter(col(Case.created_at) >= recent), func.count()).select_from(Case).where(
        col(Case.reporter_id) == contact_id, col(Case.created_at) >= earlier)
    first, second = session.exec(query).one()
    return int(first), int(second)


def answers_sent(session: Session, contact_id: int, *, since: tuple[datetime, datetime]) -> tuple[int, int]:
    """Answers to this contact's messages queued since each of the two moments, on any of their channels
    (canceled ones cost nothing), in one statement."""
    recent, earlier = since
    query = (select(func.count().filter(col(OutboxEntry.created_at) >= recent), func.count())
             .select_from(OutboxEntry)
             .join(Identity, col(Identity.id) == col(OutboxEntry.identity_id))
             .where(col(Identity.contact_id) == contact_id, col(OutboxEntry.inbound_id).is_not(None),
                    col(OutboxEntry.status) != "canceled", col(OutboxEntry.created_at) >= earlier))
    first, second = session.exec(query).one()
    return int(first), int(second)


def held_contacts(session: Session, *, since: datetime, limit: int = 100) -> list[Contact]:
    """Contacts whose messages were held since `since` and whom no agent let through after, newest first."""
    query = (select(Contact).where(col(Contact.limit_reached_at) >= since)
             .order_by(col(Contact.limit_reached_at).desc()).limit(limit))
    return [c for c in session.exec(query).all()
            if c.limits_lifted_at is None or c.limit_reached_at is None or c.limits_lifted_at < c.limit_reached_at]


def identities_of(session: Session, contact_id: int) -> list[Identity]:
    """The contact's channel identities."""
    return list(session.exec(select(Identity).where(col(Identity.contact_id) == contact_id)
                             .order_by(col(Identity.id))).all())


def messages_of(session: Session, contact_id: int, *, since: datetime, limit: int = 20) -> list[ReceivedMessage]:
    """What the contact wrote since `since`, on any channel, newest first."""
    return list(session.exec(
        select(ReceivedMessage).join(Identity, col(Identity.id) == col(ReceivedMessage.identity_id))
        .where(col(Identity.contact_id) == contact_id, col(ReceivedMessage.received_at) >= since)
        .order_by(col(ReceivedMessage.id).desc()).limit(limit)).all())


def count_messages(session: Session, contact_id: int, *, since: datetime) -> int:
    """How many messages the contact sent since `since`, on any channel."""
    return int(session.exec(
        select(func.count()).select_from(ReceivedMessage)
        .join(Identity, col(Identity.id) == col(ReceivedMessage.identity_id))
        .where(col(Identity.contact_id) == contact_id, col(ReceivedMessage.received_at) >= since)).one())
