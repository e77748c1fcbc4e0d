"""The worker works the moment there is work: a webhook's message, a queued answer, in this process or (on
PostgreSQL, LISTEN/NOTIFY) in another; and an answer never waits for a batch of other messages.

Each worker here polls once a minute, so only a wake-up can get an answer out within the tests' waits.
"""

from __future__ import annotations

import pytest
from sqlmodel import func, select

from channels.base import InboundMessage
from store import inbound, outbox
from store.contacts import identity_for
from store.db import Database
from store.models import ReceivedMessage

RESIDENT = "+33612345678"
GATEWAY_NUMBER = "+33700000001"
MINUTE = 60.0


@pytest.fixture
def started(worker):
    worker.start(poll=MINUTE)
    yield worker
    worker.shutdown()


def test_a_webhook_wakes_the_worker_in_its_process(gateway, started, twilio):
    gateway.sms(RESIDENT, "Nid de poule devant le 14 rue Victor Hugo")

    [answer] = twilio.wait_for(1, timeout=15.0)
    assert answer["to"] == RESIDENT and "GU-" in answer["body"]


def test_a_message_stored_by_another_process_wakes_the_worker_on_postgresql_and_is_polled_on_sqlite(rt, worker,
                                                                                                   twilio):
    # PostgreSQL: only NOTIFY can beat a poll once a minute. SQLite has no NOTIFY: the poll finds it.
    worker.start(poll=MINUTE if rt.db.is_postgres else 0.2)
    elsewhere = Database(rt.settings.database_url)  # its own engine and bells: another process's
    try:
        with elsewhere.session() as session:
            inbound.record(session, InboundMessage(channel="sms", provider_id="SM" + "1" * 32, sender=RESIDENT,
                                                   recipient=GATEWAY_NUMBER,
                                                   text="Nid de poule devant le 14 rue Victor Hugo"))
        [answer] = twilio.wait_for(1, timeout=15.0)
        assert answer["to"] == RESIDENT and "GU-" in answer["body"]

        with elsewhere.session() as session:  # an agent's update queued by the web process
            resident = identity_for(session, channel="sms", address=RESIDENT, gateway_address=GATEWAY_NUMBER)
            outbox.enqueue(session, resident, "Intervention jeudi matin.", purpose="update")
        assert twilio.wait_for(2, timeout=15.0)[1]["body"] == "Intervention jeudi matin."
    finally:
        worker.shutdown()
        elsewhere.dispose()


def test_the_first_answer_goes_out_while_later_reports_still_wait(rt, worker, twilio):
    with rt.db.session() as session:
        for i in range(120):
            inbound.record(session, InboundMessage(
                channel="sms", provider_id=f"SM{i:032d}", sender=f"+3361200{i:04d}",
                recipient=GATEWAY_NUMBER, text=f"Lampadaire éteint au {1 + i % 40} rue Victor Hugo"))
    worker.start(poll=MINUTE)
    try:
        # (on PostgreSQL the first answers leave together, a batch of GUICHET_INTAKE_BATCH at most)
        first = twilio.wait_for(1, timeout=30.0)[0]
        with rt.db.session() as session:
            waiting = session.exec(select(func.count()).select_from(ReceivedMessage)
                                   .where(ReceivedMessage.status == "pending")).one()
    finally:
        worker.shutdown()
    assert "GU-" in first["body"]
    assert waiting > 60  # the first resident was answered before most others were even understood
