"""Time, in one place: aware UTC in code and database, the town's zone for people.

One clock: Python's. Every timestamp the gateway writes or compares (column defaults, due dates, quiet
hours, the outbox's `next_attempt_at`, escalation, retention windows) comes from `utcnow()` here, never
from the database's `now()` or `CURRENT_TIMESTAMP`: the tables have no server-side time default, and no
query asks the database for the time. So the web, the worker and the CLI agree on the present with each
other and with a test that moves Python's clock, and a PostgreSQL server in another time zone or with a
drifting clock changes nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import overload


def utcnow() -> datetime:
    """Now, in UTC."""
    return datetime.now(UTC)


@overload
def aware(moment: datetime) -> datetime: ...
@overload
def aware(moment: None) -> None: ...
def aware(moment: datetime | None) -> datetime | None:
    """A datetime read back from the database, as aware UTC (SQLite gives them back naive)."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)
