"""Bad input at the providers' doors (issue 10): cleaned or refused by the adapter, never a 500 nor a 451 forever.

Each test is one defect found by trying the gateway as an attacker would, through the real entry points.
"""

from __future__ import annotations

import json

import pytest
from sqlmodel import select

from channels.standins.telegram import location_update, message_update, text_update
from channels.standins.twilio import inbound_sms_params, inbound_whatsapp_params
from store.models import Case, ReceivedMessage
from tests.conftest import ACCOUNT_SID, GATEWAY_NUMBER
from tests.gateway.conftest import INBOX, tracebacks

RESIDENT = "+33612345678"
POTHOLE = "Nid de poule devant le 14 rue Victor Hugo"
CHAT = 81818181


def stored(rt) -> list[ReceivedMessage]:
    with rt.db.session() as session:
        return list(session.exec(select(ReceivedMessage).order_by(ReceivedMessage.id)).all())


def cases(rt) -> list[Case]:
    with rt.db.session() as session:
        return list(session.exec(select(Case).order_by(Case.id)).all())


def sms(front, body: str = POTHOLE, **fields):
    params = inbound_sms_params(from_=RESIDENT, to=GATEWAY_NUMBER, body=body, account_sid=ACCOUNT_SID) | fields
    return front.http.post_signed("/webhooks/twilio/messages", params)


def test_a_nul_in_an_sms_body_is_dropped_and_the_report_answered(front):
    response = sms(front, "Nid de poule\x00 devant le 14 rue\x07 Victor Hugo")
    front.worker.run_once()

    assert response.status_code == 200
    [case] = cases(front.rt)
    assert case.description == "Nid de poule devant le 14 rue Victor Hugo"
    [answer] = front.twilio.texts_to(RESIDENT)
    assert case.reference in answer


@pytest.mark.parametrize("field", ["From", "MessageSid", "To"])
def test_a_nul_in_an_sms_id_or_address_is_refused_with_400(front, field):
    value = {"From": RESIDENT, "MessageSid": "SM" + "1" * 32, "To": GATEWAY_NUMBER}[field]
    response = sms(front, **{field: value[:5] + "\x00" + value[5:]})

    assert (response.status_code, response.text) == (400, f"{field} holds control characters")
    assert stored(front.rt) == []


@pytest.mark.parametrize("latitude, longitude", [("NaN", "0.68"), ("47.38", "Infinity"), ("-inf", "nan"),
                                                 ("1e400", "0.68"), ("95", "0.68")])
def test_a_whatsapp_pin_that_is_no_place_is_ignored_and_the_resident_asked_where(front, latitude, longitude):
    params = inbound_whatsapp_params(from_=RESIDENT, to=GATEWAY_NUMBER, body="Nid de poule",
                                     account_sid=ACCOUNT_SID)
    params |= {"Latitude": latitude, "Longitude": longitude, "MessageType": "location"}
    response = front.http.post_signed("/webhooks/twilio/messages", params)
    front.worker.run_once()

    assert response.status_code == 200
    [message] = stored(front.rt)
    assert (message.lat, message.lon, message.status) == (None, None, "done")
    [question] = front.twilio.texts_to(RESIDENT, channel="whatsapp")
    assert "Où" in question


def answers_in(front, chat: int) -> list[str]:
    return [m["text"] for m in front.telegram.sent if m["chat_id"] == str(chat)]


def test_a_nul_and_a_lone_surrogate_in_a_telegram_text_are_cleaned_and_the_report_answered(front):
    body = json.dumps(text_update(CHAT, POTHOLE)).replace("Nid de", "Nid\\u0000 de\\ud800")
    response = front.telegram_update(body.encode())
    front.worker.run_once()

    assert response.status_code == 200
    [case] = cases(front.rt)
    assert case.description == "Nid de\ufffd poule devant le 14 rue Victor Hugo"
    [answer] = answers_in(front, CHAT)
    assert case.reference in answer


def test_a_telegram_text_that_is_a_number_is_refused_with_400(front):
    response = front.telegram_update(message_update(CHAT, {"text": 12345}))

    assert (response.status_code, response.text) == (400, "malformed Telegram message: TypeError")
    assert stored(front.rt) == []


def test_a_telegram_update_nested_a_thousand_deep_is_refused_with_400(front):
    body = b'{"update_id": 1, "message": ' + b"[" * 1000 + b"]" * 1000 + b"}"
    deeper = b"[" * 100_000 + b"]" * 100_000

    assert front.telegram_update(body).status_code == 400
    assert front.telegram_update(deeper).status_code == 400
    assert stored(front.rt) == []


@pytest.mark.parametrize("latitude, longitude", [(float("nan"), 0.68), (47.38, float("inf")),
                                                 (-float("inf"), float("nan"))])
def test_a_telegram_location_that_is_no_place_is_acknowledged_and_where_asked_again(front, latitude, longitude,
                                                                                     caplog):
    front.telegram_update(text_update(CHAT, "Nid de poule"))
    front.worker.run_once()
    response = front.telegram_update(location_update(CHAT, latitude, longitude))  # json.dumps writes NaN
    front.worker.run_once()

    assert (response.status_code, response.text) == (200, "")  # Telegram stops sending it
    assert cases(front.rt) == []
    assert [(m.body, m.lat, m.lon, m.place_unreadable) for m in stored(front.rt)] == [
        ("Nid de poule", None, None, False), ("", None, None, True)]
    first, again = answers_in(front, CHAT)
    assert first.startswith("Merci. Où se trouve le problème ?") and again == first  # not silence
    assert tracebacks(caplog.records) == []


def test_a_telegram_location_given_as_strings_is_read_and_opens_the_case(front):
    front.telegram_update(text_update(CHAT, "Nid de poule"))
    front.worker.run_once()
    update = location_update(CHAT, 0, 0)
    update["message"]["location"] |= {"latitude": "47.388", "longitude": "0.6822"}
    response = front.telegram_update(update)
    front.worker.run_once()

    assert response.status_code == 200
    [case] = cases(front.rt)
    assert (case.lat, case.lon) == pytest.approx((47.388, 0.6822), abs=1e-4)
    assert case.reference in answers_in(front, CHAT)[-1]


def mail(text: str, *, subject: str = "Signalement", message_id: str = "<a1@resident.example>") -> bytes:
    return (f"From: Camille <camille@resident.example>\r\nTo: {INBOX}\r\nSubject: {subject}\r\n"
            f"Message-ID: {message_id}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{text}\r\n").encode()


def test_a_nul_in_an_email_is_dropped_and_the_report_answered_instead_of_451_forever(front):
    code, _ = front.mail(mail("Nid de poule\x00 devant le 14 rue Victor Hugo", subject="Trou\x00"))
    front.worker.run_once()

    assert code == 250
    [case] = cases(front.rt)
    assert "\x00" not in case.description
    [answer] = front.relay.messages
    assert case.reference in answer["Subject"]


def test_a_nul_in_a_message_id_is_refused_for_good_with_554(front):
    code, text = front.mail(mail(POTHOLE, message_id="<a\x001@resident.example>"))

    assert (code, text.split(" ", 1)[0]) == (554, "5.6.0")
    assert stored(front.rt) == []
