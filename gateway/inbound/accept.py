"""What every channel's entry point does: verify the provider's signature, store what came, answer 2xx.

Understanding and replies happen in the worker; an entry point never waits for them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps

from flask import Response, current_app, request

from channels.base import InboundMessage, WebhookRejected
from store import inbound

log = logging.getLogger(__name__)


def accept(rt, received: InboundMessage) -> int | None:
    """Store a received message (once per provider id) and wake the worker: what every channel's
    entry point does before the provider gets its answer. None when the provider sent it already."""
    with rt.db.session() as session:
        stored = inbound.record(session, received, media_dir=rt.settings.media_dir)
    if stored is None:
        log.info("duplicate inbound ignored", extra={"channel": received.channel})
    else:
        rt.wakeup.set()
    return stored


def runtime():
    return current_app.extensions["guichet"]


def verified(channel: str | Callable[[], str]) -> Callable:
    """Check the provider's signature before anything else; a forged request gets 403 and nothing is stored.

    `channel` is a name, or a function of the request giving it (Twilio's one webhook carries SMS and WhatsApp).
    """

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args, **kwargs):
            adapter = runtime().channels[channel if isinstance(channel, str) else channel()]
            try:
                adapter.verify(request)
                return view(adapter, *args, **kwargs)
            except WebhookRejected as err:
                if err.status < 400:
                    log.info("webhook event ignored", extra={"channel": adapter.name, "reason": str(err)})
                    return acknowledge(adapter)
                log.warning("webhook rejected", extra={"channel": channel, "status": err.status, "reason": str(err)})
                return Response(str(err), status=err.status, mimetype="text/plain")

        return wrapper

    return decorator


def acknowledge(adapter) -> Response:
    """The 2xx a provider expects, in its adapter's format."""
    body, mimetype = adapter.acknowledgement()
    return Response(body, mimetype=mimetype)
