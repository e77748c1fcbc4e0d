"""Twilio's webhooks for SMS and WhatsApp: a resident's message, a delivery receipt."""

from __future__ import annotations

import logging

from flask import Blueprint, Response, request
from sqlalchemy.exc import OperationalError

from channels.twilio_sms import channel_of
from gateway.inbound.accept import accept, acknowledge, runtime, verified
from store import outbox

log = logging.getLogger(__name__)
bp = Blueprint("webhooks", __name__, url_prefix="/webhooks")


@bp.post("/twilio/messages")
@verified(lambda: channel_of(request))
def twilio_messages(adapter):
    """A resident's SMS or WhatsApp message: stored (once per MessageSid) before Twilio gets its 200."""
    received = adapter.parse(request)
    try:
        accept(runtime(), received)
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
    with runtime().db.session() as session:
        outbox.apply_receipt(session, provider_id=receipt.provider_id, status=receipt.status,
                             error_code=receipt.error_code, outbound_id=receipt.outbound_id)
    return acknowledge(adapter)
