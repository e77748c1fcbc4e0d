"""The bad-input battery (issue 10): hostile values in every field of every entry point, through the real HTTP
and SMTP doors. For each entry point: no 5xx (no SMTP 451 nor 500 for mail), no ERROR with a traceback in the
logs, and every report accepted from a resident is answered on their channel (the provider stand-in got it).

Tables, not random generation: every value is tried in every field, the same way at every run, and a failure
names the entry point, the field and the value. Each test prints how many inputs it tried (`pytest -s`).
"""

from __future__ import annotations

import itertools
import json
import logging
import quopri
from collections.abc import Iterable
from dataclasses import dataclass, field

import pytest
import requests

from channels.standins.telegram import message_update, text_update
from channels.standins.twilio import inbound_call_params, inbound_sms_params, inbound_whatsapp_params
from tests.conftest import ACCOUNT_SID, GATEWAY_NUMBER
from tests.gateway.conftest import INBOX, tracebacks
from tests.gateway.web.backoffice.conftest import Browser, make_agent, report

# What a form (Twilio, Open311, the back office) or a query string can carry.
HOSTILE = [
    "", " ", "\x00", "a\x00b", "Nid de poule\x00 rue Victor Hugo", "\x01\x02\x03\x1b[31m\x7f", "\t\n\r\n",
    "\ufffe\uffff", "\u202egnp.exe", "😀" * 50, "é" * 5000, "x" * 70_000, "9" * 5000, "-1", "0", "1e400",
    "NaN", "Infinity", "-inf", "null", "[]", "{}", "' OR 1=1 --", "<script>alert(1)</script>", "%00",
    "../../etc/passwd", "GU-0000-0000", "GU-4827-3918", "STOP", "\\", "{reference}", "%s%n",
]
# And what JSON can carry beyond that: numbers where texts go, lists, objects, a lone surrogate.
HOSTILE_JSON = [*HOSTILE, "\ud800", "a\udfffb", 12345, -1, 1.5, 10**400, float("nan"), float("inf"), True, None,
                [], ["a"], {}, {"a": 1}, [[[[[]]]]]]
RAW_BODIES = [b"", b"not json", b"[]", b"12", b'"text"', b"null", b"{", b'{"update_id": "1"}', b"\xff\xfe",
              b'{"update_id": 1}', b'{"update_id": 1, "message": null}', b'{"update_id": 1, "message": []}',
              b'{"update_id": 1, "message": {"chat": []}}', b"[" * 100_000 + b"]" * 100_000,
              b'{"update_id": 1, "message": ' + b"[" * 1000 + b"]" * 1000 + b"}", b'{"a": NaN}']

_numbers = itertools.count(10_000)


def resident_number() -> str:
    """A new French mobile number for each input, so that no conversation runs into another."""
    return f"+3361{next(_numbers):07d}"


@dataclass
class Tally:
    """What an entry point answered to the inputs tried."""

    name: str
    statuses: list[tuple[str, int]] = field(default_factory=list)

    def add(self, label: str, status: int) -> int:
        self.statuses.append((label, status))
        return status

    @property
    def server_errors(self) -> list[tuple[str, int]]:
        return [(label, status) for label, status in self.statuses if status >= 500]

    def report(self) -> str:
        line = f"{self.name}: {len(self.statuses)} inputs, {len(self.server_errors)} × 5xx"
        print(line)
        return line


def form_cases(fields: Iterable[str]) -> list[tuple[str, str]]:
    return [(name, value) for name in fields for value in HOSTILE]


def assert_clean(tally: Tally, caplog, front=None) -> None:
    tally.report()
    assert tally.server_errors == []
    assert tracebacks(caplog.records) == []
    if front is not None:
        assert front.unanswered() == []


@pytest.fixture(autouse=True)
def logs(caplog):
    caplog.set_level(logging.WARNING)
    return caplog


# ---- Twilio: messages, receipts, the phone line ---------------------------------------------------------------


CONTENT_FIELDS = ("Body", "ProfileName", "NumMedia", "SmsStatus", "NumSegments", "ApiVersion", "FromCountry")


def test_twilio_messages_sms_and_whatsapp(front, logs):
    tally = Tally("Twilio messages (SMS, WhatsApp)")
    for name, value in form_cases(CONTENT_FIELDS):
        params = inbound_sms_params(from_=resident_number(), to=GATEWAY_NUMBER, body="Nid de poule",
                                    account_sid=ACCOUNT_SID) | {name: value}
        tally.add(f"sms {name}={value[:20]!r}", front.http.post_signed("/webhooks/twilio/messages", params).status_code)
    for name, value in form_cases(("Body", "ProfileName", "Latitude", "Longitude", "MessageType", "WaId")):
        params = inbound_whatsapp_params(from_=resident_number(), to=GATEWAY_NUMBER, body="Nid de poule",
                                         account_sid=ACCOUNT_SID, location=(47.388, 0.6822)) | {name: value}
        tally.add(f"whatsapp {name}={value[:20]!r}",
                  front.http.post_signed("/webhooks/twilio/messages", params).status_code)
    front.settle()
    assert_clean(tally, logs, front)


def test_twilio_message_ids_and_addresses_are_refused_or_stored_never_a_500(front, logs):
    # A Twilio-signed From is always an address Twilio can answer: what an address is not is only not a 5xx.
    tally = Tally("Twilio message ids and addresses")
    for name, value in form_cases(("From", "To", "MessageSid", "AccountSid")):
        params = inbound_sms_params(from_=resident_number(), to=GATEWAY_NUMBER, body="Nid de poule",
                                    account_sid=ACCOUNT_SID) | {name: value}
        tally.add(f"{name}={value[:20]!r}", front.http.post_signed("/webhooks/twilio/messages", params).status_code)
    front.settle()
    assert_clean(tally, logs)


def test_twilio_status_callbacks(front, logs):
    tally = Tally("Twilio status callbacks")
    for name, value in form_cases(("MessageSid", "MessageStatus", "ErrorCode", "out")):
        params = {"MessageSid": "SM" + "2" * 32, "MessageStatus": "delivered", "AccountSid": ACCOUNT_SID,
                  "From": GATEWAY_NUMBER, "To": RESIDENT_FOR_RECEIPTS}
        path = "/webhooks/twilio/status?out=1"
        if name == "out":
            path = "/webhooks/twilio/status?" + requests.compat.urlencode({"out": value})
        else:
            params[name] = value
        tally.add(f"{name}={value[:20]!r}", front.http.post_signed(path, params).status_code)
    assert_clean(tally, logs)


RESIDENT_FOR_RECEIPTS = "+33612345678"
# Each step of a call with the fields Twilio sends it.
VOICE_STEPS = {
    "/webhooks/twilio/voice": ("CallSid", "From", "Caller", "To", "CallStatus", "Direction"),
    "/webhooks/twilio/voice/step?turn=1": ("CallSid", "SpeechResult", "Confidence", "Digits"),
    "/webhooks/twilio/voice/recording": ("RecordingUrl", "RecordingDuration", "RecordingSid", "Digits"),
    "/webhooks/twilio/voice/status": ("CallSid", "CallStatus", "DialCallStatus"),
}


def test_twilio_voice_steps(front, logs):
    tally = Tally("Twilio voice steps")
    for path, fields in VOICE_STEPS.items():
        for name, value in form_cases(fields):
            call = inbound_call_params(from_=resident_number(), to=GATEWAY_NUMBER, account_sid=ACCOUNT_SID,
                                       call_status="in-progress" if "step" in path else "ringing",
                                       speech="un nid de poule", digits="1")
            if path != "/webhooks/twilio/voice":
                front.http.post_signed("/webhooks/twilio/voice", call)  # the call rings first
            tally.add(f"{path} {name}={value[:20]!r}", front.http.post_signed(path, call | {name: value}).status_code)
    for value in HOSTILE:
        query = requests.compat.urlencode({"turn": value, "silence": value, "out": value})
        call = inbound_call_params(from_=resident_number(), to=GATEWAY_NUMBER, account_sid=ACCOUNT_SID)
        for path in VOICE_STEPS:
            tally.add(f"{path} ?{value[:20]!r}",
                      front.http.post_signed(path.split("?")[0] + "?" + query, call).status_code)
    front.settle()
    assert_clean(tally, logs)


# ---- Telegram -------------------------------------------------------------------------------------------------


def telegram_variants(chat: int) -> list[tuple[str, dict]]:
    """One update per (place in a message, hostile JSON value)."""
    variants = []
    for value in HOSTILE_JSON:
        label = repr(value)[:24]
        variants.append((f"text={label}", text_update(chat + len(variants), "Nid de poule") | {}))
        variants[-1][1]["message"]["text"] = value
        update = text_update(chat + len(variants), "Nid de poule devant le 14 rue Victor Hugo")
        update["message"]["from"]["first_name"] = value
        variants.append((f"first_name={label}", update))
        for key in ("latitude", "longitude"):
            update = message_update(chat + len(variants), {"location": {"latitude": 47.388, "longitude": 0.6822}})
            update["message"]["location"][key] = value
            variants.append((f"location.{key}={label}", update))
        update = message_update(chat + len(variants), {"caption": value, "photo": [
            {"file_id": value, "file_unique_id": "u", "width": value, "height": 10, "file_size": 10}]})
        variants.append((f"photo={label}", update))
        update = message_update(chat + len(variants), {"venue": {"location": {"latitude": value, "longitude": 0.68},
                                                                   "title": value, "address": "14 rue Victor Hugo"}})
        variants.append((f"venue={label}", update))
        for key in ("update_id",):
            update = text_update(chat + len(variants), "Nid de poule")
            update[key] = value
            variants.append((f"{key}={label}", update))
        for key in ("chat", "id", "type"):
            update = text_update(chat + len(variants), "Nid de poule")
            if key == "chat":
                update["message"]["chat"] = value
            else:
                update["message"]["chat"][key] = value
            variants.append((f"chat.{key}={label}", update))
    return variants


def test_telegram_updates(front, logs):
    tally = Tally("Telegram webhook")
    for label, update in telegram_variants(90_000_000):
        body = json.dumps(update, allow_nan=True).encode()
        tally.add(label, front.telegram_update(body).status_code)
    for body in RAW_BODIES:
        tally.add(f"raw {body[:20]!r}", front.telegram_update(body).status_code)
    front.settle()
    assert_clean(tally, logs, front)


# ---- e-mail, through a real SMTP client -----------------------------------------------------------------------


def mail(*, sender: str, subject: str = "Signalement", body: str = "Nid de poule devant le 14 rue Victor Hugo",
         message_id: str | None = None, charset: str = "utf-8", encoding: str = "8bit") -> bytes:
    lines = [f"From: Camille <{sender}>", f"To: {INBOX}", f"Subject: {subject}",
             f"Message-ID: {message_id or '<' + sender.replace('@', '.') + '@resident.example>'}",
             f"Content-Type: text/plain; charset={charset}", f"Content-Transfer-Encoding: {encoding}", "", body]
    return "\r\n".join(lines).encode("utf-8", "surrogatepass")


def quoted(text: str) -> str:
    """A body as a mail client sends a long or 8-bit text: quoted-printable, lines of 76 characters."""
    return quopri.encodestring((text or ".").encode("utf-8", "surrogatepass")).decode("ascii")


def smtp_as_http(answer: tuple[int, str]) -> int:
    """An SMTP answer in the tally's terms: 250 accepted, a permanent refusal (55x, or 500 for a line over RFC
    5321's limit) a 4xx, anything else (451 for input that will never pass) a server error."""
    code, text = answer
    if code == 500 and ("trop longue" in text or "too long" in text):  # RFC 5321's answer to an over-long line
        return 400
    return 200 if code == 250 else 400 if 550 <= code <= 554 else 500


def test_smtp_server(front, logs):
    tally = Tally("SMTP server")
    for value in HOSTILE:
        if len(value) > 10_000:
            continue  # one header line of 70,000 characters is refused by the client before we see it
        sender = f"resident{next(_numbers)}@example.org"
        for label, raw in (("subject", mail(sender=sender, subject=value)),
                           ("body", mail(sender=f"b{sender}", body=value or ".")),
                           ("body, quoted-printable", mail(sender=f"q{sender}", body=quoted(value),
                                                            encoding="quoted-printable")),
                           ("message-id", mail(sender=f"m{sender}", message_id=value or "<>")),
                           ("charset", mail(sender=f"c{sender}", charset=value or "x")),
                           ("display name", mail(sender=f"d{sender}").replace(b"Camille", value.encode()))):
            tally.add(f"{label}={value[:20]!r}", smtp_as_http(front.mail(raw)))
        if value.isascii() and not {"\r", "\n"} & set(value):  # what smtplib lets a client write in a command
            answer = front.mail(mail(sender=f"e{sender}"), mail_from=value)
            tally.add(f"MAIL FROM {value[:20]!r}", smtp_as_http(answer))
    front.settle()
    assert_clean(tally, logs, front)


# ---- the public pages, the back office, the API ---------------------------------------------------------------


PUBLIC = {"/": ("x",), "/carte": ("categorie", "statut", "commune"), "/carte/cas.geojson": ("categorie", "statut",
          "commune"), "/statistiques": ("x",), "/statistiques.json": ("x",), "/flux/resolus.atom": ("x",),
          "/suivi": ("reference",)}


def test_public_pages_query_filters(front, logs):
    tally = Tally("public pages")
    report(front.http, front.worker, resident_number(), "Nid de poule devant le 14 rue Victor Hugo")
    for path, names in PUBLIC.items():
        for name, value in form_cases(names):
            tally.add(f"{path}?{name}={value[:20]!r}",
                      requests.get(front.url + path, params={name: value}, timeout=10).status_code)
    for value in HOSTILE:
        tally.add(f"/suivi/{value[:20]!r}",
                  requests.get(front.url + "/suivi/" + requests.utils.quote(value, safe=""), timeout=10).status_code)
    assert_clean(tally, logs)


BACK_OFFICE = {"/agents/": ("status", "category", "territory", "urgency", "overdue"),
               "/agents/carte": ("status", "category", "territory"), "/agents/carte.json": ("status", "category"),
               "/agents/journal": ("page", "case", "agent", "action")}


def test_back_office_filters_and_forms_logged_in(front, logs):
    tally = Tally("back office (logged in)")
    case = report(front.http, front.worker, resident_number(), "Nid de poule devant le 14 rue Victor Hugo")
    make_agent(front.rt, "superviseur@mairie.example", role="supervisor")
    agent = Browser(front.url)
    assert agent.login("superviseur@mairie.example").status_code == 200
    for path, names in BACK_OFFICE.items():
        for name, value in form_cases(names):
            tally.add(f"{path}?{name}={value[:20]!r}", agent.get(path, params={name: value}).status_code)
    for value in HOSTILE:
        tally.add(f"/agents/dossiers/{value[:20]!r}",
                  agent.get("/agents/dossiers/" + requests.utils.quote(value, safe="")).status_code)
    page = f"/agents/dossiers/{case.reference}"
    for action, names in (("note", ("text",)), ("message", ("text",)), ("statut", ("status", "message")),
                          ("reorienter", ("service", "reason")), ("fusionner", ("target", "message"))):
        for name, value in form_cases(names):
            tally.add(f"{action} {name}={value[:20]!r}", agent.post(f"{page}/{action}", {name: value}, form=page,
                                                                     allow_redirects=False).status_code)
    front.settle()
    assert_clean(tally, logs)


def test_the_json_api(front, logs):
    tally = Tally("JSON API")
    case = report(front.http, front.worker, resident_number(), "Nid de poule devant le 14 rue Victor Hugo")
    token = make_agent(front.rt, "api@mairie.example", role="supervisor", token=True)
    headers = {"Authorization": f"Bearer {token}"}
    api = front.url + "/api/v1"
    for name, value in form_cases(("status", "category", "territory", "urgency", "overdue", "limit")):
        tally.add(f"cases?{name}={value[:20]!r}",
                  requests.get(api + "/cases", params={name: value}, headers=headers, timeout=10).status_code)
    for value in HOSTILE:
        tally.add(f"cases/{value[:20]!r}", requests.get(api + "/cases/" + requests.utils.quote(value, safe=""),
                                                        headers=headers, timeout=10).status_code)
        if not {"\r", "\n"} & set(value) and not value[:1].isspace():  # what an HTTP header can carry
            tally.add(f"token {value[:20]!r}", requests.get(api + "/me", timeout=10, headers={
                "Authorization": f"Bearer {value}".encode()}).status_code)
    for action, names in (("notes", ("text",)), ("messages", ("text",)), ("status", ("status", "message")),
                          ("reroute", ("service", "reason")), ("merge", ("target", "message"))):
        for name in names:
            for value in HOSTILE_JSON:
                body = json.dumps({name: value}, allow_nan=True)
                tally.add(f"{action} {name}={value!r:.20}", requests.post(
                    f"{api}/cases/{case.reference}/{action}", data=body, timeout=10,
                    headers=headers | {"Content-Type": "application/json"}).status_code)
    for body in RAW_BODIES:
        tally.add(f"raw {body[:20]!r}", requests.post(f"{api}/cases/{case.reference}/notes", data=body, timeout=10,
                                                      headers=headers | {"Content-Type": "application/json"}
                                                      ).status_code)
    front.settle()
    assert_clean(tally, logs)


# ---- Open311, GET and POST ------------------------------------------------------------------------------------


OPEN311_GET = {"/open311/v2/requests.json": ("service_code", "status", "start_date", "end_date", "page",
                                             "page_size", "service_request_id"),
               "/open311/v2/requests.xml": ("service_request_id", "status"),
               "/open311/v2/servicerequestupdates.json": ("start_date", "end_date", "page", "page_size"),
               "/open311/v2/services.json": ("jurisdiction_id",), "/open311/v2/discovery.xml": ("x",)}
OPEN311_POST = ("api_key", "service_code", "lat", "long", "address_string", "address_id", "description",
                "email", "phone", "first_name", "last_name", "device_id", "media_url", "account_id")


def test_open311_get_and_post(front, logs, monkeypatch):
    monkeypatch.setattr(front.rt, "settings", front.rt.settings.replace(open311_api_keys="battery-key"))
    tally = Tally("Open311")
    root = front.url + "/open311/v2"
    for path, names in OPEN311_GET.items():
        for name, value in form_cases(names):
            tally.add(f"{path}?{name}={value[:20]!r}",
                      requests.get(front.url + path, params={name: value}, timeout=10).status_code)
    for value in HOSTILE:
        quoted = requests.utils.quote(value, safe="")
        for path in (f"/requests/{quoted}.json", f"/services/{quoted}.xml", f"/tokens/{quoted}.json",
                     f"/media/{quoted}", f"/requests.{quoted}"):
            tally.add(f"{path[:30]}", requests.get(root + path, timeout=10).status_code)
    filed = []
    for name, value in form_cases(OPEN311_POST):
        form = {"api_key": "battery-key", "service_code": "chaussee", "lat": "47.388", "long": "0.6822",
                "description": "Nid de poule", "email": f"r{next(_numbers)}@example.org"} | {name: value}
        response = requests.post(root + "/requests.json", data=form, timeout=10)
        tally.add(f"POST {name}={value[:20]!r}", response.status_code)
        if response.status_code == 200:
            filed.append(response.json()[0]["service_request_id"])
    assert_clean(tally, logs)
    assert filed and all(reference.startswith("GU-") for reference in filed)  # each accepted request has its case
