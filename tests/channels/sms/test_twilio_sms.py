"""The SMS adapter: one fixture per Twilio event, parsed into what the engine sees."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qsl

import pytest
from flask import Flask, request
from twilio.request_validator import RequestValidator

from channels.base import DeliveryReceipt, Forbidden, InboundMessage, Media
from channels.twilio_sms import TwilioSMS

FIXTURES = Path(__file__).parent / "fixtures"
PUBLIC_URL = "https://guichet.valmont.example"
TOKEN = "fixture-token"
app = Flask(__name__)


def adapter() -> TwilioSMS:
    return TwilioSMS(account_sid="AC" + "1" * 32, auth_token=TOKEN, api_url="http://127.0.0.1:9",
                     public_url=PUBLIC_URL, sender="+33700000001")


def fixture(name: str) -> dict[str, str]:
    return dict(parse_qsl((FIXTURES / name).read_text().strip(), keep_blank_values=True))


def call(path: str, params: dict[str, str], *, token: str = TOKEN, signed_url: str | None = None):
    """Run `fn` inside a request carrying `params`, signed as Twilio signs them."""
    signature = RequestValidator(token).compute_signature(signed_url or PUBLIC_URL + path, params)
    return app.test_request_context(path, method="POST", data=params,
                                    headers={"X-Twilio-Signature": signature}, base_url="http://10.0.0.5:8000")


def test_text_sms_becomes_one_inbound_message():
    params = fixture("sms_text.txt")
    with call("/webhooks/twilio/messages", params):
        adapter().verify(request)
        message = adapter().parse(request)
    assert message == InboundMessage(
        channel="sms", provider_id="SM5a0c2f0e9d8b7a6c5d4e3f2a1b0c9d8e", sender="+33612345678",
        recipient="+33700000001", text="Nid de poule devant le 14 rue Victor Hugo", raw=params)


def test_mms_keeps_its_media_url():
    with call("/webhooks/twilio/messages", fixture("sms_mms.txt")):
        message = adapter().parse(request)
    assert message.text == "Regardez ce trou"
    assert message.media == (Media(url=fixture("sms_mms.txt")["MediaUrl0"], content_type="image/jpeg"),)


def test_signature_is_checked_against_the_public_url_not_the_one_seen_behind_the_proxy():
    params = fixture("sms_text.txt")
    with call("/webhooks/twilio/messages", params, signed_url="http://10.0.0.5:8000/webhooks/twilio/messages"):
        with pytest.raises(Forbidden):
            adapter().verify(request)


def test_a_changed_body_breaks_the_signature():
    params = fixture("sms_text.txt")
    signature = RequestValidator(TOKEN).compute_signature(PUBLIC_URL + "/webhooks/twilio/messages", params)
    tampered = params | {"Body": "autre chose"}
    with app.test_request_context("/webhooks/twilio/messages", method="POST", data=tampered,
                                  headers={"X-Twilio-Signature": signature}):
        with pytest.raises(Forbidden):
            adapter().verify(request)


@pytest.mark.parametrize(("name", "expected"), [
    ("status_delivered.txt", DeliveryReceipt("SM9c8b7a6f5e4d3c2b1a0f9e8d7c6b5a49", "delivered", None, 42)),
    ("status_undelivered.txt", DeliveryReceipt("SM9c8b7a6f5e4d3c2b1a0f9e8d7c6b5a49", "undelivered", "30006", 42)),
])
def test_status_callbacks_become_receipts_carrying_our_outbox_id(name, expected):
    with call("/webhooks/twilio/status?out=42", fixture(name)):
        adapter().verify(request)
        assert adapter().receipt(request) == expected
