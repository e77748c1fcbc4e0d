"""A local Twilio: the Messages and Calls REST APIs and the phone side, for tests, the demo and benchmarks.

The server speaks Twilio's real wire format (form-encoded requests, basic auth, the 2010-04-01 JSON
resources and error bodies), so the production code talks to it through the official `twilio`
library with `client.api.base_url` pointed at `TwilioStandin.url`. It never reaches Twilio.
"""

import argparse
import copy
import dataclasses
import hmac
import logging
import re
import secrets
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from datetime import time as dt_time
from email.utils import format_datetime, parsedate_to_datetime
from http import HTTPStatus
from typing import Any, NamedTuple
from urllib.parse import urlencode
from xml.etree import ElementTree

import requests
from flask import Flask, Response, jsonify, request
from twilio.request_validator import RequestValidator

from channels.sms import segments
from channels.standins.server import LocalServer

logger = logging.getLogger(__name__)

API_VERSION = "2010-04-01"
DEFAULT_ACCOUNT_SID = "AC" + "0" * 32
DEFAULT_AUTH_TOKEN = "test_token"
MAX_BODY_CHARS = 1600
MAX_MEDIA_URLS = 10
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000
# Twilio gives up on a webhook after 15 s in total (channels.md 3.1.7); the phone side does the same.
WEBHOOK_TIMEOUT_SECONDS = 15.0

# Country of an E.164 number, as Twilio fills FromCountry/ToCountry; longest prefixes first.
COUNTRY_PREFIXES = (
    ("+262", "RE"),
    ("+590", "GP"),
    ("+594", "GF"),
    ("+596", "MQ"),
    ("+352", "LU"),
    ("+377", "MC"),
    ("+32", "BE"),
    ("+33", "FR"),
    ("+41", "CH"),
    ("+44", "GB"),
    ("+1", "US"),
)

E164 = re.compile(r"^(whatsapp:)?\+[1-9]\d{6,14}$")


class TwilioError(NamedTuple):
    """An error answer: HTTP status, Twilio error code and message."""

    status: int
    code: int
    message: str


# Twilio's 20xxx codes for plain HTTP failures; any other status falls back to the status itself,
# which is also what twilio-python reports when an error body carries no code.
ERRORS_BY_STATUS = {
    429: TwilioError(429, 20429, "Too Many Requests"),
    500: TwilioError(500, 20500, "Internal Server Error"),
    503: TwilioError(503, 20503, "Service Unavailable"),
}


def _error_for_status(status: int, code: int | None = None, message: str | None = None) -> TwilioError:
    """Build the error Twilio would answer with this HTTP status, overriding code or message if given."""
    default = ERRORS_BY_STATUS.get(status, TwilioError(status, status, HTTPStatus(status).phrase))
    return TwilioError(status, default.code if code is None else code, message or default.message)


def _country(number: str) -> str:
    """Give the ISO country of an E.164 number, or "" when unknown, as Twilio does."""
    return next((country for prefix, country in COUNTRY_PREFIXES if number.startswith(prefix)), "")


def _new_sid(prefix: str) -> str:
    """Make a Twilio SID: a two-letter prefix and 32 hex digits."""
    return prefix + secrets.token_hex(16)


def _fetch_media_url(url: str) -> dict[str, Any]:
    """What a MediaUrl answered: status, content type, size and the first bytes (hex), or the error."""
    try:
        answer = requests.get(url, timeout=5)
    except requests.RequestException as err:
        return {"url": url, "status": None, "error": type(err).__name__}
    return {"url": url, "status": answer.status_code, "content_type": answer.headers.get("Content-Type"),
            "size": len(answer.content), "head": answer.content[:4].hex()}


def _rfc2822(moment: datetime) -> str:
    """Format a UTC time as Twilio's resources do: "Thu, 24 Aug 2023 05:01:45 +0000"."""
    return format_datetime(moment)


def _now() -> datetime:
    """Now in UTC, truncated to the second like Twilio's timestamps."""
    return datetime.now(UTC).replace(microsecond=0)


def inbound_sms_params(
    *,
    from_: str,
    to: str,
    body: str,
    message_sid: str | None = None,
    account_sid: str = DEFAULT_ACCOUNT_SID,
) -> dict[str, str]:
    """Every parameter Twilio posts to the "A message comes in" webhook for an inbound SMS."""
    sid = message_sid or _new_sid("SM")
    # Twilio only geolocates North American numbers: for French ones City/State/Zip are sent empty.
    return {
        "ToCountry": _country(to),
        "ToState": "",
        "SmsMessageSid": sid,
        "NumMedia": "0",
        "ToCity": "",
        "FromZip": "",
        "SmsSid": sid,
        "FromState": "",
        "SmsStatus": "received",
        "FromCity": "",
        "Body": body,
        "FromCountry": _country(from_),
        "To": to,
        "ToZip": "",
        "NumSegments": str(segments(body)),
        "MessageSid": sid,
        "AccountSid": account_sid,
        "From": from_,
        "ApiVersion": API_VERSION,
    }


def inbound_whatsapp_params(
    *,
    from_: str,
    to: str,
    body: str = "",
    message_sid: str | None = None,
    account_sid: str = DEFAULT_ACCOUNT_SID,
    profile_name: str = "Camille",
    location: tuple[float, float] | None = None,
    media: Sequence[tuple[str, str]] = (),
) -> dict[str, str]:
    """What Twilio posts for a WhatsApp message: `whatsapp:` addresses, WaId, ProfileName, pins and media."""
    sid = message_sid or _new_sid("MM" if media else "SM")
    number = from_.removeprefix("whatsapp:")
    params = {
        "SmsMessageSid": sid,
        "NumMedia": str(len(media)),
        "ProfileName": profile_name,
        "MessageType": "location" if location else ("image" if media else "text"),
        "SmsSid": sid,
        "WaId": number.lstrip("+"),
        "SmsStatus": "received",
        "Body": body,
        "To": f"whatsapp:{to.removeprefix('whatsapp:')}",
        "NumSegments": "1",
        "ReferralNumMedia": "0",
        "MessageSid": sid,
        "AccountSid": account_sid,
        "From": f"whatsapp:{number}",
        "ApiVersion": API_VERSION,
    }
    if location:
        # A location pin has an empty Body; Latitude/Longitude carry the place.
        params["Latitude"], params["Longitude"] = str(location[0]), str(location[1])
    for index, (url, content_type) in enumerate(media):
        params[f"MediaUrl{index}"], params[f"MediaContentType{index}"] = url, content_type
    return params


def inbound_call_params(
    *,
    from_: str,
    to: str,
    call_sid: str | None = None,
    call_status: str = "ringing",
    account_sid: str = DEFAULT_ACCOUNT_SID,
    speech: str | None = None,
    confidence: float | None = None,
    digits: str | None = None,
    **extra: str,
) -> dict[str, str]:
    """What Twilio posts to a voice webhook: the incoming call ("ringing"), or a Gather action
    ("in-progress", with SpeechResult and Confidence, or Digits); `extra` adds e.g. RecordingUrl."""
    params = {
        "AccountSid": account_sid,
        "ApiVersion": API_VERSION,
        "CallSid": call_sid or _new_sid("CA"),
        "CallStatus": call_status,
        "Called": to,
        "CalledCountry": _country(to),
        "Caller": from_,
        "CallerCountry": _country(from_),
        "Direction": "inbound",
        "From": from_,
        "FromCountry": _country(from_),
        "To": to,
        "ToCountry": _country(to),
    }
    if speech is not None:
        params["SpeechResult"] = speech
        params["Confidence"] = f"{0.9 if confidence is None else confidence:.8f}"
    if digits is not None:
        params["Digits"] = digits
    params.update(extra)
    return params


def recording_params(*, call: Mapping[str, str], seconds: int = 12, account_sid: str | None = None,
                     recording_sid: str | None = None, recording_url: str | None = None) -> dict[str, str]:
    """What Twilio posts to a <Record> action once the caller has left a message on `call` (at `recording_url`,
    by default Twilio's own address of it)."""
    recording_sid = recording_sid or _new_sid("RE")
    sid = account_sid or call.get("AccountSid", DEFAULT_ACCOUNT_SID)
    return {
        **call,
        "CallStatus": "in-progress",
        "RecordingSid": recording_sid,
        "RecordingUrl": recording_url or f"https://api.twilio.com/{API_VERSION}/Accounts/{sid}/Recordings/{recording_sid}",
        "RecordingDuration": str(seconds),
        "Digits": "#",
    }


def call_status_params(*, call: Mapping[str, str], status: str = "completed", duration: int = 42) -> dict[str, str]:
    """What Twilio posts to a call's status callback when it ends."""
    params = {key: value for key, value in call.items() if key not in ("SpeechResult", "Confidence", "Digits")}
    return {**params, "CallStatus": status, "CallDuration": str(duration), "Duration": str(max(1, duration // 60))}


def sign_and_post(
    url: str, params: Mapping[str, str], auth_token: str, public_url: str | None = None
) -> requests.Response:
    """POST form-encoded params to url as Twilio does, signed over `public_url or url`."""
    # Twilio signs the URL it was configured with, which behind a proxy is not the one we connect to.
    signature = RequestValidator(auth_token).compute_signature(public_url or url, params)
    headers = {
        "X-Twilio-Signature": signature,
        "I-Twilio-Idempotency-Token": str(uuid.uuid4()),
        "User-Agent": "TwilioProxy/1.1",
    }
    return requests.post(url, data=dict(params), headers=headers, timeout=WEBHOOK_TIMEOUT_SECONDS)


KEYS = re.compile(r"[0-9*#]+")  # a move made on the keypad
SPOKEN_SECONDS_PER_WORD = 0.4  # how long a message said takes, for its RecordingDuration


@dataclasses.dataclass(frozen=True)
class CallStep:
    """What a caller hears after one move, and where Twilio would go next."""

    call_sid: str
    says: list[str]
    gather: str | None  # where keys or speech go
    redirect: str | None  # where silence goes
    ended: bool
    record: str | None = None  # a message is being recorded: where the recording goes
    if_silent: list[str] = dataclasses.field(default_factory=list)  # heard, then the call ends, if nothing is recorded


def call_step(base_url: str, *, caller: str, to: str, auth_token: str, account_sid: str = DEFAULT_ACCOUNT_SID,
              call_sid: str | None = None, gather: str | None = None, redirect: str | None = None,
              entry: str | None = None, record: str | None = None, if_silent: Sequence[str] = (),
              recordings: str | None = None, public_url: str | None = None) -> CallStep:
    """One request of a call as Twilio's phone side makes it to the voice webhook under `base_url`: the ring
    (no `call_sid`), keys ("1", "48273918#"), words said, or silence (""); the answer's TwiML read back as a
    caller hears it.

    At a <Record> (`record`), words said are the message: kept by the stand-in at `recordings` (its URL) when
    given, their RecordingUrl posted to the Record's action; silence or a key records nothing, and the caller
    hears what follows the <Record> (`if_silent`) before the line hangs up, as on Twilio. Requests are signed
    over `public_url` (the gateway's GUICHET_PUBLIC_URL) when it differs from `base_url`.
    """
    path: str | None = "/webhooks/twilio/voice"
    if call_sid is None:
        params = inbound_call_params(from_=caller, to=to, account_sid=account_sid)
    else:
        params = inbound_call_params(from_=caller, to=to, call_sid=call_sid, call_status="in-progress",
                                     account_sid=account_sid)
        move = (entry or "").strip()
        if record is not None:
            if not move or KEYS.fullmatch(move):
                return CallStep(call_sid, list(if_silent), None, None, ended=True)
            path, params = record, _recorded(params, move, recordings=recordings, account_sid=account_sid)
        elif not move:
            path = redirect
        elif KEYS.fullmatch(move):
            # The Gather's finishOnKey (#) ends the keys; Twilio does not pass it on.
            path, params = gather, {**params, "Digits": move[:-1] if len(move) > 1 and move.endswith("#") else move}
        else:
            path, params = gather, {**params, "SpeechResult": move, "Confidence": "0.92"}
    if path is None:
        raise ValueError("the line said nothing more: the call is over")
    response = sign_and_post(base_url + path, params, auth_token, (public_url or base_url) + path)
    response.raise_for_status()
    says: list[str] = []
    heard = says  # where the next <Say> goes: after a <Record>, it is heard only if nothing was recorded
    unrecorded: list[str] = []
    next_gather: str | None = None
    next_redirect: str | None = None
    next_record: str | None = None
    for verb in ElementTree.fromstring(response.text):
        heard.extend(say.text or "" for say in ([verb] if verb.tag == "Say" else verb.iter("Say")))
        if verb.tag == "Gather":
            next_gather = verb.attrib["action"]
        elif verb.tag == "Record":
            next_record, heard = verb.attrib["action"], unrecorded
        elif verb.tag == "Redirect":
            next_redirect = verb.text
        elif verb.tag == "Dial":
            says.append(f"(la ligne appelle le {verb.text})")
    return CallStep(params["CallSid"], says, next_gather, next_redirect,
                    ended=next_gather is None and next_redirect is None and next_record is None,
                    record=next_record, if_silent=unrecorded)


def _recorded(call: Mapping[str, str], words: str, *, recordings: str | None, account_sid: str) -> dict[str, str]:
    """The Record action's parameters for a message of `words`, kept at the stand-in `recordings` if given."""
    seconds = max(1, round(len(words.split()) * SPOKEN_SECONDS_PER_WORD))
    if recordings is None:
        return recording_params(call=call, seconds=seconds, account_sid=account_sid)
    response = requests.post(f"{recordings}/_standin/recordings", data={"words": words, "account_sid": account_sid},
                             timeout=WEBHOOK_TIMEOUT_SECONDS)
    response.raise_for_status()
    kept = response.json()
    return recording_params(call=call, seconds=seconds, account_sid=account_sid, recording_sid=kept["sid"],
                            recording_url=kept["url"])


def hang_up(base_url: str, *, caller: str, to: str, auth_token: str, call_sid: str,
            account_sid: str = DEFAULT_ACCOUNT_SID, status: str = "completed",
            public_url: str | None = None) -> requests.Response:
    """The end of a call as Twilio tells the voice webhook under `base_url`: its status callback."""
    call = inbound_call_params(from_=caller, to=to, call_sid=call_sid, account_sid=account_sid)
    path = "/webhooks/twilio/voice/status"
    return sign_and_post(base_url + path, call_status_params(call=call, status=status), auth_token,
                         (public_url or base_url) + path)


def _date_span(value: str) -> tuple[datetime, datetime]:
    """Read a DateSent value as the first and last second it covers: a GMT day or one instant."""
    # Twilio documents days ("YYYY-MM-DD"); twilio-python sends datetimes as "YYYY-MM-DDThh:mm:ssZ".
    if "T" in value:
        moment = datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        return moment, moment
    day = datetime.combine(date.fromisoformat(value), dt_time.min, tzinfo=UTC)
    return day, day + timedelta(days=1, seconds=-1)


def _sent_within(sent: datetime, operator: str, span: tuple[datetime, datetime]) -> bool:
    """Apply one DateSent filter ("" on, ">" on or after, "<" on or before) to a date_sent."""
    first, last = span
    return (operator == "<" or sent >= first) and (operator == ">" or sent <= last)


class TwilioStandin(LocalServer):
    """A local Twilio Messages API on 127.0.0.1, with switches to make it fail, lag or call back."""

    name = "Twilio stand-in"
    _outage: tuple[float, TwilioError] | None  # (monotonic deadline, the error answered until then)

    def __init__(
        self,
        account_sid: str = DEFAULT_ACCOUNT_SID,
        auth_token: str = DEFAULT_AUTH_TOKEN,
        port: int = 0,
        host: str = "127.0.0.1",
    ) -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        super().__init__(host, port)
        self._condition = threading.Condition()
        self.app = self._build_app()
        self.reset()

    # Inspection and switches

    @property
    def messages(self) -> list[dict[str, Any]]:
        """Every message accepted so far, oldest first (copies)."""
        with self._condition:
            return copy.deepcopy(self._messages)

    def texts_to(self, number: str, channel: str = "sms") -> list[str]:
        """What a resident at `number` has read so far on "sms" or "whatsapp", oldest first; a WhatsApp
        template shows as its ContentSid and variables."""
        to = f"whatsapp:{number}" if channel == "whatsapp" else number
        return [m["body"] or f"[modèle {m['content_sid']}] {m['content_variables']}"
                for m in self.messages if m["to"] == to]

    @property
    def calls(self) -> list[dict[str, Any]]:
        """Every outbound call placed so far through Calls.json, oldest first (copies)."""
        with self._condition:
            return copy.deepcopy(self._calls)

    @property
    def requests_received(self) -> int:
        """Number of POSTs to Messages.json, refused ones included."""
        with self._condition:
            return self._requests_received

    def wait_for(self, n: int, timeout: float = 5.0) -> list[dict[str, Any]]:
        """Block until at least n messages were accepted and return them all."""
        with self._condition:
            if not self._condition.wait_for(lambda: len(self._messages) >= n, timeout=timeout):
                arrived = [(m["sid"], m["to"], m["body"][:40]) for m in self._messages]
                raise AssertionError(f"Expected {n} message(s) within {timeout} s, got {arrived}")
            return copy.deepcopy(self._messages)

    def fail_next(
        self, count: int, status: int = 500, code: int | None = None, message: str | None = None
    ) -> None:
        """Answer the next `count` sends with this Twilio error."""
        with self._condition:
            self._refusals.extend([_error_for_status(status, code, message)] * count)

    def fail_until(self, monotonic_deadline: float, status: int = 500) -> None:
        """Answer every send with this error until time.monotonic() reaches the deadline."""
        with self._condition:
            self._outage = (monotonic_deadline, _error_for_status(status))

    def delay(self, seconds: float) -> None:
        """Hold each send that long before answering; the message is recorded first."""
        with self._condition:
            self._delay = seconds

    def opt_out(self, number: str) -> None:
        """Make later sends to this number fail with 21610, as after the resident texted STOP."""
        with self._condition:
            self._opted_out.add(number)

    def callbacks(self, enabled: bool = True, delivered: bool = True) -> None:
        """After accepting a message, POST signed status callbacks "sent" and, if delivered, "delivered"."""
        with self._condition:
            self._callbacks = enabled
            self._callbacks_delivered = delivered

    def reset(self) -> None:
        """Forget every message and switch off failures, delays, opt-outs and callbacks."""
        with self._condition:
            self._messages: list[dict[str, Any]] = []
            self._calls: list[dict[str, Any]] = []
            self._requests_received = 0
            self._refusals: deque[TwilioError] = deque()
            self._outage = None
            self._delay = 0.0
            self._opted_out: set[str] = set()
            self._callbacks = False
            self._callbacks_delivered = True
            self._media: dict[str, tuple[bytes | Callable[[], Iterable[bytes]], str]] = {}
            self._recordings: dict[str, str] = {}

    def add_media(self, data: bytes | Callable[[], Iterable[bytes]], content_type: str = "image/jpeg") -> str:
        """Hold a resident's photo as Twilio does and return its MediaUrl for an inbound webhook; `data` may be
        a function giving chunks, streamed without a Content-Length (a body of any size, never held whole)."""
        message_sid, media_sid = _new_sid("MM"), _new_sid("ME")
        with self._condition:
            self._media[media_sid] = (data, content_type)
        return f"{self.url}/{API_VERSION}/Accounts/{self.account_sid}/Messages/{message_sid}/Media/{media_sid}"

    def add_recording(self, words: str, account_sid: str | None = None) -> tuple[str, str]:
        """Keep a voicemail, its words standing for the audio; its RecordingSid and RecordingUrl."""
        sid = _new_sid("RE")
        with self._condition:
            self._recordings[sid] = words
        return sid, f"{self.url}/{API_VERSION}/Accounts/{account_sid or self.account_sid}/Recordings/{sid}"

    @property
    def recordings(self) -> dict[str, str]:
        """The voicemails kept so far: RecordingSid -> the words said."""
        with self._condition:
            return dict(self._recordings)

    # HTTP side

    def _build_app(self) -> Flask:
        """Create the Flask app with Twilio's routes and the inspection routes."""
        app = Flask(__name__)
        prefix = f"/{API_VERSION}/Accounts/<account_sid>"
        app.add_url_rule(f"{prefix}/Messages.json", view_func=self._create_message, methods=["POST"])
        app.add_url_rule(f"{prefix}/Messages.json", view_func=self._list_messages, methods=["GET"])
        app.add_url_rule(f"{prefix}/Messages/<sid>.json", view_func=self._fetch_message, methods=["GET"])
        app.add_url_rule(f"{prefix}/Messages/<message_sid>/Media/<media_sid>", view_func=self._fetch_media,
                         methods=["GET"])
        app.add_url_rule(f"{prefix}/Calls.json", view_func=self._create_call, methods=["POST"])
        app.add_url_rule(f"{prefix}/Recordings/<recording_sid>", view_func=self._fetch_recording, methods=["GET"])
        app.add_url_rule("/_standin/recordings", view_func=self._keep_recording, methods=["POST"])
        app.add_url_rule("/_standin/calls", view_func=self._inspect_calls, methods=["GET"])
        app.add_url_rule("/_standin/cdn/<media_sid>", view_func=self._cdn, methods=["GET"])
        app.add_url_rule("/_standin/messages", view_func=self._inspect_messages, methods=["GET"])
        app.add_url_rule("/_standin/reset", view_func=self._reset_route, methods=["POST"])
        app.register_error_handler(404, lambda _err: self._error(self._not_found(request.path)))
        return app

    @staticmethod
    def _error(error: TwilioError) -> tuple[Response, int]:
        """Render Twilio's legacy error body, which twilio-python turns into TwilioRestException."""
        body = {
            "code": error.code,
            "message": error.message,
            "more_info": f"https://www.twilio.com/docs/errors/{error.code}",
            "status": error.status,
        }
        return jsonify(body), error.status

    @staticmethod
    def _not_found(path: str) -> TwilioError:
        """The 20404 error for a path or resource that does not exist."""
        return TwilioError(404, 20404, f"The requested resource {path} was not found")

    def _fetch_media(self, account_sid: str, message_sid: str, media_sid: str) -> Response | tuple[Response, int]:
        """A MediaUrl: it asks for the account's credentials, then redirects to the media CDN as Twilio does."""
        refused = self._refuse_access(account_sid)
        if refused is not None:
            return refused
        if media_sid not in self._media:
            return self._error(self._not_found(request.path))
        return Response(status=307, headers={"Location": f"{self.url}/_standin/cdn/{media_sid}"})

    def _cdn(self, media_sid: str) -> Response | tuple[Response, int]:
        """The CDN behind a MediaUrl: the bytes, no credentials asked."""
        with self._condition:
            found = self._media.get(media_sid)
        if found is None:
            return self._error(self._not_found(request.path))
        body, content_type = found
        return Response(body() if callable(body) else body, mimetype=content_type)

    def _refuse_access(self, account_sid: str) -> tuple[Response, int] | None:
        """Check basic auth and the account in the path; give the error answer if they fail."""
        auth = request.authorization
        if (
            auth is None
            or not hmac.compare_digest(auth.username or "", self.account_sid)
            or not hmac.compare_digest(auth.password or "", self.auth_token)
        ):
            response, status = self._error(TwilioError(401, 20003, "Authenticate"))
            response.headers["WWW-Authenticate"] = 'Basic realm="Twilio API"'
            return response, status
        if account_sid != self.account_sid:
            return self._error(self._not_found(request.path))
        return None

    def _injected_failure(self) -> TwilioError | None:
        """Take the next error queued by fail_next or fail_until, if any."""
        if self._refusals:
            return self._refusals.popleft()
        if self._outage is not None:
            deadline, error = self._outage
            if time.monotonic() < deadline:
                return error
            self._outage = None
        return None

    def _validation_error(self, form: Mapping[str, str], media_urls: list[str]) -> TwilioError | None:
        """Check a send the way Twilio does, in Twilio's order."""
        to = form.get("To", "")
        body = form.get("Body", "")
        if not to:
            return TwilioError(400, 21604, "A 'To' phone number is required.")
        if not E164.match(to):
            return TwilioError(400, 21211, f"The 'To' number {to} is not a valid phone number.")
        if not form.get("From") and not form.get("MessagingServiceSid"):
            return TwilioError(400, 21603, "A 'From' phone number is required.")
        if not body and not media_urls and not form.get("ContentSid"):
            return TwilioError(400, 21602, "Message body is required.")
        if len(body) > MAX_BODY_CHARS:
            return TwilioError(400, 21617, "The concatenated message body exceeds the 1600 character limit.")
        if len(media_urls) > MAX_MEDIA_URLS:
            return TwilioError(400, 21623, "Number of media files exceeds allowed limit.")
        if to in self._opted_out:
            return TwilioError(400, 21610, "Attempt to send to unsubscribed recipient")
        return None

    def _create_message(self, account_sid: str) -> tuple[Response, int]:
        """POST Messages.json: accept or refuse a send, then hold the answer if a delay is set."""
        with self._condition:
            self._requests_received += 1
            delay = self._delay
        answer = self._refuse_access(account_sid) or self._accept_send()
        # Held after recording, so a client killed mid-request leaves a message Twilio did accept.
        if delay:
            time.sleep(delay)
        return answer

    def _accept_send(self) -> tuple[Response, int]:
        """Record the posted message and answer 201, or answer the error Twilio would give."""
        form = request.form
        media_urls = form.getlist("MediaUrl")
        with self._condition:
            error = self._injected_failure() or self._validation_error(form, media_urls)
            if error is not None:
                return self._error(error)
        # Twilio fetches each MediaUrl from the public Internet before sending it on; so does the stand-in,
        # outside its lock, and records what it got for tests to check.
        fetched = [_fetch_media_url(url) for url in media_urls]
        with self._condition:
            record = self._record(form, media_urls)
            self._messages[-1]["media_fetched"] = fetched
            record["media_fetched"] = copy.deepcopy(fetched)
            self._condition.notify_all()
            callbacks, delivered = self._callbacks, self._callbacks_delivered
        logger.debug("Accepted %s", record["sid"])
        if callbacks:
            threading.Thread(target=self._run_callbacks, args=(record["sid"], delivered), daemon=True).start()
        return jsonify(self._resource(record)), 201

    def _record(self, form: Mapping[str, str], media_urls: list[str]) -> dict[str, Any]:
        """Store an accepted message; the caller holds the lock."""
        now = _now()
        body = form.get("Body", "")
        service_sid = form.get("MessagingServiceSid") or None
        sender = form.get("From") or None
        # Through a Messaging Service without From, Twilio answers "accepted", picks the sender
        # later and reports num_segments "0" until then.
        status = "queued" if sender else "accepted"
        record: dict[str, Any] = {
            # Twilio gives messages carrying media an MM sid, plain SMS an SM sid.
            "sid": _new_sid("MM" if media_urls else "SM"),
            "account_sid": self.account_sid,
            "to": form["To"],
            "from": sender,
            "body": body,
            "status": status,
            "num_segments": str(segments(body)) if sender else "0",
            "num_media": str(len(media_urls)),
            "media_url": media_urls,
            "status_callback": form.get("StatusCallback") or None,
            "content_sid": form.get("ContentSid") or None,
            "content_variables": form.get("ContentVariables") or None,
            "messaging_service_sid": service_sid,
            "date_created": _rfc2822(now),
            "date_updated": _rfc2822(now),
            # Real Twilio leaves date_sent null until the carrier takes the message; the stand-in
            # hands it over at once, so DateSent filters find it right away.
            "date_sent": _rfc2822(now),
            # Not Twilio's: when the stand-in took it, to the microsecond (bench/pipeline_bench.py times each
            # resident's answer with it); never in the resources the API answers.
            "received_at": time.time(),
        }
        self._messages.append(record)
        return copy.deepcopy(record)

    def _resource(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """Render a stored message as Twilio's Message resource JSON."""
        uri = f"/{API_VERSION}/Accounts/{self.account_sid}/Messages/{record['sid']}"
        return {
            "account_sid": record["account_sid"],
            "api_version": API_VERSION,
            "body": record["body"],
            "date_created": record["date_created"],
            "date_sent": record["date_sent"],
            "date_updated": record["date_updated"],
            "direction": "outbound-api",
            "error_code": None,
            "error_message": None,
            "from": record["from"],
            "messaging_service_sid": record["messaging_service_sid"],
            "num_media": record["num_media"],
            "num_segments": record["num_segments"],
            "price": None,
            "price_unit": "USD",
            "sid": record["sid"],
            "status": record["status"],
            "subresource_uris": {"media": f"{uri}/Media.json", "feedback": f"{uri}/Feedback.json"},
            "to": record["to"],
            "uri": f"{uri}.json",
        }

    def _create_call(self, account_sid: str) -> tuple[Response, int]:
        """POST Calls.json: record an outbound call with its TwiML or Url; it is not dialled."""
        refused = self._refuse_access(account_sid)
        if refused is not None:
            return refused
        form = request.form
        to, sender = form.get("To", ""), form.get("From", "")
        with self._condition:
            error = self._injected_failure()
            if error is None and not to:
                error = TwilioError(400, 21201, "No 'To' number is specified")
            elif error is None and not E164.match(to):
                error = TwilioError(400, 21211, f"The 'To' number {to} is not a valid phone number.")
            elif error is None and not sender:
                error = TwilioError(400, 21213, "No 'From' number is specified")
            elif error is None and not (form.get("Twiml") or form.get("Url") or form.get("ApplicationSid")):
                error = TwilioError(400, 21205, "Url parameter is required.")
            if error is not None:
                return self._error(error)
            now = _now()
            record = {
                "sid": _new_sid("CA"),
                "account_sid": self.account_sid,
                "to": to,
                "from": sender,
                "twiml": form.get("Twiml") or None,
                "url": form.get("Url") or None,
                "status": "queued",
                "status_callback": form.get("StatusCallback") or None,
                "date_created": _rfc2822(now),
                "date_updated": _rfc2822(now),
            }
            self._calls.append(record)
            self._condition.notify_all()
        uri = f"/{API_VERSION}/Accounts/{self.account_sid}/Calls/{record['sid']}"
        resource = {
            "account_sid": self.account_sid,
            "api_version": API_VERSION,
            "date_created": record["date_created"],
            "date_updated": record["date_updated"],
            "direction": "outbound-api",
            "from": sender,
            "from_formatted": sender,
            "sid": record["sid"],
            "status": "queued",
            "to": to,
            "to_formatted": to,
            "uri": f"{uri}.json",
        }
        return jsonify(resource), 201

    def _keep_recording(self) -> tuple[Response, int]:
        """POST /_standin/recordings (words, account_sid): a message a simulated caller left; its sid and URL."""
        words = request.form.get("words", "")
        if not words.strip():
            return jsonify({"error": "a recording holds words"}), 400
        sid, url = self.add_recording(words, request.form.get("account_sid") or None)
        return jsonify({"sid": sid, "url": url}), 201

    def _fetch_recording(self, account_sid: str, recording_sid: str) -> Response | tuple[Response, int]:
        """A RecordingUrl: the words of the message, as text, where Twilio serves the audio."""
        with self._condition:
            words = self._recordings.get(recording_sid)
        if words is None:
            return self._error(self._not_found(request.path))
        return Response(words, mimetype="text/plain")

    def _inspect_calls(self) -> tuple[Response, int]:
        """GET /_standin/calls: the outbound calls placed, for the demo and manual checks."""
        return jsonify(self.calls), 200

    def _list_messages(self, account_sid: str) -> tuple[Response, int]:
        """GET Messages.json: Twilio's filters (To, From, DateSent, DateSent>, DateSent<) and paging."""
        answer = self._refuse_access(account_sid)
        if answer is not None:
            return answer
        args = request.args
        # The inequality is part of the parameter name: "DateSent>=2024-05-01" is the key "DateSent>".
        try:
            spans = [
                (operator, _date_span(args[f"DateSent{operator}"]))
                for operator in ("", ">", "<")
                if args.get(f"DateSent{operator}")
            ]
            page = int(args.get("Page", 0))
            page_size = min(int(args.get("PageSize", DEFAULT_PAGE_SIZE)), MAX_PAGE_SIZE)
        except ValueError as err:
            return self._error(TwilioError(400, 20001, f"Invalid filter or paging parameter: {err}"))
        if page < 0 or page_size < 1:
            return self._error(TwilioError(400, 20001, "Page must be >= 0 and PageSize >= 1"))
        with self._condition:
            records = copy.deepcopy(self._messages)
        # Twilio lists the most recent messages first.
        matching = [
            record
            for record in reversed(records)
            if args.get("To", record["to"]) == record["to"]
            and args.get("From", record["from"]) == record["from"]
            and all(
                _sent_within(parsedate_to_datetime(record["date_sent"]), operator, span)
                for operator, span in spans
            )
        ]
        start = page * page_size
        shown = matching[start : start + page_size]
        filters = {
            key: args[key] for key in ("To", "From", "DateSent", "DateSent>", "DateSent<") if args.get(key)
        }
        path = f"/{API_VERSION}/Accounts/{self.account_sid}/Messages.json"

        def page_uri(number: int) -> str:
            return f"{path}?{urlencode({**filters, 'PageSize': page_size, 'Page': number})}"

        envelope = {
            "messages": [self._resource(record) for record in shown],
            "page": page,
            "page_size": page_size,
            "start": start,
            "end": start + max(len(shown) - 1, 0),
            "uri": page_uri(page),
            "first_page_uri": page_uri(0),
            "next_page_uri": page_uri(page + 1) if start + page_size < len(matching) else None,
            "previous_page_uri": page_uri(page - 1) if page > 0 else None,
        }
        return jsonify(envelope), 200

    def _fetch_message(self, account_sid: str, sid: str) -> tuple[Response, int]:
        """GET Messages/{Sid}.json."""
        answer = self._refuse_access(account_sid)
        if answer is not None:
            return answer
        with self._condition:
            record = next((copy.deepcopy(m) for m in self._messages if m["sid"] == sid), None)
        if record is None:
            return self._error(self._not_found(request.path))
        return jsonify(self._resource(record)), 200

    def _inspect_messages(self) -> tuple[Response, int]:
        """GET /_standin/messages: the accepted messages, for the demo and manual checks."""
        return jsonify(self.messages), 200

    def _reset_route(self) -> tuple[Response, int]:
        """POST /_standin/reset."""
        self.reset()
        return jsonify({"reset": True}), 200

    # Status callbacks

    def _run_callbacks(self, sid: str, delivered: bool) -> None:
        """Move a message to "sent" then "delivered", posting a signed callback at each step."""
        for status in ("sent", "delivered") if delivered else ("sent",):
            with self._condition:
                record = next((m for m in self._messages if m["sid"] == sid), None)
                if record is None:  # reset() in the meantime
                    return
                record["status"] = status
                record["date_updated"] = _rfc2822(_now())
                snapshot = copy.deepcopy(record)
            if snapshot["status_callback"]:
                self._post_callback(snapshot)

    def _post_callback(self, record: Mapping[str, Any]) -> None:
        """POST one status callback, signed like every Twilio webhook; failures are only logged."""
        params = {
            "SmsSid": record["sid"],
            "SmsStatus": record["status"],
            "MessageStatus": record["status"],
            "To": record["to"],
            "MessageSid": record["sid"],
            "AccountSid": record["account_sid"],
            "From": record["from"] or "",
            "ApiVersion": API_VERSION,
        }
        if record["messaging_service_sid"]:
            params["MessagingServiceSid"] = record["messaging_service_sid"]
        if record["status"] == "delivered":
            # Carrier delivery receipt time, YYMMDDhhmm.
            params["RawDlrDoneDate"] = _now().strftime("%y%m%d%H%M")
        try:
            response = sign_and_post(record["status_callback"], params, self.auth_token)
        except requests.RequestException as err:
            logger.warning("Status callback for %s failed: %s", record["sid"], err)
            return
        # Twilio does not retry a failed status callback; it only logs error 11200.
        if response.status_code >= 400:
            logger.warning("Status callback for %s answered %s", record["sid"], response.status_code)


def main(argv: list[str] | None = None) -> None:
    """Run the stand-in in the foreground: `python -m channels.standins.twilio --port 8089`."""
    parser = argparse.ArgumentParser(description="A local Twilio Messages API for the demo and tests.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8089)
    parser.add_argument("--account-sid", default=DEFAULT_ACCOUNT_SID)
    parser.add_argument("--auth-token", default=DEFAULT_AUTH_TOKEN)
    parser.add_argument(
        "--callbacks", action="store_true", help="post signed status callbacks sent/delivered"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    standin = TwilioStandin(args.account_sid, args.auth_token, port=args.port, host=args.host)
    standin.callbacks(enabled=args.callbacks)
    standin.serve_in_foreground(f"Twilio stand-in (account {args.account_sid})")


if __name__ == "__main__":
    main()
