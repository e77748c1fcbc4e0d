"""The 24/7 phone line's webhooks: verify, move the call's state machine (gateway/engine/ivr.py), answer TwiML.

Every route answers TwiML: a forged request gets 403, anything else a caller can hear, never a 500
(Twilio would play its own error message and drop the call).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps

from flask import Blueprint, Response, current_app, request

from channels.base import WebhookRejected, whole_number
from channels.twilio_voice import TwilioVoice
from gateway.engine.ivr import PhoneLine
from gateway.inbound.accept import verified
from gateway.runtime import current_runtime
from store import outbox

log = logging.getLogger(__name__)
bp = Blueprint("voice", __name__, url_prefix="/webhooks/twilio")


def _line() -> PhoneLine:
    """The phone line of this app, built once on the registry's `voice` channel."""
    line = current_app.extensions.get("guichet.voice")
    if line is None:
        rt = current_runtime()
        voice = rt.channels["voice"]
        if not isinstance(voice, TwilioVoice):
            raise TypeError(f"the phone line speaks Twilio Voice, not {type(voice).__name__}")
        line = current_app.extensions.setdefault("guichet.voice", PhoneLine(rt, voice))
    return line


def spoken(view: Callable) -> Callable:
    """Under `verified`: run the view on the phone line and the parsed call, and turn any failure but a
    refused request into TwiML a caller can hear."""

    @wraps(view)
    def wrapper(adapter, *args, **kwargs):
        line = _line()
        try:
            twiml = view(line, adapter.parse(request), *args, **kwargs)
        except WebhookRejected:
            raise
        except Exception:
            log.exception("voice webhook failed", extra={"channel": "voice"})
            twiml = line.fallback()
        return Response(twiml, mimetype="text/xml")

    return wrapper


@bp.post("/voice")
@verified("voice")
@spoken
def voice_incoming(line: PhoneLine, call):
    """A call comes in: welcome and menu; the call's row is created (once per CallSid)."""
    with current_runtime().db.session() as session:
        return line.incoming(session, call)


@bp.post("/voice/step")
@verified("voice")
@spoken
def voice_step(line: PhoneLine, call):
    """The caller's answer to a question, or their silence (`silence=1`, from the Redirect)."""
    with current_runtime().db.session() as session:
        return line.step(session, call, turn=_turn(), silence=request.args.get("silence") == "1")


@bp.post("/voice/recording")
@verified("voice")
@spoken
def voice_recording(line: PhoneLine, call):
    """A voicemail was recorded: it opens a case."""
    with current_runtime().db.session() as session:
        return line.recording(session, call, turn=_turn())


@bp.post("/voice/status")
@verified("voice")
@spoken
def voice_status(line: PhoneLine, call):
    """A call ended (or an outbound update call moved on): the call is closed, nothing it held is lost."""
    with current_runtime().db.session() as session:
        if not line.status(session, call):
            receipt = line.adapter.receipt(request)
            if receipt is not None:
                outbox.apply_receipt(session, provider_id=receipt.provider_id, status=receipt.status,
                                     error_code=receipt.error_code, outbound_id=receipt.outbound_id)
    return line.adapter.acknowledgement()[0]


def _turn() -> int | None:
    return whole_number(request.args.get("turn", ""))

