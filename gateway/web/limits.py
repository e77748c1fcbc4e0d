"""Limits per client address on the public tracking form, the login, the agents' API and Open311's POST.

Flask-Limiter counts requests per address (moving window) in memory, or in Redis with GUICHET_RATE_LIMIT_STORAGE
(shared by every gunicorn worker; in memory each worker counts on its own). Past a limit: 429 with Retry-After,
as a French page, the API's JSON problem or Open311's error list. The address is the connection's, unless
GUICHET_TRUSTED_PROXIES says how many reverse proxies append to X-Forwarded-For (werkzeug's ProxyFix): the
address is then the one the nearest trusted proxy saw, never one a client wrote itself.
Webhooks are not limited here: the providers post from few addresses; floods per person are gateway/engine/limits.py.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from flask import Flask, make_response, render_template, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from werkzeug.exceptions import TooManyRequests
from werkzeug.middleware.proxy_fix import ProxyFix

from gateway.settings import Settings

log = logging.getLogger(__name__)


def install(app: Flask, settings: Settings) -> Limiter:
    """Put the limits on `app`'s routes; one limiter (and, in memory, one count) per app."""
    if settings.trusted_proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.trusted_proxies)  # type: ignore[method-assign]
    # Rate headers only on a 429 (below): the library would put its Retry-After on every answer of a limited
    # route, a 200 or the outage's 503 (whose own Retry-After it would overwrite).
    limiter = Limiter(get_remote_address, app=app, storage_uri=settings.rate_limit_storage, headers_enabled=False,
                      strategy="moving-window", swallow_errors=True, in_memory_fallback_enabled=True)
    routes = (
        ("backoffice.login", settings.login_rate_limit, ["POST"]),
        ("public.tracking_form", settings.form_rate_limit, None),
        ("public.tracking", settings.form_rate_limit, None),
        ("ideas.support_request", settings.form_rate_limit, None),  # an idea's support forms (gateway/web/ideas.py)
        ("ideas.support_confirm", settings.form_rate_limit, None),
        ("open311.request_create", settings.open311_rate_limit, None),
    )
    for endpoint, rate, methods in routes:
        limited: Any = limiter.limit(rate, methods=methods)(app.view_functions[endpoint])
        app.view_functions[endpoint] = limited
    from gateway.web import api, open311

    limiter.limit(settings.api_rate_limit)(api.bp)
    # An app's handler for 429 comes before a blueprint's for every HTTP error: the API and Open311 answer in
    # their own format through theirs.
    own_format = {"api": api._http_error, "open311": open311._http_error}

    @app.errorhandler(429)
    def too_many(err: TooManyRequests):
        """A page of the site or the back office past its limit; the API's JSON problem, Open311's error list."""
        log.warning("rate limit reached", extra={"path": request.path})
        if request.blueprint in own_format:
            response = make_response(own_format[request.blueprint](err))
        else:
            response = make_response(render_template("too_many.html", back_office=request.blueprint == "backoffice"),
                                     429)
        breached = limiter.current_limit
        wait = int(breached.reset_at - time.time()) if breached is not None else 60
        response.headers["Retry-After"] = str(max(1, wait))
        return response

    return limiter
