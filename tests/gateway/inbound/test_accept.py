"""accept(), the one path of every entry point: with the database down the provider gets a 503 and nothing is stored."""

from __future__ import annotations

import pytest

from channels.base import InboundMessage
from channels.standins.telegram import post_update, text_update
from gateway.errors import Unavailable
from gateway.inbound.accept import accept
from store.wake import INBOUND
from tests.conftest import serve_app

SECRET = "accept-webhook-secret"
RESIDENT = "+33612345678"


@pytest.fixture
def broken(make_runtime, tmp_path):
    """A runtime whose database cannot be opened (SQLite in a directory that does not exist)."""
    runtime = make_runtime(database_url=f"sqlite:///{tmp_path / 'missing' / 'dir' / 'guichet.db'}",
                           telegram_bot_token="123456:TEST", telegram_webhook_secret=SECRET,
                           media_dir=tmp_path / "media")
    yield runtime
    runtime.db.dispose()


def test_accept_raises_unavailable_and_wakes_no_worker_when_the_database_is_down(broken):
    received = InboundMessage(channel="sms", provider_id="SM" + "0" * 32, sender=RESIDENT, recipient="+33700000001",
                              text="Nid de poule rue Victor Hugo")

    with pytest.raises(Unavailable) as refused:
        accept(broken, received)

    assert (refused.value.status, str(refused.value), broken.db.bells.events[INBOUND].is_set()) == (503, "storage unavailable", False)


def test_an_sms_with_the_database_down_gets_a_plain_503(broken):
    with serve_app(broken) as gateway:
        response = gateway.sms(RESIDENT, "Nid de poule devant le 14 rue Victor Hugo")

    assert (response.status_code, response.headers["Content-Type"], response.text) == (
        503, "text/plain; charset=utf-8", "storage unavailable")


def test_a_telegram_update_with_the_database_down_gets_a_plain_503_so_telegram_sends_it_again(broken):
    with serve_app(broken) as gateway:
        response = post_update(gateway.url + "/webhooks/telegram", text_update(70707070, "Lampadaire éteint"), SECRET)

    assert (response.status_code, response.text) == (503, "storage unavailable")


def test_a_delivery_receipt_with_the_database_down_gets_a_plain_503(broken):
    receipt = {"MessageSid": "SM" + "1" * 32, "MessageStatus": "delivered", "AccountSid": "AC" + "0" * 32,
               "From": "+33700000001", "To": RESIDENT}
    with serve_app(broken) as gateway:
        response = gateway.post_signed("/webhooks/twilio/status", receipt)

    assert (response.status_code, response.text) == (503, "storage unavailable")
