"""The Twilio stand-in, driven by the real twilio library as the gateway drives it."""

import re
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
from flask import Flask, request
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.request_validator import RequestValidator
from twilio.rest import Client
from werkzeug.serving import make_server

from channels.standins.twilio import TwilioStandin, inbound_sms_params, sign_and_post
from tests.conftest import paris_at

ACCOUNT_SID = "AC" + "0" * 32
AUTH_TOKEN = "test_token"
RESIDENT = "+33612345678"
TOWN_HALL = "+33755000000"
SID = re.compile(r"^SM[0-9a-f]{32}$")


class Receiver:
    """A tiny webhook endpoint that keeps every request it gets."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self._condition = threading.Condition()
        app = Flask(__name__)
        app.add_url_rule("/<path:_path>", view_func=self._receive, methods=["POST"])
        self._server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()

    def _receive(self, _path: str) -> tuple[str, int]:
        with self._condition:
            self.received.append(
                {
                    "url": request.url,
                    "form": request.form.copy(),
                    "signature": request.headers.get("X-Twilio-Signature"),
                }
            )
            self._condition.notify_all()
        return "<Response/>", 200

    def wait_for(self, n: int, timeout: float = 5.0) -> list[dict[str, Any]]:
        with self._condition:
            assert self._condition.wait_for(lambda: len(self.received) >= n, timeout), self.received
            return list(self.received)

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def standin() -> Iterator[TwilioStandin]:
    with TwilioStandin(account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN, port=0) as running:
        yield running


@pytest.fixture
def client(standin: TwilioStandin) -> Client:
    twilio = Client(ACCOUNT_SID, AUTH_TOKEN)
    twilio.api.base_url = standin.url
    return twilio


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    running = Receiver()
    yield running
    running.stop()


def send(client: Client, body: str = "Votre signalement 2024-0042 est pris en charge.", **extra: Any) -> Any:
    return client.messages.create(to=RESIDENT, from_=TOWN_HALL, body=body, **extra)


def test_send_returns_a_sid_and_the_standin_records_it(standin: TwilioStandin, client: Client) -> None:
    message = send(client, status_callback="https://guichet.example.fr/webhooks/twilio/status?out=8f2c1d")

    [recorded] = standin.wait_for(1)
    assert SID.match(message.sid)
    assert (message.status, message.direction, message.to, message.from_) == (
        "queued",
        "outbound-api",
        RESIDENT,
        TOWN_HALL,
    )
    assert message.date_created is not None and message.date_created.tzinfo == UTC
    assert recorded["sid"] == message.sid
    assert (recorded["to"], recorded["from"], recorded["body"]) == (RESIDENT, TOWN_HALL, message.body)
    assert recorded["status_callback"] == "https://guichet.example.fr/webhooks/twilio/status?out=8f2c1d"
    assert client.messages(message.sid).fetch().body == message.body


def test_fail_next_refuses_that_many_sends_then_accepts(standin: TwilioStandin, client: Client) -> None:
    standin.fail_next(2, status=500)

    for _ in range(2):
        with pytest.raises(TwilioRestException) as refused:
            send(client)
        assert (refused.value.status, refused.value.code) == (500, 20500)
    send(client)

    assert (standin.requests_received, len(standin.messages)) == (3, 1)


def test_fail_until_refuses_sends_until_the_deadline(standin: TwilioStandin, client: Client) -> None:
    standin.fail_until(time.monotonic() + 0.3, status=503)

    with pytest.raises(TwilioRestException) as refused:
        send(client)
    time.sleep(0.35)
    send(client)

    assert (refused.value.status, refused.value.code, len(standin.messages)) == (503, 20503, 1)


def test_opted_out_recipient_gets_21610(standin: TwilioStandin, client: Client) -> None:
    standin.opt_out(RESIDENT)

    with pytest.raises(TwilioRestException) as refused:
        send(client)

    assert (refused.value.status, refused.value.code) == (400, 21610)
    assert standin.messages == []


def test_wrong_auth_token_gets_401(standin: TwilioStandin) -> None:
    intruder = Client(ACCOUNT_SID, "wrong_token")
    intruder.api.base_url = standin.url

    with pytest.raises(TwilioRestException) as refused:
        send(intruder)

    assert (refused.value.status, refused.value.code) == (401, 20003)
    assert (standin.requests_received, standin.messages) == (1, [])


@pytest.mark.parametrize(
    ("form", "code"),
    [
        ({"From": TOWN_HALL, "Body": "Bonjour"}, 21604),
        ({"To": RESIDENT, "Body": "Bonjour"}, 21603),
        ({"To": RESIDENT, "From": TOWN_HALL}, 21602),
        ({"To": RESIDENT, "From": TOWN_HALL, "Body": "a" * 1601}, 21617),
        ({"To": "0612345678", "From": TOWN_HALL, "Body": "Bonjour"}, 21211),
    ],
)
def test_sends_are_validated_like_twilio(standin: TwilioStandin, form: dict[str, str], code: int) -> None:
    response = requests.post(
        f"{standin.url}/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json",
        data=form,
        auth=(ACCOUNT_SID, AUTH_TOKEN),
        timeout=5,
    )

    assert (response.status_code, response.json()["code"]) == (400, code)


def test_list_finds_a_message_by_recipient_sender_and_date_sent(client: Client, time_machine) -> None:
    time_machine.move_to(paris_at(12, 0), tick=True)  # far from a midnight, so "today" is the day of the sends
    before = datetime.now(UTC) - timedelta(seconds=2)
    sent = send(client)
    client.messages.create(to="+33698765432", from_=TOWN_HALL, body="Autre résident")

    found = client.messages.list(to=RESIDENT, from_=TOWN_HALL, date_sent_after=before)
    later = client.messages.list(to=RESIDENT, date_sent_after=datetime.now(UTC) + timedelta(minutes=1))
    today = client.messages.list(date_sent=datetime.now(UTC).strftime("%Y-%m-%d"))

    assert [message.sid for message in found] == [sent.sid]
    assert (later, len(today)) == ([], 2)


def test_list_pages_through_every_message_newest_first(client: Client) -> None:
    sids = [send(client, body=f"Message {n}").sid for n in range(5)]

    listed = client.messages.list(to=RESIDENT, page_size=2)

    assert [message.sid for message in listed] == sids[::-1]


@pytest.mark.parametrize(
    ("body", "segments"),
    [
        ("Votre signalement 2024-0042 est bien enregistre.", "1"),
        ("Signalement reçu : merci !", "1"),
        ("Signalement reçu : merci ! " * 3, "2"),  # 81 UCS-2 units, beyond 70 because of the "ç"
        ("a" * 160, "1"),
        ("a" * 161, "2"),
        ("a" * 306, "2"),
        ("a" * 307, "3"),
        ("€" * 80, "1"),  # extension-table characters cost two septets
        ("€" * 81, "2"),
    ],
)
def test_num_segments_follows_gsm7_and_ucs2(client: Client, body: str, segments: str) -> None:
    assert send(client, body=body).num_segments == segments


def test_media_and_messaging_service_sends_follow_twilio(standin: TwilioStandin, client: Client) -> None:
    photo = client.messages.create(
        to=RESIDENT, from_=TOWN_HALL, media_url=["https://example.fr/a.jpg", "https://example.fr/b.jpg"]
    )
    pooled = client.messages.create(to=RESIDENT, messaging_service_sid="MG" + "0" * 32, body="Bonjour")

    assert (photo.sid[:2], photo.num_media, standin.messages[0]["media_url"]) == (
        "MM",
        "2",
        ["https://example.fr/a.jpg", "https://example.fr/b.jpg"],
    )
    assert (pooled.status, pooled.from_, pooled.num_segments) == ("accepted", None, "0")


def test_status_callbacks_arrive_signed_in_order(
    standin: TwilioStandin, client: Client, receiver: Receiver
) -> None:
    standin.callbacks(enabled=True, delivered=True)
    message = send(client, status_callback=f"{receiver.url}/webhooks/twilio/status?out=8f2c1d")

    callbacks = receiver.wait_for(2)

    validator = RequestValidator(AUTH_TOKEN)
    assert [callback["form"]["MessageStatus"] for callback in callbacks] == ["sent", "delivered"]
    assert all(callback["form"]["MessageSid"] == message.sid for callback in callbacks)
    assert all(validator.validate(c["url"], c["form"], c["signature"]) for c in callbacks)
    assert client.messages(message.sid).fetch().status == "delivered"


def test_sign_and_post_is_accepted_by_request_validator(receiver: Receiver) -> None:
    params = inbound_sms_params(
        from_=RESIDENT, to=TOWN_HALL, body="Nid de poule rue de la Paix", account_sid=ACCOUNT_SID
    )
    public_url = "https://intake.example.fr/webhooks/twilio/sms"

    sign_and_post(f"{receiver.url}/webhooks/twilio/sms", params, AUTH_TOKEN)
    sign_and_post(f"{receiver.url}/behind/proxy", params, AUTH_TOKEN, public_url=public_url)
    direct, proxied = receiver.wait_for(2)

    validator = RequestValidator(AUTH_TOKEN)
    assert validator.validate(direct["url"], direct["form"], direct["signature"])
    assert validator.validate(public_url, proxied["form"], proxied["signature"])
    assert not validator.validate(proxied["url"], proxied["form"], proxied["signature"])
    assert direct["form"].to_dict() == params


def test_inbound_sms_params_look_like_twilio() -> None:
    params = inbound_sms_params(from_=RESIDENT, to=TOWN_HALL, body="Signalement reçu : merci !")

    assert SID.match(params["MessageSid"])
    assert params["SmsSid"] == params["SmsMessageSid"] == params["MessageSid"]
    assert (params["FromCountry"], params["ToCountry"], params["FromCity"]) == ("FR", "FR", "")
    assert (params["NumMedia"], params["NumSegments"], params["SmsStatus"]) == ("0", "1", "received")
    assert params["ApiVersion"] == "2010-04-01"


def test_delay_records_before_answering_so_a_timed_out_send_is_found(standin: TwilioStandin, client: Client) -> None:
    impatient = Client(ACCOUNT_SID, AUTH_TOKEN, http_client=TwilioHttpClient(timeout=0.2))
    impatient.api.base_url = standin.url
    standin.delay(1.0)

    with pytest.raises(requests.exceptions.ReadTimeout):
        send(impatient)
    standin.delay(0)

    [recorded] = standin.wait_for(1, timeout=0.1)
    # the sender looks for it with a patient client: a busy machine may take more than 0.2 s to list
    assert [message.sid for message in client.messages.list(to=RESIDENT)] == [recorded["sid"]]


def test_wait_for_reports_what_arrived(standin: TwilioStandin, client: Client) -> None:
    send(client)

    with pytest.raises(AssertionError, match=r"Expected 2 message\(s\)"):
        standin.wait_for(2, timeout=0.1)


def test_inspection_routes_list_and_reset(standin: TwilioStandin, client: Client) -> None:
    sent = send(client)

    listed = requests.get(f"{standin.url}/_standin/messages", timeout=5).json()
    requests.post(f"{standin.url}/_standin/reset", timeout=5)

    assert [message["sid"] for message in listed] == [sent.sid]
    assert (standin.messages, standin.requests_received) == ([], 0)
