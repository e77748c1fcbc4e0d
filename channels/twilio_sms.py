"""SMS through Twilio: the Messaging webhook in, the Messages API out."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from functools import cached_property
from typing import TYPE_CHECKING

import requests
from flask import Request
from twilio.base.exceptions import TwilioRestException
from twilio.request_validator import RequestValidator

from channels.base import (
    BadPayload,
    DeliveryReceipt,
    Forbidden,
    InboundMessage,
    Media,
    MediaUnavailable,
    OutboundMessage,
    PermanentSendError,
    RetryableSendError,
    SendResult,
    clean_id,
    clean_payload,
    clean_text,
    whole_number,
)
from channels.media import MediaPolicy, fetch
from channels.sms import to_gsm7

if TYPE_CHECKING:
    from twilio.rest import Client

log = logging.getLogger(__name__)
# The twilio library logs request parameters (phone numbers) at INFO; residents' numbers stay out of logs.
logging.getLogger("twilio.http_client").setLevel(logging.WARNING)

# Twilio's MessageStatus -> our delivery status (Twilio's "queued"/"accepted" mean it has the message).
RECEIPT_STATUSES = {
    "accepted": "wired",
    "queued": "wired",
    "sending": "wired",
    "sent": "sent",
    "delivered": "delivered",
    "read": "read",
    "undelivered": "undelivered",
    "failed": "failed",
    "canceled": "failed",
}
# Error codes after which the resident cannot be reached on this number.
STOPPING_CODES = {21610, 21614, 21211}
# Error codes that are throttling or transient on Twilio's side, whatever the HTTP status.
RETRYABLE_CODES = {20429, 63018, 20500, 20503}


# Replies leave through the outbox (ids, retries, receipts), so a webhook answers Twilio with empty TwiML.
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'


def channel_of(request: Request) -> str:
    """Which channel a Messaging webhook is for: Twilio sends WhatsApp on the same webhook, `whatsapp:`-prefixed."""
    return "whatsapp" if request.form.get("From", "").startswith("whatsapp:") else "sms"


def public_request_url(request: Request, public_url: str) -> str:
    """The URL Twilio called: Twilio signs the public URL, not the one we see behind a proxy."""
    return public_url.rstrip("/") + request.full_path.rstrip("?")


def verify_signature(request: Request, validator: RequestValidator, public_url: str) -> None:
    """Raise Forbidden unless Twilio signed this request (any Twilio webhook: messages, calls, receipts)."""
    form = request.form  # read first: an oversized body is refused with 413 here
    signature = request.headers.get("X-Twilio-Signature", "")
    url = public_request_url(request, public_url)
    if not signature or not validator.validate(url, form, signature):
        raise Forbidden("invalid X-Twilio-Signature")


class TwilioAccount:
    """What every Twilio channel shares: the account's REST client, its webhook signatures, empty TwiML."""

    def __init__(self, *, account_sid: str, auth_token: str, api_url: str, public_url: str, sender: str,
                 media_policy: MediaPolicy | None = None):
        self.credentials = (account_sid, auth_token)
        self.media_policy = media_policy or MediaPolicy.only(api_url)
        self.api_url = api_url
        self.validator = RequestValidator(auth_token)
        self.public_url = public_url.rstrip("/")
        self.sender = sender

    @cached_property
    def client(self) -> Client:
        """The REST client, built on the first send: a web process, which only verifies and stores, never loads it."""
        from twilio.http.http_client import TwilioHttpClient
        from twilio.rest import Client

        client = Client(*self.credentials, http_client=TwilioHttpClient(timeout=15))
        client.api.base_url = self.api_url
        return client

    def acknowledgement(self) -> tuple[str, str]:
        """The body and media type of a 2xx answer to Twilio: empty TwiML, nothing for Twilio to do."""
        return EMPTY_TWIML, "text/xml"

    def verify(self, request: Request) -> None:
        """Refuse a request that Twilio did not sign with our auth token."""
        verify_signature(request, self.validator, self.public_url)


class TwilioSMS(TwilioAccount):
    """The SMS channel adapter."""

    name = "sms"

    def parse(self, request: Request) -> InboundMessage:
        """The Messaging webhook's form as one inbound message."""
        form = request.form
        sid, sender = form.get("MessageSid", ""), form.get("From", "")
        if not sid or not sender:
            raise BadPayload("a Twilio message webhook carries MessageSid and From")
        media = tuple(
            Media(url=clean_id(form[f"MediaUrl{i}"], f"MediaUrl{i}"),
                  content_type=clean_text(form.get(f"MediaContentType{i}") or "") or None)
            for i in range(_int(form.get("NumMedia")))
            if form.get(f"MediaUrl{i}")
        )
        return InboundMessage(
            channel=self.name,
            provider_id=clean_id(sid, "MessageSid"),
            sender=self.bare(clean_id(sender, "From")),
            recipient=self.bare(clean_id(form.get("To", ""), "To")),
            text=clean_text(form.get("Body", "")),
            media=media,
            raw=clean_payload(form.to_dict()),
            **self._extra_fields(form),
        )

    def bare(self, address: str) -> str:
        """The address as the rest of Guichet keeps it: an SMS number is already bare."""
        return address

    def _extra_fields(self, form) -> dict:
        """What a channel built on Twilio Messaging reads beyond the SMS fields."""
        return {}

    def receipt(self, request: Request) -> DeliveryReceipt:
        """A status callback as a delivery receipt; our outbox id rides in the callback URL."""
        form = request.form
        status = RECEIPT_STATUSES.get(form.get("MessageStatus", ""))
        sid = form.get("MessageSid", "")
        if not status or not sid:
            raise BadPayload("a Twilio status callback carries MessageSid and a known MessageStatus")
        outbound = request.args.get("out", "")
        return DeliveryReceipt(
            provider_id=clean_id(sid, "MessageSid"),
            status=status,
            error_code=clean_id(form.get("ErrorCode") or "", "ErrorCode") or None,
            outbound_id=whole_number(outbound),
        )

    def send(self, message: OutboundMessage) -> SendResult:
        """Create the message at Twilio; its status callbacks come back with our outbox id."""
        try:
            created = self.client.messages.create(
                to=self.address(message.to),
                from_=self.address(message.from_ or self.sender),
                status_callback=f"{self.public_url}/webhooks/twilio/status?out={message.id}",
                **self._content(message),
            )
        except TwilioRestException as err:
            raise _classify(err) from err
        except requests.RequestException as err:
            raise RetryableSendError(f"Twilio unreachable: {type(err).__name__}") from err
        return SendResult(provider_id=created.sid, status="wired")

    def address(self, number: str) -> str:
        """A number as this channel writes it at Twilio."""
        return number

    def _content(self, message: OutboundMessage) -> dict:
        """The content parameters of Messages.create: the text, made GSM-7 where that keeps its meaning."""
        return {"body": to_gsm7(message.body)}

    def fetch_media(self, media: Media) -> Media:
        """The bytes of a MediaUrl: Twilio asks for the account's credentials, then redirects to its CDN.

        Only from the media hosts, the credentials to Twilio's API host only (channels.media.fetch)."""
        if media.url is None:
            raise MediaUnavailable("a photo without a MediaUrl cannot be fetched", reason="not_found")
        data, content_type = fetch(media.url, self.media_policy, auth=self.credentials, auth_url=self.api_url)
        return Media(content_type=media.content_type or content_type, url=media.url, data=data,
                     filename=media.filename)

    def find_sent(self, message: OutboundMessage, since: datetime) -> str | None:
        """Look for `message` among what Twilio already has (Messages.create has no idempotency key)."""
        try:
            # Twilio filters on whole seconds; a minute of margin for clock skew.
            candidates = self.client.messages.list(
                to=self.address(message.to),
                from_=self.address(message.from_ or self.sender),
                date_sent_after=since - timedelta(minutes=1),
            )
        except (TwilioRestException, requests.RequestException) as err:
            raise RetryableSendError("cannot reconcile with Twilio now") from err
        body = self._content(message).get("body")
        for candidate in candidates:
            if candidate.body == body:
                return candidate.sid
        return None


def _classify(err: TwilioRestException) -> RetryableSendError | PermanentSendError:
    code = err.code if isinstance(err.code, int) else None
    text = f"Twilio {err.status} error {code}"
    if err.status >= 500 or err.status == 429 or code in RETRYABLE_CODES:
        return RetryableSendError(text, code=str(code) if code else None)
    return PermanentSendError(text, code=str(code) if code else None, stops_identity=code in STOPPING_CODES)


def _int(value: str | None) -> int:
    try:
        return max(0, min(10, int(value or 0)))
    except ValueError:
        return 0
