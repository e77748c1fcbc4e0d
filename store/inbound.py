"""Inbound messages: stored once per provider id, then handed to the conversation engine in order."""

from __future__ import annotations

import dataclasses
import functools
from datetime import timedelta
from pathlib import Path

from sqlalchemy import Insert, and_, exists, insert
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from channels.base import InboundMessage as Received
from channels.base import Media
from store import files, wake
from store.clock import utcnow
from store.contacts import Sender, sender
from store.models import Identity, ReceivedMessage

MAX_ATTEMPTS = 5


def record(session: Session, received: Received, *, media_dir: Path | None = None) -> int | None:
    """Store a received message in one statement; its id, or None when the provider already sent it (a retry).

    Media whose bytes came with the message (e-mail attachments) are kept under `media_dir` first, as every
    photo is (`files.keep_photo`); one that is not a photo is recorded as missing, with the reason.
    """
    now = utcnow()
    values = {
        "channel": received.channel,
        "provider_id": received.provider_id,
        "sender": received.sender,
        "recipient": received.recipient,
        "body": received.text,
        "lat": received.lat,
        "lon": received.lon,
        "media": [dataclasses.asdict(_kept(media, media_dir)) for media in received.media],
        "profile_name": received.profile_name,
        "thread_id": received.thread_id,
        "thread_reference": received.thread_reference,
        "automatic": received.automatic,
        "place_unreadable": received.place_unreadable,
        "raw": received.raw,
        "status": "pending",
        "attempts": 0,
        "received_at": now,
        "next_attempt_at": now,
    }
    stored = session.connection().execute(_insert_statement(session.get_bind().dialect.name), values).scalar()
    if stored is not None:
        wake.ring(session, wake.INBOUND)
    return stored


@dataclasses.dataclass(frozen=True)
class KeptMedia:
    """A photo or file of a received message: kept under the media directory (`path`) when its bytes came
    with it, else where the channel's adapter fetches it (`url`)."""

    content_type: str | None = None
    url: str | None = None
    path: str | None = None
    filename: str | None = None
    point: tuple[float, float] | None = None  # the GPS tags of a kept photo, read before they were dropped
    missing: str | None = None  # why the bytes that came with it were not kept (files.NotAPhoto's reason)


def media_of(message: ReceivedMessage) -> list[KeptMedia]:
    """The media of a stored message, typed."""
    return [KeptMedia(**{**entry, "point": tuple(entry["point"]) if entry.get("point") else None})
            for entry in message.media or []]


def _kept(media: Media, media_dir: Path | None) -> KeptMedia:
    if media.data is None:
        return KeptMedia(content_type=media.content_type, url=media.url, filename=media.filename)
    if media_dir is None:
        raise ValueError("media with bytes need a media_dir to be kept")
    try:
        photo = files.keep_photo(media_dir, media.data, prefix="inbound")
    except files.NotAPhoto as refused:
        return KeptMedia(content_type=media.content_type, filename=media.filename, missing=refused.reason)
    return KeptMedia(content_type=photo.content_type, path=str(photo.path), filename=media.filename,
                     point=photo.point)


@functools.cache
def _insert_statement(dialect: str):
    """One INSERT … RETURNING id per dialect, built once, ignoring a provider's resend (its values are bound at
    each execution: SQLAlchemy compiles it once, the webhook's cost is the round trip)."""
    table = ReceivedMessage.__table__  # type: ignore[attr-defined]
    statement: Insert
    if dialect == "postgresql":
        statement = postgresql.insert(table).on_conflict_do_nothing(index_elements=["channel", "provider_id"])
    elif dialect == "sqlite":
        statement = sqlite.insert(table).on_conflict_do_nothing(index_elements=["channel", "provider_id"])
    else:
        statement = insert(table)
    return statement.returning(table.c.id)


def claim_next(session: Session, *, window: int = 64) -> ReceivedMessage | None:
    """Lock the oldest pending message whose sender has nothing older pending, so turns keep their order."""
    claimed = claim_batch(session, 1, window=window)
    return claimed[0] if claimed else None


def claim_batch(session: Session, size: int, *, window: int = 64) -> list[ReceivedMessage]:
    """Lock up to `size` of the oldest pending messages whose senders have nothing older pending, oldest first:
    at most one per sender, so each resident's turns keep their order, whatever the workers.

    The oldest `window` pending messages are looked at first, which an index answers at once; the whole
    backlog only when none of them can be taken (all locked by other workers or waiting behind older ones).
    """
    first = session.exec(_claim_query(window, size)).all()
    return list(first) if first else list(session.exec(_claim_query(None, size)).all())


def _claim_query(window: int | None, size: int):
    earlier = aliased(ReceivedMessage)
    older_pending = exists().where(
        and_(
            col(earlier.channel) == col(ReceivedMessage.channel),
            col(earlier.sender) == col(ReceivedMessage.sender),
            col(earlier.status) == "pending",
            col(earlier.id) < col(ReceivedMessage.id),
        )
    )
    due = and_(col(ReceivedMessage.status) == "pending", col(ReceivedMessage.next_attempt_at) <= utcnow())
    query = select(ReceivedMessage).where(due, ~older_pending)
    if window is not None:
        oldest = select(col(ReceivedMessage.id)).where(due).order_by(col(ReceivedMessage.id)).limit(window)
        query = query.where(col(ReceivedMessage.id).in_(oldest.scalar_subquery()))
    return query.order_by(col(ReceivedMessage.id)).limit(size).with_for_update(skip_locked=True)


def sender_identity(session: Session, message: ReceivedMessage) -> Identity:
    """The identity that wrote `message` (created on first contact), remembered on the message."""
    found = sender_of(session, message)
    message.identity_id = found.identity.id
    session.add(message)
    return found.identity


def sender_of(session: Session, message: ReceivedMessage) -> Sender:
    """Who wrote `message`, saying whether the identity and its contact were created by it (`contacts.Sender`);
    the caller remembers the identity on the message (the engine does it last: one UPDATE with its status)."""
    return sender(session, channel=message.channel, address=message.sender, gateway_address=message.recipient or None,
                  seen_at=message.received_at, name=message.profile_name)


def mark_done(session: Session, message: ReceivedMessage) -> None:
    """The conversation engine has handled this message."""
    message.status, message.processed_at, message.error = "done", utcnow(), None
    message.attempts += 1
    session.add(message)


def mark_failed_attempt(session: Session, message_id: int, error: str) -> None:
    """Count a failed handling; after a few, park the message as failed for a person to look at."""
    message = session.get(ReceivedMessage, message_id, with_for_update=True)
    if message is None or message.status != "pending":
        return
    message.attempts += 1
    message.error = error[:500]
    message.next_attempt_at = utcnow() + timedelta(seconds=2**message.attempts)
    if message.attempts >= MAX_ATTEMPTS:
        message.status = "failed"
    session.add(message)
