"""Provider webhooks: verify, store, answer 2xx. Understanding and replies happen in the worker."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps

from flask import Blueprint, Response, current_app, request
from sqlalchemy.exc import OperationalError

from channels.base import InboundMessage, WebhookRejected
from channels.twilio_sms import channel_of
from store import inbound, outbox

log = logging.getLogger(__name__)
bp = Blueprint("webhooks", __name__, url_prefix="/webhooks")


def accept(rt, received: InboundMessage) -> int | None:
    """Store a received message (once per provider id) and wake the worker: what every channel's
    entry point does before the provider gets its answer. None when the provider sent it already."""
    with rt.db.session() as session:
        stored = inbound.record(session, received, media_dir=rt.settings.media_dir)
    if stored is None:
        log.info("duplicate inbound ignored", extra={"channel": received.channel})
    else:
        rt.wakeup.set()
    return stored


def _runtime():
    return current_app.extensions["guichet"]


def verified(channel: str | Callable[[], str]) -> Callable:
    """Check the provider's signature before anything else; a forged request gets 403 and nothing is stored.

    `channel` is a name, or a function of the request giving it (Twilio's one webhook carries SMS and WhatsApp).
    """

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args, **kwargs):
            adapter = _runtime().channels[channel if isinstance(channel, str) else channel()]
            try:
                adapter.verify(request)
                return view(adapter, *args, **kwargs)
            except WebhookRejected as err:
                if err.status < 400:
                    log.info("webhook event ignored", extra={"channel": adapter.name, "reason": str(err)})
                    return acknowledge(adapter)
                log.warning("webhook rejected", extra={"channel": channel, "status": err.status, "reason": str(err)})
                return Response(str(err), status=err.status, mimetype="text/plain")

        return wrapper

    return decorator


@bp.post("/twilio/messages")
@verified(lambda: channel_of(request))
def twilio_messages(adapter):
    """A resident's SMS or WhatsApp message: stored (once per MessageSid) before Twilio gets its 200."""
    received = adapter.parse(request)
    try:
        accept(_runtime(), received)
    except OperationalError:
        # Twilio retries on 5xx only via a fallback URL; say clearly that nothing was stored.
        log.exception("database unavailable, inbound message not stored", extra={"channel": received.channel})
        return Response("storage unavailable", status=503, mimetype="text/plain")
    return acknowledge(adapter)


@bp.post("/twilio/status")
@verified("sms")
def twilio_status(adapter):
    """A delivery receipt: the outbox row moves forward, never backwards."""
    receipt = adapter.receipt(request)
    with _runtime().db.session() as session:
        outbox.apply_receipt(session, provider_id=receipt.provider_id, status=receipt.status,
                             error_code=receipt.error_code, outbound_id=receipt.outbound_id)
    return acknowledge(adapter)


def acknowledge(adapter) -> Response:
    """The 2xx a provider expects, in its adapter's format."""
    body, mimetype = adapter.acknowledgement()
    return Response(body, mimetype=mimetype)
