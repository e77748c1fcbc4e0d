"""Counts for the metrics endpoint, read from the database so every process reports the same."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import Session, col, select

from store.models import Case, OutboxEntry, ReceivedMessage


def inbound_by_channel(session: Session) -> dict[str, int]:
    """Messages received, by channel."""
    rows = session.exec(select(col(ReceivedMessage.channel), func.count()).group_by(col(ReceivedMessage.channel))).all()
    return dict(rows)


def outbox_by_channel_and_status(session: Session) -> dict[tuple[str, str], int]:
    """Outbound messages by channel and status (queued ones are the outbox's depth)."""
    rows = session.exec(
        select(col(OutboxEntry.channel), col(OutboxEntry.status), func.count())
        .group_by(col(OutboxEntry.channel), col(OutboxEntry.status))
    ).all()
    return {(channel, status): count for channel, status, count in rows}


def cases_by_status(session: Session) -> dict[tuple[str, str], int]:
    """Cases by kind and status."""
    rows = session.exec(select(col(Case.kind), col(Case.status), func.count()).group_by(col(Case.kind), col(Case.status))).all()
    return {(kind, status): count for kind, status, count in rows}
