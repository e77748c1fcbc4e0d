"""Waking the worker the moment there is work: an inbound message stored, an outbound one queued.

A transaction that stores either rings its bell (`ring`); when it commits (`store/db.py`), the process's own
waiters wake at once (a webhook and a worker in one process: the demo, `guichet serve`, SQLite), and on
PostgreSQL the same transaction has sent `NOTIFY`, which `Bells.listen` turns into the same wake-up in every
other process (the Procfile's web and worker processes, on one or several machines). A notification is only
a hint: the worker's loops still look every GUICHET_WORKER_POLL seconds, so a notification lost while a
listener reconnects delays work by one poll, and nothing is ever taken from it but the wish to look now.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlmodel import Session

log = logging.getLogger(__name__)

INBOUND = "guichet_inbound"  # a message to understand
OUTBOX = "guichet_outbox"  # a message to send
CHANNELS = (INBOUND, OUTBOX)


def ring(session: Session, channel: str) -> None:
    """Wake the workers waiting on `channel` once this session's transaction commits."""
    session.info.setdefault("wake", set()).add(channel)


class Bells:
    """One event per channel in this process, set after a commit that rang it, here or (PostgreSQL) elsewhere."""

    def __init__(self) -> None:
        self.events = {channel: threading.Event() for channel in CHANNELS}

    def notify_before_commit(self, session: Session) -> set[str]:
        """The channels this transaction rang; on PostgreSQL, NOTIFY them inside it (sent at its commit)."""
        rung: set[str] = session.info.pop("wake", set())
        if rung and session.get_bind().dialect.name == "postgresql":
            for channel in sorted(rung):
                session.execute(text("SELECT pg_notify(:channel, '')"), {"channel": channel})
        return rung

    def rung(self, channels: Iterable[str]) -> None:
        for channel in channels:
            self.events[channel].set()

    def wait(self, channel: str, timeout: float) -> bool:
        """Wait until `channel` rings or `timeout` passes; True when it rang (and clear it for the next wait)."""
        event = self.events[channel]
        woken = event.wait(timeout)
        event.clear()
        return woken

    def listen(self, url: str, stop: threading.Event) -> threading.Thread:
        """Turn PostgreSQL's notifications of every process into this process's wake-ups, until `stop`."""
        thread = threading.Thread(target=self._listen, args=(url, stop), daemon=True, name="wake-listener")
        thread.start()
        return thread

    def _listen(self, url: str, stop: threading.Event) -> None:
        import psycopg

        dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        pause = 0.5
        while not stop.is_set():
            try:
                with psycopg.connect(dsn, autocommit=True) as connection:
                    for channel in CHANNELS:
                        connection.execute(f"LISTEN {channel}")
                    pause = 0.5
                    self.rung(CHANNELS)  # what was rung while nobody listened is looked at now
                    while not stop.is_set():
                        for notification in connection.notifies(timeout=1.0):
                            self.events[notification.channel].set()
            except psycopg.Error as err:
                log.warning("wake-up listener lost the database: polling meanwhile",
                            extra={"error": type(err).__name__})
                stop.wait(pause)
                pause = min(pause * 2, 30.0)
