"""The outbox on a real database: concurrent claims never overlap, receipts only move forward."""

from __future__ import annotations

import threading

from sqlmodel import select

from channels.base import InboundMessage as Received
from store import contacts, inbound, outbox
from store.models import Identity, OutboxEntry


def _identity(rt, number: str = "+33612345678") -> Identity:
    with rt.db.session() as session:
        return contacts.identity_for(session, channel="sms", address=number, gateway_address="+33700000001")


def test_concurrent_workers_claim_disjoint_messages(rt):
    identity = _identity(rt)
    with rt.db.session() as session:
        outbox.enqueue_many(session, [(identity, f"message {n}", {}) for n in range(200)], purpose="reply",
                            case_id=None)
    claimed: list[int] = []
    lock = threading.Lock()

    def claim_all():
        while True:
            with rt.db.session() as session:
                rows = outbox.claim_due(session, limit=7)
                ids = [row.id for row in rows]
            if not ids:
                return
            with lock:
                claimed.extend(ids)

    threads = [threading.Thread(target=claim_all) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(claimed) == 200
    assert len(set(claimed)) == 200


def test_a_stopped_identity_gets_nothing_but_its_stop_confirmation(rt):
    identity = _identity(rt)
    with rt.db.session() as session:
        identity = session.get(Identity, identity.id)
        contacts.stop(session, identity, "STOP")
        confirmation = outbox.enqueue(session, identity, "C'est noté", purpose="stop_confirmation")
        update = outbox.enqueue(session, identity, "Votre dossier avance", purpose="update")
    assert (confirmation.status, update.status) == ("queued", "canceled")


def test_receipts_move_forward_only_and_keep_every_event(rt):
    identity = _identity(rt)
    with rt.db.session() as session:
        row = outbox.enqueue(session, identity, "bonjour")
        outbox.mark_wired(session, row, "SM" + "c" * 32)
    for status in ("delivered", "sent", "wired"):
        with rt.db.session() as session:
            outbox.apply_receipt(session, provider_id="SM" + "c" * 32, status=status, error_code=None,
                                 outbound_id=None)
    with rt.db.session() as session:
        assert session.get(OutboxEntry, row.id).status == "delivered"
        from store.models import DeliveryEvent

        assert [e.status for e in session.exec(select(DeliveryEvent).order_by(DeliveryEvent.id))] == [
            "delivered", "sent", "wired"]


def test_the_same_number_on_two_channels_is_one_contact(rt):
    with rt.db.session() as session:
        sms = contacts.identity_for(session, channel="sms", address="+33612345678", gateway_address=None)
        whatsapp = contacts.identity_for(session, channel="whatsapp", address="whatsapp:+33612345678",
                                         gateway_address=None)
    assert sms.contact_id == whatsapp.contact_id
    assert (sms.address, whatsapp.address) == ("+33612345678", "+33612345678")


def test_inbound_is_recorded_once_per_provider_id(rt):
    received = Received(channel="sms", provider_id="SM" + "d" * 32, sender="06 12 34 56 78",
                        recipient="+33700000001", text="bonjour")
    with rt.db.session() as session:
        first = inbound.record(session, received)
    with rt.db.session() as session:
        second = inbound.record(session, received)
    assert first is not None and second is None


def test_sends_marked_wired_together_never_move_a_receipt_back(rt):
    identity = _identity(rt)
    with rt.db.session() as session:
        early, plain, read, farewell = (outbox.enqueue(session, identity, body, purpose=purpose) for body, purpose in
                                        (("a", "reply"), ("b", "reply"), ("c", "reply"), ("d", "erasure")))
        early.status = "delivered"  # its receipt came in before the worker wrote down the send
        session.add(early)
    with rt.db.session() as session:
        outbox.mark_wired_many(session, [(early.id, "SM0", "wired"), (plain.id, "SM1", "wired"),
                                         (read.id, "TG2", "delivered"), (farewell.id, "SM3", "wired")])
    with rt.db.session() as session:
        rows = [session.get(OutboxEntry, row.id) for row in (early, plain, read, farewell)]
    assert [(row.status, row.provider_id) for row in rows] == [
        ("delivered", "SM0"), ("wired", "SM1"), ("delivered", "TG2"),
        ("queued", None),  # a farewell needs its row (the erased address goes with it): `mark_wired`
    ]
    assert rows[1].sent_at is not None
