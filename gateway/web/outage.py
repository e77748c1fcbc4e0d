"""What every route answers while the database is down: 503 with `Retry-After`, in its surface's own format.

The API answers its JSON problem, Open311 the spec's error list (JSON or XML), webhooks and /metrics plain
text, pages a short French page. Nothing was done, so asking again later is safe; providers that retry on a
5xx (Telegram) deliver again, e-mail senders retry on the SMTP server's 451 (gateway/inbound/smtp.py).
"""

from __future__ import annotations

import logging

from flask import Response, render_template, request

from gateway.errors import Unavailable
from gateway.web import api, guard, open311

log = logging.getLogger(__name__)

PLAIN_TEXT = (guard.WEBHOOKS, "/metrics")


def database_unavailable(err: Exception):
    """Flask error handler for the database's outage errors (`store.db.OUTAGE`)."""
    log.error("database unavailable, request not handled", extra={"path": request.path,
                                                                   "error": type(err).__name__})
    retry = {"Retry-After": str(Unavailable.retry_after)}
    if request.blueprint == "api":
        return api.problem("storage unavailable; try again later", 503, **retry)
    if request.blueprint == "open311":
        fmt = (request.view_args or {}).get("fmt")
        answer = open311.error(fmt if fmt in open311.FORMATS else "xml", 503,
                               "Le service est momentanément indisponible. Réessayez plus tard.")
        answer.headers.update(retry)
        return answer
    if request.path.startswith(PLAIN_TEXT):
        return Response("storage unavailable", status=503, mimetype="text/plain", headers=retry)
    if request.path.endswith((".json", ".geojson")):  # the map's and the statistics' data, read by scripts
        return Response('{"error": "storage unavailable; try again later", "status": 503}', status=503,
                        mimetype="application/json", headers=retry)
    if request.path.endswith(".atom"):  # a feed reader keeps its last copy and asks again
        return Response("storage unavailable", status=503, mimetype="text/plain", headers=retry)
    return render_template("unavailable.html"), 503, retry
