"""The worker: hands inbound messages to the conversation engine and delivers the outbox.

Any number of workers may share one PostgreSQL: inbound messages and outbound
sends are claimed with `FOR UPDATE SKIP LOCKED`, so none is handled twice. A
send is marked `sending` in its own transaction before the provider call; if the
worker dies mid-send, the row stays `sending`, and after its lease another worker
asks the provider whether the message arrived before sending it again.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from apscheduler.schedulers.background import BackgroundScheduler

from channels.base import Media, PermanentSendError, RetryableSendError, SendResult
from channels.base import OutboundMessage as Outgoing
from gateway.cases import oncall
from gateway.cases.digest import send_overdue_digest
from gateway.cases.erasure import Retention, apply_retention
from gateway.cases.flows import escalate_overdue
from gateway.cases.photos import public_name, public_photo
from gateway.cases.satisfaction import ask_due
from gateway.engine.conversation import ConversationEngine
from gateway.ideas import events
from gateway.runtime import Runtime
from store import contacts, files, inbound, outbox, wake
from store.db import OUTAGE, fetch, key
from store.models import Identity, OutboxEntry, ReceivedMessage

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    """What became of one send: the provider's answer, or the error it raised."""

    row_id: int
    purpose: str
    result: SendResult | None = None
    error: RetryableSendError | PermanentSendError | None = None


class Worker:
    """One worker's jobs; `run_once` does a full pass (tests and the CLI use it directly)."""

    def __init__(self, rt: Runtime):
        self.rt = rt
        self.engine = ConversationEngine(rt)
        self._lock = threading.Lock()  # one pass at a time within a process
        self._senders = ThreadPoolExecutor(max_workers=rt.settings.send_concurrency, thread_name_prefix="send")
        self._database_down = False  # an outage is logged once when it starts and once when it ends
        self._outage_lock = threading.Lock()

    def run_once(self, *, now: datetime | None = None) -> tuple[int, int]:
        """Handle every pending inbound message, then send what is due (at `now`); returns (handled, sent)."""
        with self._lock:
            return self.handle_inbound(), self.send_due(now=now)

    def _guarded(self, work: Callable[[], int]) -> int:
        """Run `work`; a database outage is one warning when it starts and one line when it ends, not a traceback
        every poll (0 done meanwhile)."""
        try:
            done = work()
        except OUTAGE as err:
            with self._outage_lock:  # the two loops say it once between them
                if not self._database_down:
                    log.warning("database unavailable: the worker waits for it", extra={"error": type(err).__name__})
                self._database_down = True
            return 0
        with self._outage_lock:
            if self._database_down:
                log.warning("database available again: the worker goes on")
            self._database_down = False
        return done

    def handle_inbound(self, limit: int = 500, *, batch: int = 1) -> int:
        """Hand up to `limit` pending inbound messages to the conversation engine, `batch` at a time in one
        transaction (one per sender: `inbound.claim_batch`); returns how many were handled.

        A batch saves each message its own transaction (a claim, a BEGIN and a COMMIT with its flush to disk).
        If one of its messages fails, the whole batch is rolled back and its messages are handled again one by
        one, each in its own transaction: the bad one is counted and retried later, the others go through.
        """
        handled = 0
        while handled < limit:
            size = min(batch, limit - handled)
            ids: list[int] = []
            try:
                with self.rt.db.session() as session:
                    claimed = inbound.claim_batch(session, size)
                    ids = [key(message) for message in claimed]
                    for message in claimed:
                        self._handle(session, message)
            except Exception as err:
                if not ids:
                    raise  # the claim itself failed (the database is gone: the loop waits for it, `_guarded`)
                if len(ids) == 1:
                    self._failed(ids[0], err)
                else:  # rolled back: each again on its own
                    handled += sum(self._handle_alone(message_id) for message_id in ids)
                continue
            if not ids:
                break
            handled += len(ids)
        return handled

    def _handle(self, session, message) -> None:
        # An on-call contact's "OK" acknowledges an alert: never a resident's report.
        if not oncall.take_reply(self.rt, session, message):
            self.engine.handle(session, message)
        inbound.mark_done(session, message)

    def _handle_alone(self, message_id: int) -> int:
        """Handle one message in its own transaction (1), or count its failure for a later try (0)."""
        try:
            with self.rt.db.session() as session:
                message = session.get(ReceivedMessage, message_id, with_for_update=True)
                if message is None or message.status != "pending":
                    return 0
                self._handle(session, message)
            return 1
        except Exception as err:  # one bad message must not stop the others
            self._failed(message_id, err)
            return 0

    def _failed(self, message_id: int, err: Exception) -> None:
        log.exception("inbound message failed", extra={"inbound": message_id})
        with self.rt.db.session() as session:
            inbound.mark_failed_attempt(session, message_id, f"{type(err).__name__}: {err}")

    def send_due(self, limit: int = 50, *, now: datetime | None = None) -> int:
        """Send the outbox rows that are due (at `now`, default the present); returns how many went out."""
        with self.rt.db.session() as session:
            rows = outbox.claim_due(session, limit=limit, now=now)
            identities = contacts.identities(session, {row.identity_id for row in rows})  # one statement, not one each
            claimed = [(key(row), _outgoing(session, row, self.rt, identities.get(row.identity_id))) for row in rows]
        # A provider call is mostly waiting (Twilio answers in a few hundred milliseconds): residents
        # are served concurrently, but one resident's messages go one after the other, in order, so the
        # emergency numbers always arrive before anything else.
        by_resident: dict[tuple[str, str], list[tuple[int, Outgoing]]] = {}
        for row_id, message in claimed:
            by_resident.setdefault((message.channel, message.to), []).append((row_id, message))
        outcomes = [outcome for sends in self._senders.map(self._send_in_order, by_resident.values())
                    for outcome in sends]
        self._record(outcomes)
        return sum(1 for outcome in outcomes if outcome.result is not None)

    def _send_in_order(self, messages: list[tuple[int, Outgoing]]) -> list[Outcome]:
        return [self._send(row_id, message) for row_id, message in messages]

    def _send(self, row_id: int, message: Outgoing) -> Outcome:
        adapter = self.rt.channels.get(message.channel)
        try:
            if adapter is None:
                raise PermanentSendError(f"no adapter for channel {message.channel}")
            return Outcome(row_id, message.purpose, result=adapter.send(message))
        except (RetryableSendError, PermanentSendError) as err:
            return Outcome(row_id, message.purpose, error=err)

    def _record(self, outcomes: list[Outcome]) -> None:
        """Write down what the provider said of each send, all in one transaction once the batch is out. Until
        then a sent row stays `sending`: a worker dying here leaves it to `reconcile_stale`, which finds it at
        the provider (the crash guarantee a send always had), and a receipt finds it by its id meanwhile."""
        if not outcomes:
            return
        settings = self.rt.settings
        with self.rt.db.session() as session:
            outbox.mark_wired_many(session, [(o.row_id, o.result.provider_id, o.result.status) for o in outcomes
                                             if o.result is not None and o.purpose != "erasure"])
            for o in outcomes:
                if o.result is not None and o.purpose == "erasure":
                    row = fetch(session, OutboxEntry, o.row_id, lock=True)
                    outbox.mark_wired(session, row, o.result.provider_id, o.result.status)
                elif isinstance(o.error, RetryableSendError):
                    row = fetch(session, OutboxEntry, o.row_id, lock=True)
                    outbox.mark_retry(session, row, str(o.error), base_delay=settings.send_backoff_seconds,
                                      max_attempts=settings.send_max_attempts,
                                      retry_window=timedelta(hours=settings.send_retry_hours),
                                      retry_after=o.error.retry_after, deferred=o.error.retry_after is not None)
                    log.warning("send failed, will retry", extra={"outbound": o.row_id, "code": o.error.code})
                elif isinstance(o.error, PermanentSendError):
                    row = fetch(session, OutboxEntry, o.row_id, lock=True)
                    outbox.mark_failed(session, row, str(o.error), o.error.code)
                    if o.error.stops_identity:
                        contacts.stop(session, fetch(session, Identity, row.identity_id),
                                      f"provider error {o.error.code}")
                    log.warning("send failed for good", extra={"outbound": o.row_id, "code": o.error.code})

    def reconcile_stale(self) -> int:
        """Settle sends left `sending` by a dead worker: found at the provider → wired, else queued again."""
        lease = timedelta(seconds=self.rt.settings.send_lease_seconds)
        settled = 0
        with self.rt.db.session() as session:
            for row in outbox.claim_stale(session, lease=lease):
                adapter = self.rt.channels.get(row.channel)
                try:
                    provider_id = adapter.find_sent(_outgoing(session, row, self.rt,
                                                              session.get(Identity, row.identity_id)),
                                                    row.claimed_at or row.updated_at) if adapter else None
                except RetryableSendError:
                    continue
                if provider_id:
                    outbox.mark_wired(session, row, provider_id)
                else:
                    outbox.requeue(session, row)
                settled += 1
        if settled:
            log.warning("reconciled interrupted sends", extra={"count": settled})
        return settled

    def escalate(self) -> int:
        """Escalate overdue cases."""
        with self.rt.db.session() as session:
            return escalate_overdue(self.rt, session)

    def escalate_oncall(self, *, now: datetime | None = None) -> int:
        """Alert the next on-call contact of every alert left unacknowledged past its delay."""
        with self.rt.db.session() as session:
            return oncall.escalate_unacknowledged(self.rt, session, now=now)

    def digest(self, *, now: datetime | None = None) -> int:
        """Queue the daily digest of overdue cases to their services and the supervisors (once a day)."""
        with self.rt.db.session() as session:
            return send_overdue_digest(self.rt, session, now=now)

    def ask_satisfaction(self, *, now: datetime | None = None) -> int:
        """Ask the reporters of cases resolved GUICHET_SATISFACTION_DAYS ago whether it is fixed, once."""
        with self.rt.db.session() as session:
            return ask_due(self.rt, session, now=now)

    def retain(self, *, now: datetime | None = None) -> Retention:
        """Apply the retention periods: people of long-closed cases anonymised, old photos deleted."""
        with self.rt.db.session() as session:
            return apply_retention(self.rt, session, now=now)

    # -- ideas: events (gateway/ideas/events.py) ----------------------------------------------------
    def remind_events(self, *, now: datetime | None = None) -> int:
        """Remind the registered of tomorrow's events, once each, never in quiet hours."""
        with self.rt.db.session() as session:
            return events.send_reminders(self.rt, session, now=now)
    # -- end of events --------------------------------------------------------------------------------

    def start(self, *, poll: float | None = None) -> None:
        """Run the worker in the background: intake and sending in two loops of their own, which overlap (an
        answer never waits for a batch of other residents' messages to be understood), each woken the moment
        its work is committed here or, on PostgreSQL, in any process (`store/wake.py`), else every
        GUICHET_WORKER_POLL seconds (`poll`); the other jobs with APScheduler."""
        poll = poll or self.rt.settings.worker_poll_seconds
        self._stop = threading.Event()
        if self.rt.db.is_postgres:
            self.rt.db.bells.listen(self.rt.db.url, self._stop)
        self._loops = [threading.Thread(target=self._loop, args=(channel, work, poll), daemon=True, name=f"worker-{name}")
                       for name, channel, work in (("intake", wake.INBOUND, self._intake),
                                                   ("send", wake.OUTBOX, self.send_due))]
        for loop in self._loops:
            loop.start()
        self._scheduler = scheduler = BackgroundScheduler(timezone="UTC")
        scheduler.add_job(self.reconcile_stale, "interval", seconds=max(5.0, poll), id="reconcile",
                          max_instances=1, coalesce=True)
        scheduler.add_job(self.escalate, "interval", minutes=5, id="escalate", max_instances=1, coalesce=True)
        scheduler.add_job(self.escalate_oncall, "interval", seconds=30, id="escalate_oncall", max_instances=1,
                          coalesce=True)
        # Tried every few minutes (it acts once a day, from its hour): a worker down at that hour sends it later.
        scheduler.add_job(self.digest, "interval", minutes=5, id="overdue_digest", max_instances=1, coalesce=True)
        scheduler.add_job(self.ask_satisfaction, "interval", minutes=15, id="satisfaction", max_instances=1,
                          coalesce=True)
        # -- ideas: events: tried every few minutes; each registration is claimed once, whatever the workers.
        scheduler.add_job(self.remind_events, "interval", minutes=5, id="event_reminders", max_instances=1,
                          coalesce=True)
        # -- end of events
        # Once a night, in the town's time: any worker may run it, a second one finds nothing left to do.
        scheduler.add_job(self.retain, "cron", hour=3, minute=30, timezone=self.rt.settings.timezone, id="retention",
                          max_instances=1, coalesce=True)
        scheduler.start()

    def shutdown(self, wait: bool = True) -> None:
        """End the loops (after the message or the sends in hand, when `wait`), the listener and the jobs."""
        self._stop.set()
        for channel in wake.CHANNELS:
            self.rt.db.bells.events[channel].set()
        self._scheduler.shutdown(wait=wait)
        if wait:
            for loop in self._loops:
                loop.join(timeout=30)

    def _intake(self) -> int:
        # SQLite has one writer at a time and the intake loop would hold it back to back, starving the sending
        # loop: there each message's answer is sent by the intake loop itself, before the next message.
        if self.rt.db.is_postgres:
            return self.handle_inbound(limit=self.rt.settings.intake_batch, batch=self.rt.settings.intake_batch)
        handled = self.handle_inbound(limit=1)
        self.send_due()
        return handled

    def _loop(self, channel: str, work: Callable[[], int], poll: float) -> None:
        # Work until nothing is left, then wait for the bell or the next poll.
        while not self._stop.is_set():
            try:
                while self._guarded(work) and not self._stop.is_set():
                    pass
            except Exception:
                log.exception("worker pass failed")
            self.rt.db.bells.wait(channel, poll)


def _outgoing(session, row: OutboxEntry, rt: Runtime, identity: Identity | None) -> Outgoing:
    meta = row.meta or {}
    return Outgoing(
        id=key(row), channel=row.channel, to=row.to_address, from_=row.from_address, body=row.body,
        purpose=row.purpose, reference=meta.get("reference"), case_status=meta.get("case_status"),
        case_kind=meta.get("case_kind", "problem"), ask_location=bool(meta.get("ask_location")), options=tuple(meta.get("options") or ()), in_reply_to=meta.get("in_reply_to"),
        last_inbound_at=identity.last_inbound_at if identity else None,
        photo=_published_photo(rt, meta.get("photo")) or events.calendar_attachment(rt, session, meta, row.channel),
    )


def _published_photo(rt: Runtime, photo: str | None) -> Media | None:
    """The public copy (faces and plates blurred) of a photo an agent published, with its public address."""
    if not photo:
        return None
    if photo.startswith(("http://", "https://")):
        return Media(url=photo)
    media_dir = Path(rt.settings.media_dir)
    try:
        copy, content_type = public_photo(Path(photo))
        data = copy.read_bytes()
    except (OSError, files.NotAPhoto) as err:
        log.warning("published photo unavailable: the update goes without it", extra={"error": type(err).__name__})
        return None
    url = f"{rt.settings.public_url.rstrip('/')}/open311/v2/media/{public_name(media_dir, photo)}"
    return Media(content_type=content_type, url=url, data=data, filename=f"photo{files.EXTENSIONS[content_type]}")
