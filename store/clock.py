"""Time, in one place: aware UTC in code and database (SQLModel's UTCDateTime), the town's zone for people."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    """Now, in UTC."""
    return datetime.now(UTC)
