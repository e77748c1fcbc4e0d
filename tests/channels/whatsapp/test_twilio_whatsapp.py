"""WhatsApp through Twilio: one fixture per event, then the flows a resident goes through."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qsl

from flask import Flask, request
from PIL import Image
from sqlmodel import select

from channels.base import InboundMessage, Media
from channels.standins.twilio import inbound_whatsapp_params
from channels.twilio_sms import channel_of
from channels.twilio_whatsapp import TwilioWhatsApp
from gateway.cases.flows import change_status
from store.clock import utcnow
from store.models import Attachment, Case, Contact, Identity
from tests.conftest import ACCOUNT_SID, GATEWAY_NUMBER
from tests.routing.test_photos import jpeg_with_gps

FIXTURES = Path(__file__).parent / "fixtures"
RESIDENT = "+33611223344"
app = Flask(__name__)


def fixture(name: str) -> dict[str, str]:
    return dict(parse_qsl((FIXTURES / name).read_text().strip(), keep_blank_values=True))


def parse(name: str) -> InboundMessage:
    adapter = TwilioWhatsApp(account_sid=ACCOUNT_SID, auth_token="t", api_url="http://127.0.0.1:9",
                             public_url="https://x.example", sender="whatsapp:+33700000001", templates={})
    with app.test_request_context("/webhooks/twilio/messages", method="POST", data=fixture(name)):
        assert channel_of(request) == "whatsapp"
        return adapter.parse(request)


def test_text_message():
    message = parse("text.txt")
    # The `whatsapp:` prefix stays in this adapter: the rest of Guichet keeps bare E.164 numbers.
    assert (message.channel, message.sender, message.text, message.profile_name) == (
        "whatsapp", "+33611223344", "Nid de poule devant le 14 rue Victor Hugo", "Camille")
    assert not message.recipient.startswith("whatsapp:")


def test_location_pin_has_an_empty_body_and_a_place():
    message = parse("location.txt")
    assert (message.text, message.lat, message.lon) == ("", 47.388, 0.6822)


def test_photo_carries_its_media_url_and_type():
    message = parse("photo.txt")
    assert message.media == (Media(content_type="image/jpeg", url=fixture("photo.txt")["MediaUrl0"]),)


def whatsapp(gateway, **params):
    payload = inbound_whatsapp_params(from_=RESIDENT, to=GATEWAY_NUMBER, account_sid=ACCOUNT_SID, **params)
    return gateway.post_signed("/webhooks/twilio/messages", payload)


def answers(twilio) -> list[dict]:
    return [m for m in twilio.messages if m["to"] == f"whatsapp:{RESIDENT}"]


def test_a_location_pin_then_a_description_makes_a_located_case(gateway, worker, twilio):
    assert whatsapp(gateway, location=(47.388, 0.6822)).status_code == 200
    worker.run_once()
    assert whatsapp(gateway, body="un arbre est tombé sur la route").status_code == 200
    worker.run_once()

    with gateway.rt.db.session() as session:
        case = session.exec(select(Case)).one()
        contact = session.exec(select(Contact).where(Contact.phone == RESIDENT)).one()  # on-call contacts are contacts too
    assert (case.category, case.channel, case.territory) == ("obstacle", "whatsapp", "valmont")
    assert abs(case.lat - 47.388) < 1e-6 and abs(case.lon - 0.6822) < 1e-6
    assert contact.name == "Camille"
    question, acknowledgement = answers(twilio)
    assert acknowledgement["body"].startswith("Merci") and case.reference in acknowledgement["body"]
    assert acknowledgement["from"] == f"whatsapp:{GATEWAY_NUMBER}"


def test_an_update_three_days_later_goes_out_as_the_configured_template(gateway, worker, twilio):
    whatsapp(gateway, body="Nid de poule devant le 14 rue Victor Hugo")
    worker.run_once()
    with gateway.rt.db.session() as session:
        identity = session.exec(select(Identity)).one()
        identity.last_inbound_at = utcnow() - timedelta(days=3)
        session.add(identity)
        case = session.exec(select(Case)).one()
    with gateway.rt.db.session() as session:
        change_status(gateway.rt, session, reference=case.reference, status="validated", message="Jeudi")
    worker.run_once()

    update = answers(twilio)[-1]
    assert update["content_sid"] == "HX00000000000000000000000000000001"
    variables = json.loads(update["content_variables"])
    assert variables["1"] == case.reference and "Jeudi" in variables["2"]
    assert not update["body"]


def test_within_the_window_an_update_is_free_text(gateway, worker, twilio):
    whatsapp(gateway, body="Nid de poule devant le 14 rue Victor Hugo")
    worker.run_once()
    with gateway.rt.db.session() as session:
        case = session.exec(select(Case)).one()
        change_status(gateway.rt, session, reference=case.reference, status="validated")
    worker.run_once()

    update = answers(twilio)[-1]
    assert "validé" in update["body"] and not update.get("content_sid")


def test_a_photo_is_fetched_with_the_account_credentials_and_kept_with_the_case(gateway, worker, twilio):
    photo = jpeg_with_gps(47.388, 0.6822)
    url = twilio.add_media(photo, "image/jpeg")
    whatsapp(gateway, body="Regardez ce trou dans la chaussée", media=[(url, "image/jpeg")])
    worker.run_once()

    with gateway.rt.db.session() as session:
        case = session.exec(select(Case)).one()
        [attachment] = session.exec(select(Attachment)).all()
    assert attachment.case_id == case.id
    with Image.open(Path(attachment.path)) as kept:  # re-encoded: the same picture, its EXIF (GPS) dropped
        assert (kept.format, kept.size, dict(kept.getexif())) == ("JPEG", (8, 8), {})
    assert (round(attachment.lat, 4), round(attachment.lon, 4)) == (47.388, 0.6822)
    # The photo's GPS tags answered "where": no question was asked.
    assert case.reference in answers(twilio)[0]["body"]
