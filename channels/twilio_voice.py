"""The phone line through Twilio Voice: the voice webhooks in (TwiML answers), outbound calls out.

The IVR (gateway/engine/ivr.py) speaks in provider-neutral terms, a `VoiceReply`: what to say, then what to
wait for (`Ask`, `Record`, `Dial`) or hang up. This adapter turns it into TwiML; nothing else
knows TwiML. Updates to a caller without SMS consent leave as an outbound call reading them.
"""

from __future__ import annotations

import logging
import math
import re
from dataclasses import dataclass, field
from datetime import datetime
from datetime import time as clock
from typing import Any
from zoneinfo import ZoneInfo

import phonenumbers
import requests
from flask import Request
from twilio.base.exceptions import TwilioRestException
from twilio.twiml.voice_response import Gather, VoiceResponse

from channels.base import (
    BadPayload,
    ChannelSettings,
    DeliveryReceipt,
    Media,
    OutboundMessage,
    PermanentSendError,
    RetryableSendError,
    SendResult,
    clean_id,
    clean_payload,
    clean_text,
    whole_number,
)
from channels.twilio_sms import RETRYABLE_CODES, STOPPING_CODES, TwilioAccount

log = logging.getLogger(__name__)

LANGUAGE = "fr-FR"
# Twilio's CallStatus of an outbound call -> our delivery status: an unanswered call did not deliver.
CALL_RECEIPTS = {
    "queued": "wired",
    "initiated": "wired",
    "ringing": "wired",
    "in-progress": "sent",
    "completed": "delivered",
    "busy": "undelivered",
    "no-answer": "undelivered",
    "failed": "failed",
    "canceled": "failed",
}
FINAL_CALL_STATUSES = {"completed", "busy", "no-answer", "failed", "canceled"}
# Regions whose numbers are French (metropolitan and overseas): where a mobile can get our SMS.
FRENCH_REGIONS = {"FR", "RE", "GP", "MQ", "GF", "YT", "PM", "BL", "MF"}
REFERENCE = re.compile(r"\b([A-Z]{2,4})-(\d{4})-(\d{4})\b")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
JOURS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")


# -- what the IVR says and waits for (provider-neutral) ------------------------------------------


@dataclass(frozen=True)
class Ask:
    """Say `prompt` and wait for speech or keys; `action` gets the answer, `silence` the no-input."""

    prompt: str
    action: str
    silence: str
    digits: int | None = 1  # keys to wait for (None: until # or the timeout)
    hints: tuple[str, ...] = ()  # phrases that help speech recognition


@dataclass(frozen=True)
class Record:
    """Say `prompt`, then record a message; `action` gets the recording, `empty` is said if none came."""

    prompt: str
    action: str
    empty: str
    max_seconds: int = 120


@dataclass(frozen=True)
class Dial:
    """Put the caller through to `number`; `action` hears how the call went."""

    number: str
    action: str
    caller_id: str | None = None
    timeout: int = 20


@dataclass(frozen=True)
class VoiceReply:
    """One answer on the phone: sentences to say, then one thing to wait for, or hang up."""

    say: tuple[str, ...] = ()
    then: Ask | Record | Dial | None = None  # None: hang up after speaking


@dataclass(frozen=True)
class CallRequest:
    """One voice webhook request, normalised: the call, and what the caller said or typed."""

    call_sid: str
    caller: str
    called: str
    status: str
    direction: str = "inbound"
    speech: str = ""
    confidence: float | None = None
    digits: str = ""
    recording_url: str | None = None
    recording_sid: str | None = None
    recording_seconds: int = 0
    dial_status: str | None = None
    raw: dict[str, Any] = field(default_factory=dict)

    @property
    def heard(self) -> bool:
        """Whether the caller gave any input in this request."""
        return bool(self.speech.strip() or self.digits.strip())


# -- office hours ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OfficeHours:
    """When a person answers the phone: ISO weekdays and time ranges, in the town's time zone."""

    days: frozenset[int]  # 0 = Monday
    ranges: tuple[tuple[clock, clock], ...]
    zone: str = "Europe/Paris"

    @classmethod
    def parse(cls, text: str, zone: str = "Europe/Paris") -> OfficeHours:
        """Read `mon-fri 09:00-12:00,13:30-17:00` (days as mon..sun, a range or a comma list)."""
        try:
            days_part, hours_part = text.strip().split(None, 1)
            days: set[int] = set()
            for chunk in days_part.lower().split(","):
                first, _, last = chunk.partition("-")
                start, end = WEEKDAYS.index(first), WEEKDAYS.index(last or first)
                days.update(range(start, end + 1))
            ranges = tuple(
                tuple(clock.fromisoformat(part.strip()) for part in span.split("-"))
                for span in hours_part.split(",")
            )
        except ValueError as err:
            raise ValueError(f"GUICHET_OFFICE_HOURS={text!r} is not like 'mon-fri 09:00-12:00,13:30-17:00'") from err
        return cls(frozenset(days), ranges, zone)  # type: ignore[arg-type]

    def is_open(self, now: datetime) -> bool:
        """Whether a person answers at `now` (an aware datetime)."""
        local = now.astimezone(ZoneInfo(self.zone))
        return local.weekday() in self.days and any(start <= local.time() < end for start, end in self.ranges)

    def spoken(self) -> str:
        """The opening hours in words: "du lundi au vendredi, de 9 h à 12 h et de 13 h 30 à 17 h"."""
        days = sorted(self.days)
        if len(days) > 1 and days == list(range(days[0], days[-1] + 1)):
            when = f"du {JOURS[days[0]]} au {JOURS[days[-1]]}"
        else:
            when = "le " + ", ".join(JOURS[d] for d in days)
        hours = " et ".join(f"de {_spoken_time(start)} à {_spoken_time(end)}" for start, end in self.ranges)
        return f"{when}, {hours}"


def _spoken_time(moment: clock) -> str:
    return f"{moment.hour} h" + (f" {moment.minute}" if moment.minute else "")


# -- numbers and references -----------------------------------------------------------------------


def is_french_mobile(number: str) -> bool:
    """Whether `number` (E.164) is a French mobile, which can receive our SMS (a landline gets 21614)."""
    try:
        parsed = phonenumbers.parse(number, "FR")
    except phonenumbers.NumberParseException:
        return False
    return (
        phonenumbers.is_valid_number(parsed)
        and phonenumbers.region_code_for_number(parsed) in FRENCH_REGIONS
        and phonenumbers.number_type(parsed) in (phonenumbers.PhoneNumberType.MOBILE,
                                                 phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)
    )


def is_reachable(number: str) -> bool:
    """Whether the caller's number is a real one (not withheld: "anonymous", "+266696687", "")."""
    try:
        return phonenumbers.is_valid_number(phonenumbers.parse(number, "FR"))
    except phonenumbers.NumberParseException:
        return False


def spell_reference(reference: str) -> str:
    """A reference as it is read aloud, sign by sign: "GU-4827-3918" -> "G U, 4 8 2 7, 3 9 1 8"."""
    return ", ".join(" ".join(group) for group in reference.split("-"))


def spoken_text(text: str) -> str:
    """A written message made for the ear: references spelled out instead of read as numbers."""
    return REFERENCE.sub(lambda match: spell_reference(match.group(0)), text)


# -- the adapter ------------------------------------------------------------------------------------


class TwilioVoice(TwilioAccount):
    """The voice channel adapter."""

    name = "voice"

    def __init__(self, *, account_sid: str, auth_token: str, api_url: str, public_url: str, sender: str,
                 operator: str | None = None, office_hours: OfficeHours | None = None,
                 voice: str | None = None, update_call: tuple[str, ...] = (), speech_confidence: float = 0.6):
        super().__init__(account_sid=account_sid, auth_token=auth_token, api_url=api_url, public_url=public_url,
                         sender=sender)
        self.operator = operator or None
        self.office_hours = office_hours
        self.voice = voice or None
        # Speech Twilio heard with a Confidence below this (0..1) is read back to the caller before it counts.
        self.speech_confidence = speech_confidence
        # Greeting, before the repeat, goodbye: the gateway's words (its templates) when it gives them.
        self.update_call = update_call or ("Bonjour, ici la mairie, au sujet de votre signalement.", "Je répète.",
                                           "Au revoir.")

    @classmethod
    def from_settings(cls, settings: ChannelSettings) -> TwilioVoice:
        """The adapter from the gateway's settings."""
        hours = settings.office_hours
        return cls(
            account_sid=settings.twilio_account_sid,
            auth_token=settings.twilio_auth_token,
            api_url=settings.twilio_api_url,
            public_url=settings.public_url,
            sender=settings.twilio_voice_from or settings.twilio_sms_from,
            operator=settings.operator_number or None,
            office_hours=OfficeHours.parse(hours, settings.timezone) if hours.strip().lower() != "off" else None,
            voice=settings.voice,
            update_call=settings.update_call,
            speech_confidence=settings.speech_confidence,
        )

    # -- in ------------------------------------------------------------------------------------

    def parse(self, request: Request) -> CallRequest:
        """A voice webhook's form as one call request (incoming call, Gather/Record/Dial action, status)."""
        form = request.form
        sid = form.get("CallSid", "")
        # Mailroom's rule: the caller is `Caller`, else `From` (they differ on forwarded calls).
        caller = form.get("Caller") or form.get("From", "")
        if not sid:
            raise BadPayload("a Twilio voice webhook carries a CallSid")
        return CallRequest(
            call_sid=clean_id(sid, "CallSid"),
            caller=clean_id(caller, "Caller"),
            called=clean_id(form.get("Called") or form.get("To", ""), "Called"),
            status=clean_id(form.get("CallStatus", ""), "CallStatus"),
            direction=clean_id(form.get("Direction", "inbound"), "Direction"),
            speech=clean_text(form.get("SpeechResult", "")),
            confidence=_float(form.get("Confidence")),
            digits=clean_text(form.get("Digits", "")).strip(),
            recording_url=clean_id(form.get("RecordingUrl") or "", "RecordingUrl") or None,
            recording_sid=clean_id(form.get("RecordingSid") or "", "RecordingSid") or None,
            recording_seconds=int(min(_float(form.get("RecordingDuration")) or 0, 86_400)),
            dial_status=clean_id(form.get("DialCallStatus") or "", "DialCallStatus") or None,
            raw=clean_payload(form.to_dict()),
        )

    def receipt(self, request: Request) -> DeliveryReceipt | None:
        """An outbound call's status callback as a delivery receipt (our outbox id rides in the URL)."""
        status = CALL_RECEIPTS.get(request.form.get("CallStatus", ""))
        outbound = request.args.get("out", "")
        outbound_id = whole_number(outbound)
        if status is None or outbound_id is None:
            return None
        return DeliveryReceipt(provider_id=clean_id(request.form.get("CallSid", ""), "CallSid"), status=status,
                               error_code=clean_id(request.form.get("ErrorCode") or "", "ErrorCode") or None,
                               outbound_id=outbound_id)

    # -- TwiML -----------------------------------------------------------------------------------

    def render(self, reply: VoiceReply) -> str:
        """The TwiML of a reply; after every Gather a Redirect, so silence comes back to us."""
        response = VoiceResponse()
        for sentence in reply.say:
            response.say(sentence, **self._voice())
        step = reply.then
        if isinstance(step, Ask):
            gather = Gather(input="speech dtmf", action=step.action, method="POST", language=LANGUAGE,
                            timeout=6, speech_timeout=2, num_digits=step.digits,
                            hints=", ".join(step.hints) or None)
            gather.say(step.prompt, **self._voice())
            response.append(gather)
            response.redirect(step.silence, method="POST")
        elif isinstance(step, Record):
            response.say(step.prompt, **self._voice())
            # An empty recording does not call `action`: Twilio goes on to the next verb.
            response.record(action=step.action, method="POST", max_length=step.max_seconds, timeout=6,
                            finish_on_key="#", play_beep=True, trim="trim-silence")
            response.say(step.empty, **self._voice())
            response.hangup()
        elif isinstance(step, Dial):
            response.dial(step.number, action=step.action, method="POST", timeout=step.timeout,
                          caller_id=step.caller_id)
        else:
            response.hangup()
        return str(response)

    def _voice(self) -> dict:
        return {"language": LANGUAGE, **({"voice": self.voice} if self.voice else {})}

    # -- out -------------------------------------------------------------------------------------

    def send(self, message: OutboundMessage) -> SendResult:
        """Call the resident and read the message to them, twice; the call's sid is the provider id."""
        text = spoken_text(message.body)
        greeting, repeat, goodbye = self.update_call
        reply = VoiceReply(say=(greeting, text, repeat, text, goodbye))
        try:
            call = self.client.calls.create(
                to=message.to,
                from_=message.from_ or self.sender,
                twiml=self.render(reply),
                status_callback=f"{self.public_url}/webhooks/twilio/voice/status?out={message.id}",
            )
        except TwilioRestException as err:
            code = err.code if isinstance(err.code, int) else None
            text = f"Twilio {err.status} error {code}"
            if err.status >= 500 or err.status == 429 or code in RETRYABLE_CODES:
                raise RetryableSendError(text, code=str(code) if code else None) from err
            raise PermanentSendError(text, code=str(code) if code else None,
                                     stops_identity=code in STOPPING_CODES) from err
        except requests.RequestException as err:
            raise RetryableSendError(f"Twilio unreachable: {type(err).__name__}") from err
        log.info("update call placed", extra={"channel": self.name, "outbound": message.id})
        return SendResult(provider_id=call.sid, status="wired")

    def fetch_media(self, media: Media) -> Media:
        """Calls carry no photos: the media as it is."""
        return media

    def find_sent(self, message: OutboundMessage, since: datetime) -> str | None:
        """A call cut off mid-send is placed again: a second call is better than a missed update."""
        return None


def _float(value: str | None) -> float | None:
    """A number Twilio writes as text; None for anything else, NaN and infinities included."""
    try:
        number = float(value) if value not in (None, "") else None
    except ValueError:
        return None
    return number if number is not None and math.isfinite(number) else None
