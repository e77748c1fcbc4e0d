"""The contract every channel adapter keeps, and the messages that cross it.

An adapter turns a provider's request into one `InboundMessage` (`parse`, no I/O)
and one `OutboundMessage` into one provider call (`send`). Nothing outside
`channels/` knows a provider's format.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

# What no stored text keeps: NUL and the other C0 controls but tab and newline (PostgreSQL refuses NUL in a
# text, XML 1.0 and most terminals refuse the rest), and lone UTF-16 surrogates (JSON's "\ud800"), which
# cannot be encoded in UTF-8 at all. An id holding one of them is not one a provider made.
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
_SURROGATES = re.compile("[\ud800-\udfff]")
_UNFIT_FOR_ID = re.compile("[\x00-\x1f\x7f\ud800-\udfff]")


def clean_text(text: str) -> str:
    """A resident's words as they may be stored and shown: line ends made `\n`, controls dropped, a lone
    surrogate replaced by U+FFFD."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _SURROGATES.sub("\ufffd", _CONTROLS.sub("", text))


def clean_id(value: str, name: str) -> str:
    """A provider's id or address as given; `BadPayload` (400) when it holds a control character or a lone
    surrogate, which no provider puts in one."""
    if _UNFIT_FOR_ID.search(value):
        raise BadPayload(f"{name} holds control characters")
    return value


def clean_payload(value: Any) -> Any:
    """A provider's payload (kept as JSON beside the message) with every string cleaned and numbers that JSON
    cannot write (NaN, infinities) made null."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {clean_text(str(key)): clean_payload(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [clean_payload(item) for item in value]
    return value


def whole_number(text: str) -> int | None:
    """A row id a provider echoes back to us (`?out=42`): ASCII digits that fit a database integer, else None."""
    if not (text.isascii() and text.isdigit()) or len(text) > 18:
        return None
    return int(text)


def point(lat: Any, lon: Any) -> tuple[float, float] | None:
    """A position from what a provider wrote (numbers, or numbers as text); None unless both are finite WGS84
    degrees (NaN, infinities and out-of-range values are no place)."""
    try:
        latitude, longitude = float(lat), float(lon)
    except (TypeError, ValueError, OverflowError):
        return None
    if not (math.isfinite(latitude) and math.isfinite(longitude)):
        return None
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        return None
    return latitude, longitude


@dataclass(frozen=True)
class Media:
    """A photo or file that came with a message: its bytes when the payload carries them (e-mail),
    else where the adapter can fetch them (a Twilio MediaUrl, a Telegram file_id)."""

    content_type: str | None = None
    url: str | None = None
    data: bytes | None = None
    filename: str | None = None


@dataclass(frozen=True)
class InboundMessage:
    """One resident message, whatever the channel."""

    channel: str
    provider_id: str  # the provider's id for this event: the idempotency key
    sender: str  # the resident's address on the channel (E.164 number, chat id, e-mail)
    recipient: str  # the gateway address written to
    text: str = ""
    lat: float | None = None
    lon: float | None = None
    profile_name: str | None = None
    media: tuple[Media, ...] = ()
    thread_id: str | None = None  # this message's id in a threaded channel (an e-mail's Message-ID)
    thread_reference: str | None = None  # the case reference the thread is about (e-mail subject, References)
    automatic: bool = False  # an auto-reply, bounce or list mail: stored, never answered
    place_unreadable: bool = False  # a shared location that is no place (NaN, latitude 95): the engine asks where
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class OutboundMessage:
    """One message to send, as read from the outbox, with what a channel may need beyond the text."""

    id: int
    channel: str
    to: str
    from_: str | None
    body: str
    purpose: str = "reply"  # reply, update, emergency, stop_confirmation
    reference: str | None = None  # the case it is about
    case_status: str | None = None  # the status an update announces (WhatsApp picks its template by it)
    case_kind: str = "problem"  # "idea": an e-mail's subject says "Votre idée", not "Votre signalement"
    ask_location: bool = False  # the question is "where?": offer a share-location button where there is one
    # The words a reply may be ("SOUTIEN", "NOUVELLE"): inline buttons on Telegram; elsewhere the text lists them.
    options: tuple[str, ...] = ()
    in_reply_to: str | None = None  # e-mail: the resident's Message-ID this answers (threading)
    last_inbound_at: datetime | None = None  # WhatsApp: free text only within 24 h of this
    # A photo to send with it (a resolution photo, its public copy): `url` where the public fetches it
    # (WhatsApp's MediaUrl), `data` its bytes (a Telegram upload, an e-mail attachment).
    photo: Media | None = None


@dataclass(frozen=True)
class SendResult:
    """What the provider answered to a send."""

    provider_id: str
    status: str = "wired"


@dataclass(frozen=True)
class DeliveryReceipt:
    """A provider's report on a message we sent."""

    provider_id: str
    status: str  # our delivery status: wired, sent, delivered, read, failed, undelivered
    error_code: str | None = None
    outbound_id: int | None = None  # our outbox id, when the provider echoes it back


class ChannelError(Exception):
    """Base of what an adapter raises."""


class WebhookRejected(ChannelError):
    """A webhook request we refuse; `status` is the HTTP answer."""

    status = 400


class Forbidden(WebhookRejected):
    """Bad signature or secret: 403 and nothing stored."""

    status = 403


class BadPayload(WebhookRejected):
    """A request that is not what the provider sends: 400."""

    status = 400


class Ignored(WebhookRejected):
    """A known event we do not handle: 200 so the provider stops retrying."""

    status = 200


class CredentialsRefused(ChannelError):
    """The provider refuses the account's credentials, or they are not set: a setting to fix, not a moment
    to wait. The message names the variable."""


class ProviderUnavailable(ChannelError):
    """The provider cannot be reached or answered an error: asking again later may work."""


class MediaUnavailable(ChannelError):
    """A resident's photo that cannot be had; `reason` says why (MEDIA_REASONS), for the agents."""

    def __init__(self, message: str, *, reason: str):
        super().__init__(message)
        self.reason = reason


# Why a photo could not be fetched from its provider.
MEDIA_REASONS = ("foreign_host", "not_found", "too_big", "timeout", "unreachable")


class SendError(ChannelError):
    """A send that did not go through."""

    def __init__(self, message: str, *, code: str | None = None):
        super().__init__(message)
        self.code = code


class RetryableSendError(SendError):
    """Worth trying again later (network, 5xx, throttling)."""

    def __init__(self, message: str, *, code: str | None = None, retry_after: float | None = None):
        super().__init__(message, code=code)
        self.retry_after = retry_after


class PermanentSendError(SendError):
    """Will never go through; `stops_identity` when the resident can no longer be reached there."""

    def __init__(self, message: str, *, code: str | None = None, stops_identity: bool = False):
        super().__init__(message, code=code)
        self.stops_identity = stops_identity


@dataclass(frozen=True)
class ChannelSettings:
    """What the adapters are built from: the gateway fills every field from its settings and the town's catalogue.

    No field has a default, so the registry cannot read a setting the gateway does not give.
    """

    public_url: str  # what providers call: Twilio signs webhooks over it
    config_dir: Path  # the town's configuration (WhatsApp templates)
    twilio_account_sid: str
    twilio_auth_token: str = field(repr=False)
    twilio_api_url: str
    twilio_sms_from: str
    twilio_whatsapp_from: str  # empty: the SMS number
    twilio_voice_from: str  # empty: the SMS number
    operator_number: str  # empty: no person to put a caller through to
    office_hours: str  # `mon-fri 09:00-12:00,13:30-17:00`, or `off`
    timezone: str
    voice: str  # Twilio's text-to-speech voice; empty: Twilio's default
    telegram_bot_token: str = field(repr=False)
    telegram_webhook_secret: str = field(repr=False)
    telegram_api_url: str
    # Residents' photos are fetched from these hosts only (`host` or `host:port`), with the account's
    # credentials only there, up to `media_max_bytes` each and within `media_timeout` seconds.
    media_hosts: tuple[str, ...]
    media_max_bytes: int
    media_timeout: float
    inbox: str
    smtp_relay_url: str = field(repr=False)  # empty: no mail leaves
    email_display_name: str  # the name residents see in the From of our mail
    reference_prefix: str  # of case references (`GU`): threads mail by the reference in the subject
    # How the town's references are read in a text (nlu.references.find_references): the channels know no
    # reference syntax of their own, so the e-mail thread lookup reads them as the engine does.
    find_references: Callable[[str, str], Sequence[FoundReference]] = field(repr=False, compare=False)
    # What the phone says around an update it reads out: a greeting, before the repeat, goodbye (the
    # gateway's templates, `voice.update_call`); empty: the adapter's own French.
    update_call: tuple[str, ...]
    # Speech heard on the phone line with a Confidence (0..1) below this is read back before it counts.
    speech_confidence: float


class FoundReference(Protocol):
    """A reference-looking string found in a text, as the gateway's reader reports it."""

    @property
    def written(self) -> str:
        """As it was written."""

    @property
    def reference(self) -> str:
        """Normalised, `GU-NNNN-NNNN`."""

    @property
    def valid(self) -> bool:
        """Whether its check digit holds."""


class ChannelAdapter(Protocol):
    """What the gateway needs from a channel."""

    name: str

    def acknowledgement(self) -> tuple[str, str]:
        """The body and media type of the 2xx answer to the provider's webhook."""
        ...

    def send(self, message: OutboundMessage) -> SendResult:
        """Hand one message to the provider."""
        ...

    def fetch_media(self, media: Media) -> Media:
        """The media with its bytes, fetched from the provider with the account's credentials;
        MediaUnavailable when it cannot be had."""
        ...

    def find_sent(self, message: OutboundMessage, since: datetime) -> str | None:
        """The provider id of `message` if the provider already has it (after a crash mid-send)."""
        ...
