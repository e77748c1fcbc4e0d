"""The Flask application factory."""

from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template

from gateway.runtime import Runtime
from gateway.settings import Settings

log = logging.getLogger(__name__)

def create_app(settings: Settings | None = None, *, runtime: Runtime | None = None) -> Flask:
    """Build the web application (webhooks, health); the worker runs elsewhere or beside it."""
    rt = runtime or Runtime(settings or Settings.from_env())
    app = Flask(__name__)
    app.config["SECRET_KEY"] = rt.settings.secret_key
    app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024  # webhooks are small; a huge body gets 413
    app.extensions["guichet"] = rt

    from gateway import api, assets, backoffice, public, voice, webhooks, webhooks_telegram

    for module in (assets, webhooks, webhooks_telegram, voice, public, backoffice, api):
        app.register_blueprint(module.bp)

    @app.context_processor
    def town():
        """What every page shows of the town."""
        return {"town_name": rt.settings.town_name}
    from gateway.open311 import bp as open311_bp
    app.register_blueprint(open311_bp)

    @app.get("/healthz")
    def healthz():
        """Liveness and database reachability, for the town's monitoring."""
        try:
            rt.db.ping()
        except Exception:
            log.exception("health check: database unreachable")
            return jsonify(status="error", database="unreachable"), 503
        return jsonify(status="ok", database="ok")

    @app.get("/")
    def home():
        """The public home page (the full DSFR site comes with the web issue)."""
        from store import cases as case_store

        with rt.db.session() as session:
            cases = case_store.listing(session, limit=20)
            shown = [
                {"reference": c.reference, "category": rt.category_label(c.category), "address": c.address,
                 "status": rt.messages.text(f"status.{c.status}")}
                for c in cases
            ]
        return render_template("home.html", cases=shown, channels=channels_on_offer(rt.settings))

    return app


def channels_on_offer(settings: Settings) -> list[dict[str, str]]:
    """How residents reach the town, channel by channel, for the home page."""
    channels = [
        {"name": "SMS", "how": f"Envoyez un SMS au {settings.twilio_sms_from}."},
        {"name": "Téléphone", "how": f"Appelez le {settings.twilio_voice_from or settings.twilio_sms_from}, 24 h sur 24."},
        {"name": "E-mail", "how": f"Écrivez à {settings.inbox}, avec une photo si vous le pouvez."},
    ]
    if settings.twilio_whatsapp_from:
        channels.insert(1, {"name": "WhatsApp", "how": f"Écrivez au {settings.twilio_whatsapp_from.removeprefix('whatsapp:')} "
                                                        "et partagez votre position."})
    if settings.telegram_bot_token:
        channels.insert(2, {"name": "Telegram", "how": "Écrivez au robot de la mairie et partagez votre position."})
    return channels
