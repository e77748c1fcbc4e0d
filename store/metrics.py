"""Counts for the metrics endpoint, read from the database so every process reports the same."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import Session, select

from store.models import Case, OutboxEntry, ReceivedMessage


def inbound_by_channel(session: Session) -> dict[str, int]:
    """Messages received, by channel."""
    rows = session.exec(select(ReceivedMessage.channel, func.count()).group_by(ReceivedMessage.channel)).all()
    return dict(rows)


def outbox_by_channel_and_status(session: Session) -> dict[tuple[str, str], int]:
    """Outbound messages by channel and status (queued ones are the outbox's depth)."""
    rows = session.exec(
        select(OutboxEntry.channel, OutboxEntry.status, func.count())
        .group_by(OutboxEntry.channel, OutboxEntry.status)
    ).all()
    return {(channel, status): count for channel, status, count in rows}


def cases_by_status(session: Session) -> dict[tuple[str, str], int]:
    """Cases by kind and status."""
    rows = session.exec(select(Case.kind, Case.status, func.count()).group_by(Case.kind, Case.status)).all()
    return {(kind, status): count for kind, status, count in rows}
