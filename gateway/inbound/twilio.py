"""Twilio's webhooks for SMS and WhatsApp: a resident's message, a delivery receipt."""

from __future__ import annotations

import logging

from flask import Blueprint, request

from channels.twilio_sms import channel_of
from gateway.inbound.accept import accept, acknowledge, verified
from gateway.runtime import current_runtime
from store import outbox

log = logging.getLogger(__name__)
bp = Blueprint("webhooks", __name__, url_prefix="/webhooks")


@bp.post("/twilio/messages")
@verified(lambda: channel_of(request))
def twilio_messages(adapter):
    """A resident's SMS or WhatsApp message: stored (once per MessageSid) before Twilio gets its 200.

    With the database down Twilio gets a 503 saying nothing was stored (it retries only via a fallback URL).
    """
    accept(current_runtime(), adapter.parse(request))
    return acknowledge(adapter)


@bp.post("/twilio/status")
@verified("sms")
def twilio_status(adapter):
    """A delivery receipt: the outbox row moves forward, never backwards."""
    receipt = adapter.receipt(request)
    with current_runtime().db.session() as session:
        outbox.apply_receipt(session, provider_id=receipt.provider_id, status=receipt.status,
                             error_code=receipt.error_code, outbound_id=receipt.outbound_id)
    return acknowledge(adapter)
