"""The demo's simulator: chat as a resident on any channel, through the real adapters and the providers'
stand-ins, and watch what the stand-ins receive for you — answers and later updates alike.

Mounted by `guichet demo` only (it holds the stand-ins); never part of a production app.
"""

from __future__ import annotations

import re
from dataclasses import asdict

from flask import Blueprint, jsonify, render_template, request

from channels.standins.smtp_relay import SmtpRelayStandin
from channels.standins.telegram import TelegramStandin
from channels.standins.twilio import TwilioStandin
from gateway.demo.players import call_step, end_call, send_as_resident

CHANNELS = {
    "sms": ("SMS", "+33612345678"),
    "whatsapp": ("WhatsApp", "+33612345679"),
    "telegram": ("Telegram", "424242"),
    "email": ("E-mail", "camille@example.org"),
    "voice": ("Téléphone", "+33612345670"),
}


# A sender as a provider would hand it over: a phone number, a Telegram chat id or an e-mail address.
SENDER = re.compile(r"\+?[0-9]{3,15}|[^\s@<>]{1,64}@[^\s@<>]{1,190}")


def _object(body: object) -> dict:
    """The JSON body when it is an object; anything else (a list, a string, nothing) reads as empty."""
    return body if isinstance(body, dict) else {}


def _plain_body(mail) -> str:
    """The text of an answer by e-mail, a photo attached or not."""
    body = mail.get_body(preferencelist=("plain",))
    return body.get_content().strip() if body is not None else ""


def simulator_blueprint(state: dict, *, twilio: TwilioStandin, telegram: TelegramStandin,
                        relay: SmtpRelayStandin) -> Blueprint:
    """The simulator's pages and JSON, reading what each stand-in received."""
    bp = Blueprint("simulator", __name__, url_prefix="/simulateur")

    @bp.get("")
    def page():
        """The simulator page."""
        return render_template("simulator.html", channels=CHANNELS)

    @bp.post("/envoyer")
    def send():
        """A resident's message, sent the way its provider would deliver it."""
        data = _object(request.get_json(silent=True))
        channel, sender, text = data.get("channel"), str(data.get("sender", "")).strip(), str(data.get("text", ""))
        if channel not in CHANNELS or channel == "voice" or not sender:
            return jsonify(error="choisissez un canal et un expéditeur"), 400
        if not SENDER.fullmatch(sender):
            return jsonify(error="l'expéditeur est un numéro, un identifiant Telegram ou une adresse e-mail"), 400
        location = None
        if data.get("lat") not in (None, "") and data.get("lon") not in (None, ""):
            try:
                location = (float(data["lat"]), float(data["lon"]))
            except (TypeError, ValueError):
                return jsonify(error="la position est deux nombres : latitude et longitude"), 400
            if not (-90 <= location[0] <= 90 and -180 <= location[1] <= 180):
                return jsonify(error="la position est hors de la Terre"), 400
        if not text.strip() and location is None:
            return jsonify(error="écrivez un message ou partagez une position"), 400
        send_as_resident(state, channel, sender, text, location=location)
        return jsonify(ok=True)

    @bp.get("/fil")
    def thread():
        """What the provider's stand-in received for this resident: the gateway's answers and updates."""
        channel, sender = request.args.get("channel", ""), request.args.get("sender", "").strip()
        return jsonify(messages=received(channel, sender))

    @bp.post("/appel")
    def call():
        """One move of a phone call: ring (no call_sid), keys, words, or silence."""
        data = _object(request.get_json(silent=True))
        if_silent = data.get("if_silent") or []
        step = call_step(state, str(data.get("caller") or CHANNELS["voice"][1]), call_sid=data.get("call_sid"),
                         gather=data.get("gather"), redirect=data.get("redirect"), record=data.get("record"),
                         if_silent=[str(said) for said in if_silent] if isinstance(if_silent, list) else [],
                         entry=data.get("input"))
        return jsonify(asdict(step))

    @bp.post("/raccrocher")
    def hang_up():
        """The caller hangs up: Twilio's status callback, so a report read back but unconfirmed is filed."""
        data = _object(request.get_json(silent=True))
        call_sid = str(data.get("call_sid") or "")
        if not call_sid:
            return jsonify(error="aucun appel en cours"), 400
        end_call(state, str(data.get("caller") or CHANNELS["voice"][1]), call_sid)
        return jsonify(ok=True)

    def received(channel: str, sender: str) -> list[str]:
        if channel in ("sms", "whatsapp"):
            return twilio.texts_to(sender, channel)
        if channel == "telegram":
            return [str(m.get("text") or m.get("caption") or "(photo)") for m in telegram.sent
                    if str(m.get("chat_id")) == sender]
        if channel == "email":
            return [f"{mail['Subject']}\n{_plain_body(mail)}" for mail in relay.to(sender)]
        if channel == "voice":
            return [f"(appel) {call['twiml']}" for call in twilio.calls if call["to"] == sender]
        return []

    return bp
