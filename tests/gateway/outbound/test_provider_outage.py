"""A provider down for a day (issue 10): the answer waits in the outbox, retried at most an hour apart, and
leaves once when Twilio is back; past GUICHET_SEND_RETRY_HOURS it is failed, not before."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from gateway.outbound.worker import Worker
from store.clock import aware
from store.models import OutboxEntry
from tests.conftest import serve_app

RESIDENT = "+33612345678"
POTHOLE = "Nid de poule devant le 14 rue Victor Hugo"


def the_answer(rt) -> OutboxEntry:
    with rt.db.session() as session:
        [row] = session.exec(select(OutboxEntry)).all()
    return row


@pytest.fixture
def outage(rt, make_runtime, twilio, time_machine):
    """A gateway with the default backoff (5 s, doubled, an hour at most), a resident's report handled, its
    answer in the outbox, Twilio answering 500 to every send and the clock stopped at the report."""
    time_machine.move_to(datetime.now(UTC), tick=False)
    runtime = make_runtime(send_backoff_seconds=5.0)
    worker = Worker(runtime)
    twilio.fail_until(time.monotonic() + 10**9)  # down until the test says it is back
    with serve_app(runtime) as gateway:
        assert gateway.sms(RESIDENT, POTHOLE).status_code == 200
        worker.handle_inbound()
        yield runtime, worker
    worker._senders.shutdown(wait=True)
    runtime.db.dispose()


def try_until(runtime, worker, time_machine, hours: float) -> list[float]:
    """Let the worker try each time the answer is due, for `hours` of moved clock; the waits between tries."""
    start, waits = datetime.now(UTC), []
    while datetime.now(UTC) - start < timedelta(hours=hours):
        worker.send_due()
        row = the_answer(runtime)
        if row.status != "queued":
            break
        waits.append((aware(row.next_attempt_at) - datetime.now(UTC)).total_seconds())
        time_machine.move_to(aware(row.next_attempt_at), tick=False)
    return waits


def test_a_day_long_twilio_outage_delays_the_answer_which_then_leaves_once(outage, twilio, time_machine):
    runtime, worker = outage

    waits = try_until(runtime, worker, time_machine, hours=25)
    failed_tries = twilio.requests_received
    row = the_answer(runtime)
    assert (row.status, twilio.messages) == ("queued", [])
    assert max(waits) <= 3600 * 1.25  # an hour apart at most (with jitter)

    twilio.fail_until(0)  # Twilio is back
    time_machine.move_to(aware(row.next_attempt_at), tick=False)
    worker.send_due()
    time_machine.shift(timedelta(hours=2))
    worker.send_due()

    row = the_answer(runtime)
    assert (row.status, row.attempts) == ("wired", failed_tries + 1)
    [answer] = twilio.texts_to(RESIDENT)
    assert "GU-" in answer
    assert failed_tries >= 30


def test_an_outage_longer_than_the_retry_window_fails_the_answer_after_it_and_not_before(rt, make_runtime, twilio,
                                                                                        time_machine):
    time_machine.move_to(datetime.now(UTC), tick=False)
    runtime = make_runtime(send_backoff_seconds=5.0, send_retry_hours=6.0)
    worker = Worker(runtime)
    twilio.fail_until(time.monotonic() + 10**9)
    with serve_app(runtime) as gateway:
        gateway.sms(RESIDENT, POTHOLE)
        worker.handle_inbound()
        first_try = datetime.now(UTC)
        try_until(runtime, worker, time_machine, hours=12)
    worker._senders.shutdown(wait=True)

    row = the_answer(runtime)
    assert row.status == "failed"
    assert timedelta(hours=6) < aware(row.updated_at) - first_try < timedelta(hours=7.5)
    assert twilio.messages == []
