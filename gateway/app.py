"""The Flask application factory."""

from __future__ import annotations

import logging

from flask import Flask, jsonify

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

    from gateway import metrics

    metrics.install(app)

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

    return app

