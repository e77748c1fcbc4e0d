"""The Flask application factory, and the one-process server (web, worker, scheduler, mail) around it."""

from __future__ import annotations

import logging

from flask import Flask, jsonify

from gateway.errors import Unavailable
from gateway.runtime import EXTENSION, Runtime
from gateway.settings import Settings
from store.db import OUTAGE

log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None, *, runtime: Runtime | None = None) -> Flask:
    """Build the web application (webhooks, health); the worker runs elsewhere or beside it."""
    rt = runtime or Runtime(settings or Settings.from_env())
    app = Flask(__name__, template_folder="web/templates", static_folder="web/static")
    app.config["SECRET_KEY"] = rt.settings.secret_key
    app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024  # webhooks are small; a huge body gets 413
    app.extensions[EXTENSION] = rt

    from gateway import identity
    from gateway.inbound import telegram, twilio, voice
    from gateway.web import (
        api,
        assets,
        backoffice,
        guard,
        ideas,
        ideas_office,
        legal,
        limits,
        metrics,
        open311,
        outage,
        public,
        security,
    )
    from gateway.web import events as event_pages  # ideas: events
    from gateway.web import oncall as oncall_links

    for module in (assets, twilio, telegram, voice, public, ideas, legal, backoffice, api, open311, oncall_links,
                   event_pages, ideas_office):
        app.register_blueprint(module.bp)
    metrics.install(app)
    limits.install(app, rt.settings)
    security.install(app, rt.settings)
    app.before_request(guard.refuse_unreadable_input)

    for error in OUTAGE:  # the database is down: 503 and Retry-After on every route, in its surface's format
        app.register_error_handler(error, outage.database_unavailable)

    @app.context_processor
    def town():
        """What every page shows of the town (config/town.yaml)."""
        return {"town_name": rt.identity.name, "town": rt.identity}

    app.add_template_filter(identity.spaced_phone, "phone")

    @app.get("/healthz")
    def healthz():
        """Liveness and database reachability, for the town's monitoring."""
        try:
            rt.db.ping()
        except Exception:
            log.exception("health check: database unreachable")
            return jsonify(status="error", database="unreachable"), 503, {"Retry-After": str(Unavailable.retry_after)}
        return jsonify(status="ok", database="ok")

    return app


def run_server(rt, port: int, *, blueprints=(), host: str = "0.0.0.0") -> None:
    """Apply migrations, start the worker in the background and serve the web app with waitress."""
    from waitress import serve as waitress_serve

    from gateway.inbound.smtp import start_smtp_server
    from gateway.outbound.worker import Worker

    rt.db.upgrade()
    worker = Worker(rt)
    _ = rt.understander, rt.router  # load spaCy and the gazetteer before the first message
    worker.start()
    loopback = host in ("127.0.0.1", "localhost")  # the demo: nothing reachable from another machine
    mail = start_smtp_server(rt, public=not loopback)
    where = f"http://{host}:{port}" if loopback else f"port {port} of every interface (http://127.0.0.1:{port} here)"
    print(f"Guichet listening on {where}, mail for {rt.settings.inbox} on port {mail.port}"
          + (" of 127.0.0.1" if loopback else ""))
    try:
        app = create_app(runtime=rt)
        for blueprint in blueprints:
            app.register_blueprint(blueprint)
        waitress_serve(app, host=host, port=port, threads=8, ident="guichet")
    finally:
        mail.stop()
        worker.shutdown(wait=False)
