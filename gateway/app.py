"""The Flask application factory."""

from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template_string

from gateway.runtime import Runtime
from gateway.settings import Settings

log = logging.getLogger(__name__)

HOME = """<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>Guichet</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><main>
<h1>Guichet : signaler un problème, proposer une idée</h1>
<p>Écrivez par SMS au <strong>{{ sms_number }}</strong> ce qui ne va pas et où
(par exemple : « lampadaire éteint 12 rue Balzac »). Vous recevez aussitôt une référence
et le délai prévu, puis un message à chaque étape.</p>
<h2>Derniers signalements</h2>
<ul>{% for case in cases %}<li>{{ case.reference }} — {{ case.category }} — {{ case.address or "lieu à préciser" }} — {{ case.status }}</li>{% else %}<li>Aucun signalement pour l'instant.</li>{% endfor %}</ul>
</main></body></html>"""


def create_app(settings: Settings | None = None, *, runtime: Runtime | None = None) -> Flask:
    """Build the web application (webhooks, health); the worker runs elsewhere or beside it."""
    rt = runtime or Runtime(settings or Settings.from_env())
    app = Flask(__name__)
    app.config["SECRET_KEY"] = rt.settings.secret_key
    app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024  # webhooks are small; a huge body gets 413
    app.extensions["guichet"] = rt

    from gateway import voice, webhooks, webhooks_telegram

    for module in (webhooks, webhooks_telegram, voice):
        app.register_blueprint(module.bp)

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
        return render_template_string(HOME, cases=shown, sms_number=rt.settings.twilio_sms_from)

    return app
