"""Nothing lost, nothing twice: retries with backoff, receipts that only move forward, a worker killed mid-send."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from sqlmodel import select

from store.models import OutboxEntry
from tests.conftest import gateway_env

RESIDENT = "+33612345678"


def outbox_rows(rt) -> list[OutboxEntry]:
    with rt.db.session() as session:
        return list(session.exec(select(OutboxEntry).order_by(OutboxEntry.id)).all())


def test_twilio_failing_for_a_while_is_retried_with_backoff_and_delivered_once(gateway, worker, twilio):
    twilio.fail_next(3, status=500)
    gateway.sms(RESIDENT, "Nid de poule devant le 14 rue Victor Hugo")
    worker.handle_inbound()

    waits = []
    for _ in range(50):
        if worker.send_due():
            break
        [row] = outbox_rows(gateway.rt)
        waits.append((row.next_attempt_at - row.updated_at).total_seconds())
        time.sleep(0.05)

    [row] = outbox_rows(gateway.rt)
    assert (row.status, row.attempts) == ("wired", 4)
    assert twilio.requests_received == 4
    assert len(twilio.messages) == 1
    distinct_waits = sorted(set(round(w, 2) for w in waits if w > 0))
    assert distinct_waits[-1] > distinct_waits[0]  # the backoff grows


def test_a_permanent_error_fails_the_message_and_an_opt_out_stops_the_number(gateway, worker, twilio):
    from store.models import Identity

    twilio.opt_out(RESIDENT)
    gateway.sms(RESIDENT, "Nid de poule devant le 14 rue Victor Hugo")
    worker.run_once()

    [row] = outbox_rows(gateway.rt)
    assert (row.status, row.error_code) == ("failed", "21610")
    with gateway.rt.db.session() as session:
        identity = session.exec(select(Identity)).one()
    assert identity.stopped_at is not None


def test_status_callbacks_never_move_a_message_backwards(gateway, worker, twilio):
    gateway.sms(RESIDENT, "Nid de poule devant le 14 rue Victor Hugo")
    worker.run_once()
    [row] = outbox_rows(gateway.rt)

    def callback(status: str):
        params = {"MessageSid": row.provider_id, "MessageStatus": status, "AccountSid": gateway.rt.settings.twilio_account_sid,
                  "From": "+33700000001", "To": RESIDENT, "ApiVersion": "2010-04-01"}
        return gateway.post_signed(f"/webhooks/twilio/status?out={row.id}", params)

    assert callback("delivered").status_code == 200
    assert callback("sent").status_code == 200
    assert outbox_rows(gateway.rt)[0].status == "delivered"
    forged = gateway.post_signed(f"/webhooks/twilio/status?out={row.id}", {"MessageSid": row.provider_id,
                                 "MessageStatus": "failed"}, token="wrong")
    assert forged.status_code == 403
    assert outbox_rows(gateway.rt)[0].status == "delivered"


def _start_worker(rt, **extra_env) -> subprocess.Popen:
    env = gateway_env(rt) | extra_env
    return subprocess.Popen([sys.executable, "-m", "gateway.cli", "worker"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _wait(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.processes
def test_a_worker_killed_mid_send_loses_nothing_and_sends_nothing_twice(gateway, twilio):
    for number in range(3):
        gateway.sms(f"+3361234560{number}", f"Nid de poule devant le {10 + 20 * number} rue Victor Hugo")
    twilio.delay(30.0)  # Twilio records the first send, then the worker is killed before it hears back

    # One send at a time: the first answer reaches Twilio, the other two are claimed but never sent.
    first = _start_worker(gateway.rt, GUICHET_SEND_CONCURRENCY="1")
    try:
        _wait(lambda: len(twilio.messages) >= 1, 60, "the first send to reach Twilio")
    finally:
        os.kill(first.pid, signal.SIGKILL)
        first.wait()
    assert [row.status for row in outbox_rows(gateway.rt)].count("sending") >= 1
    assert len(twilio.messages) == 1

    twilio.delay(0)
    second = _start_worker(gateway.rt, GUICHET_SEND_LEASE="1")
    try:
        _wait(lambda: len(outbox_rows(gateway.rt)) == 3
              and all(row.status == "wired" for row in outbox_rows(gateway.rt)), 60, "every answer to be sent")
    finally:
        second.terminate()
        second.wait(timeout=20)

    assert sorted(m["to"] for m in twilio.messages) == [f"+3361234560{n}" for n in range(3)]
