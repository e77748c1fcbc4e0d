"""The voice adapter: one fixture per Twilio voice event, parsed; replies rendered as TwiML; updates as calls."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime

import pytest
from flask import Flask, request
from twilio.request_validator import RequestValidator

from channels.base import DeliveryReceipt, Forbidden, OutboundMessage
from channels.twilio_voice import (
    Ask,
    CallRequest,
    OfficeHours,
    Record,
    TwilioVoice,
    VoiceReply,
    is_french_mobile,
    spell_reference,
    spoken_text,
)
from tests.channels.voice.conftest import fixture

PUBLIC_URL = "https://guichet.valmont.example"
TOKEN = "fixture-token"
app = Flask(__name__)


def adapter(api_url: str = "http://127.0.0.1:9", **kwargs) -> TwilioVoice:
    return TwilioVoice(account_sid="AC" + "1" * 32, auth_token=TOKEN, api_url=api_url, public_url=PUBLIC_URL,
                       sender="+33700000001", voice="Polly.Lea", **kwargs)


def webhook(path: str, params: dict[str, str], *, token: str = TOKEN):
    signature = RequestValidator(token).compute_signature(PUBLIC_URL + path, params)
    return app.test_request_context(path, method="POST", data=params, headers={"X-Twilio-Signature": signature},
                                    base_url="http://10.0.0.5:8000")


def parsed(name: str, path: str = "/webhooks/twilio/voice/step?turn=2") -> CallRequest:
    with webhook(path, fixture(name)):
        adapter().verify(request)
        return adapter().parse(request)


def test_incoming_call():
    call = parsed("incoming_call", "/webhooks/twilio/voice")
    assert (call.call_sid, call.caller, call.called, call.status, call.direction) == (
        "CA3f1c0d2e9b8a7c6d5e4f3a2b1c0d9e8f", "+33612345678", "+33700000001", "ringing", "inbound")
    assert not call.heard


def test_gather_speech():
    call = parsed("gather_speech")
    assert (call.speech, call.confidence, call.status) == (
        "Il y a un nid de poule devant le 14 rue Victor Hugo", 0.91234567, "in-progress")


def test_gather_digits():
    assert parsed("gather_digits").digits == "1"


def test_redirect_silence():
    call = parsed("redirect_silence", "/webhooks/twilio/voice/step?turn=2&silence=1")
    assert not call.heard and call.speech == "" and call.digits == ""


def test_recording():
    call = parsed("recording", "/webhooks/twilio/voice/recording?turn=3")
    assert call.recording_sid == "RE0a1b2c3d4e5f60718293a4b5c6d7e8f9"
    assert call.recording_url.endswith("/Recordings/RE0a1b2c3d4e5f60718293a4b5c6d7e8f9")
    assert call.recording_seconds == 17


def test_dial_no_answer():
    assert parsed("dial_no_answer").dial_status == "no-answer"


def test_status_completed():
    call = parsed("status_completed", "/webhooks/twilio/voice/status")
    assert call.status == "completed"


def test_an_outbound_update_call_status_is_a_delivery_receipt():
    with webhook("/webhooks/twilio/voice/status?out=7", fixture("outbound_status_no_answer")):
        receipt = adapter().receipt(request)
    assert receipt == DeliveryReceipt(provider_id="CA7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b2a", status="undelivered",
                                      outbound_id=7)


def test_a_forged_signature_is_refused():
    with webhook("/webhooks/twilio/voice", fixture("incoming_call"), token="forged"), pytest.raises(Forbidden):
        adapter().verify(request)


def test_a_question_is_a_french_speech_and_keypad_gather_followed_by_a_redirect():
    twiml = adapter().render(VoiceReply(
        say=("Bonjour.",),
        then=Ask("Tapez 1.", "/webhooks/twilio/voice/step?turn=1", "/webhooks/twilio/voice/step?turn=1&silence=1",
                 hints=("nid de poule",)),
    ))
    root = ET.fromstring(twiml)
    assert [verb.tag for verb in root] == ["Say", "Gather", "Redirect"]
    gather = root.find("Gather")
    assert gather.attrib == {
        "action": "/webhooks/twilio/voice/step?turn=1", "hints": "nid de poule", "input": "speech dtmf",
        "language": "fr-FR", "method": "POST", "numDigits": "1", "speechTimeout": "2", "timeout": "6"}
    assert gather.find("Say").attrib == {"language": "fr-FR", "voice": "Polly.Lea"}
    assert root.find("Redirect").text == "/webhooks/twilio/voice/step?turn=1&silence=1"


def test_the_voicemail_records_then_says_goodbye_if_nothing_came():
    root = ET.fromstring(adapter().render(VoiceReply(then=Record("Parlez.", "/rec?turn=4", "Au revoir."))))
    assert [verb.tag for verb in root] == ["Say", "Record", "Say", "Hangup"]
    assert root.find("Record").attrib["action"] == "/rec?turn=4"


def test_an_update_without_sms_consent_is_an_outbound_call_reading_it(twilio):
    from tests.conftest import ACCOUNT_SID, AUTH_TOKEN

    voice = TwilioVoice(account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN, api_url=twilio.url, public_url=PUBLIC_URL,
                        sender="+33700000001", voice=None)
    twilio.reset()
    result = voice.send(OutboundMessage(id=12, channel="voice", to="+33247123456", from_=None,
                                        body="GU-4827-3918 : votre signalement est validé.", purpose="update"))
    [call] = twilio.calls
    assert result.provider_id == call["sid"] and call["sid"].startswith("CA")
    assert (call["to"], call["from"]) == ("+33247123456", "+33700000001")
    says = [say.text for say in ET.fromstring(call["twiml"]).iter("Say")]
    assert "G U, 4 8 2 7, 3 9 1 8 : votre signalement est validé." in says
    assert call["status_callback"] == f"{PUBLIC_URL}/webhooks/twilio/voice/status?out=12"
    assert voice.find_sent(OutboundMessage(id=12, channel="voice", to="", from_=None, body=""),
                           datetime.now(UTC)) is None
    assert voice.acknowledgement() == ('<?xml version="1.0" encoding="UTF-8"?><Response/>', "text/xml")


def test_a_reference_is_spelled_sign_by_sign():
    assert spell_reference("GU-4827-3918") == "G U, 4 8 2 7, 3 9 1 8"
    assert spoken_text("Dossier GU-4827-3918 : résolu.") == "Dossier G U, 4 8 2 7, 3 9 1 8 : résolu."


@pytest.mark.parametrize(("number", "mobile"), [
    ("+33612345678", True), ("+33755123456", True), ("+33247123456", False), ("+447700900123", False),
    ("anonymous", False), ("+266696687", False), ("+262692123456", True),
])
def test_only_french_mobiles_are_offered_the_sms(number, mobile):
    assert is_french_mobile(number) is mobile


def test_office_hours_in_the_town_time_zone():
    hours = OfficeHours.parse("mon-fri 09:00-12:00,13:30-17:00")
    assert hours.is_open(datetime(2026, 11, 25, 8, 30, tzinfo=UTC))  # 9:30 in Paris, a Wednesday
    assert not hours.is_open(datetime(2026, 11, 25, 11, 30, tzinfo=UTC))  # 12:30 in Paris: lunch
    assert not hours.is_open(datetime(2026, 11, 29, 10, 0, tzinfo=UTC))  # a Sunday
    assert hours.spoken() == "du lundi au vendredi, de 9 h à 12 h et de 13 h 30 à 17 h"
    with pytest.raises(ValueError, match="GUICHET_OFFICE_HOURS"):
        OfficeHours.parse("weekdays 9-5")
