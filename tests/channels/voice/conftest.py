"""A phone to call the gateway as Twilio would: signed voice webhooks built from the fixtures, TwiML heard back."""

from __future__ import annotations

import dataclasses
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl

import pytest

from channels.twilio_voice import TwilioVoice

FIXTURES = Path(__file__).parent / "fixtures"
MOBILE = "+33612345678"
LANDLINE = "+33247123456"


def fixture(name: str) -> dict[str, str]:
    """One Twilio voice request, as Twilio form-encodes it."""
    return dict(parse_qsl((FIXTURES / f"{name}.txt").read_text().strip(), keep_blank_values=True))


@dataclass
class Heard:
    """What the caller hears from one TwiML answer, and where Twilio goes next."""

    status: int
    says: list[str] = field(default_factory=list)
    gather: dict | None = None  # the Gather's attributes
    redirect: str | None = None
    record: str | None = None  # the Record's action
    dial: str | None = None
    hangup: bool = False
    twiml: str = ""

    @property
    def text(self) -> str:
        return " ".join(self.says)


def hear(response) -> Heard:
    heard = Heard(status=response.status_code, twiml=response.text)
    assert response.headers["Content-Type"].startswith("text/xml"), response.text
    root = ET.fromstring(response.text)
    assert root.tag == "Response"
    for verb in root:
        if verb.tag == "Say":
            heard.says.append(verb.text or "")
        elif verb.tag == "Gather":
            heard.gather = dict(verb.attrib)
            heard.says.extend(say.text or "" for say in verb.iter("Say"))
        elif verb.tag == "Redirect":
            heard.redirect = verb.text
        elif verb.tag == "Record":
            heard.record = verb.attrib["action"]
        elif verb.tag == "Dial":
            heard.dial = verb.text
            heard.gather = None
        elif verb.tag == "Hangup":
            heard.hangup = True
    return heard


class Phone:
    """One call to the phone line: dial, speak, press keys, stay silent, leave a message, hang up."""

    def __init__(self, gateway, caller: str = MOBILE):
        self.gateway = gateway
        self.call = {**fixture("incoming_call"), "CallSid": "CA" + uuid.uuid4().hex, "From": caller, "Caller": caller}
        self.last: Heard | None = None

    def _post(self, path: str, params: dict, **kwargs) -> Heard:
        response = self.gateway.post_signed(path, params, **kwargs)
        if response.status_code != 200:
            return Heard(status=response.status_code, twiml=response.text)
        self.last = hear(response)
        return self.last

    def _in_call(self, name: str, **values) -> dict:
        params = {**fixture(name), **{k: v for k, v in self.call.items() if k in ("CallSid", "From", "Caller")}}
        params.update(values)
        return params

    def dial(self, **kwargs) -> Heard:
        return self._post("/webhooks/twilio/voice", self.call, **kwargs)

    def say(self, speech: str, *, confidence: float | None = None) -> Heard:
        """Speak; `confidence` is how sure Twilio's recognition is of what it heard (the fixture's 0.91 if None)."""
        values = {"SpeechResult": speech} | ({"Confidence": f"{confidence:.8f}"} if confidence is not None else {})
        return self._post(self.last.gather["action"], self._in_call("gather_speech", **values))

    def press(self, digits: str, *, at: str | None = None) -> Heard:
        return self._post(at or self.last.gather["action"], self._in_call("gather_digits", Digits=digits))

    def silence(self) -> Heard:
        return self._post(self.last.redirect, self._in_call("redirect_silence"))

    def leave_message(self, *, at: str | None = None, recording: str | None = None) -> Heard:
        recording = recording or "RE" + uuid.uuid4().hex
        url = f"https://api.twilio.com/2010-04-01/Accounts/{self.call['AccountSid']}/Recordings/{recording}"
        return self._post(at or self.last.record, self._in_call("recording", RecordingSid=recording, RecordingUrl=url))

    def operator_gone(self, dial_status: str = "no-answer") -> Heard:
        # After <Dial>, Twilio requests the Dial's action with how the call went.
        action = ET.fromstring(self.last.twiml).find("Dial").attrib["action"]
        return self._post(action, self._in_call("dial_no_answer", DialCallStatus=dial_status))

    def hang_up(self, status: str = "completed"):
        return self.gateway.post_signed("/webhooks/twilio/voice/status", self._in_call("status_completed",
                                                                                          CallStatus=status))


@pytest.fixture
def phone(gateway):
    """Make calls from a mobile (or the number given)."""
    return lambda caller=MOBILE: Phone(gateway, caller)


@pytest.fixture
def voice_adapter(rt, monkeypatch):
    """The runtime's voice adapter with the desk always open, and any attribute a test changes."""

    def install(**overrides) -> TwilioVoice:
        adapter = TwilioVoice.from_settings(dataclasses.replace(rt.channel_settings, office_hours="off"))
        for name, value in overrides.items():
            setattr(adapter, name, value)
        monkeypatch.setitem(rt.channels, "voice", adapter)
        return adapter

    return install
