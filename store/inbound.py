"""Inbound messages: stored once per provider id, then handed to the conversation engine in order."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import and_, exists
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from channels.base import InboundMessage as Received
from store.clock import utcnow
from store.contacts import identity_for
from store.models import InboundMessage

MAX_ATTEMPTS = 5


def record(session: Session, received: Received) -> InboundMessage | None:
    """Store a received message; None when the provider already sent it (a retry)."""
    identity = identity_for(
        session, channel=received.channel, address=received.sender, gateway_address=received.recipient
    )
    row = InboundMessage(
        channel=received.channel,
        provider_id=received.provider_id,
        identity_id=identity.id,
        body=received.text,
        extra={
            "lat": received.lat,
            "lon": received.lon,
            "media": list(received.media),
            "profile_name": received.profile_name,
            "raw": received.raw,
        },
    )
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        return None
    return row


def claim_next(session: Session) -> InboundMessage | None:
    """Lock the oldest pending message whose sender has nothing older pending, so turns keep their order."""
    earlier = aliased(InboundMessage)
    older_pending = exists().where(
        and_(
            earlier.identity_id == InboundMessage.identity_id,
            earlier.status == "pending",
            earlier.id < InboundMessage.id,
        )
    )
    query = (
        select(InboundMessage)
        .where(
            InboundMessage.status == "pending",
            InboundMessage.next_attempt_at <= utcnow(),
            ~older_pending,
        )
        .order_by(InboundMessage.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    return session.exec(query).first()


def mark_done(session: Session, message: InboundMessage) -> None:
    """The conversation engine has handled this message."""
    message.status, message.processed_at, message.error = "done", utcnow(), None
    message.attempts += 1
    session.add(message)


def mark_failed_attempt(session: Session, message_id: int, error: str) -> None:
    """Count a failed handling; after a few, park the message as failed for a person to look at."""
    message = session.get(InboundMessage, message_id, with_for_update=True)
    if message is None or message.status != "pending":
        return
    message.attempts += 1
    message.error = error[:500]
    message.next_attempt_at = utcnow() + timedelta(seconds=2**message.attempts)
    if message.attempts >= MAX_ATTEMPTS:
        message.status = "failed"
    session.add(message)
