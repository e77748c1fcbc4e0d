"""What every channel's entry point does: verify the provider's signature, store what came, answer 2xx.

Understanding and replies happen in the worker; an entry point never waits for them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps

from flask import Response, request
from sqlalchemy.exc import OperationalError

from channels.base import InboundMessage, WebhookRejected
from gateway.errors import GuichetError, Unavailable
from gateway.runtime import current_runtime
from store import inbound

log = logging.getLogger(__name__)


def accept(rt, received: InboundMessage) -> int | None:
    """Store a received message (once per provider id) and wake the worker: what every channel's
    entry point does before the provider gets its answer. None when the provider sent it already.

    Raises `Unavailable` when the database is down: nothing is stored, and the provider should ask again.
    """
    try:
        with rt.db.session() as session:
            stored = inbound.record(session, received, media_dir=rt.settings.media_dir)
    except OperationalError as err:
        log.exception("database unavailable, inbound message not stored", extra={"channel": received.channel})
        raise Unavailable("storage unavailable") from err
    if stored is None:  # a stored message wakes the workers as its transaction commits (store/wake.py)
        log.info("duplicate inbound ignored", extra={"channel": received.channel})
    return stored


def verified(channel: str | Callable[[], str]) -> Callable:
    """The one decorator of every webhook route: check the provider's signature before anything else
    (a forged request gets 403 and nothing is stored), then run the view with the channel's adapter.

    `channel` is a name, or a function of the request giving it (Twilio's one webhook carries SMS and WhatsApp).
    What the view refuses reaches the provider as a plain-text answer with the error's status; an event we
    know but do not handle gets the adapter's 2xx, so that the provider stops sending it. With the database
    down every webhook answers 503 and stores nothing.
    """

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args, **kwargs):
            adapter = current_runtime().channels[channel if isinstance(channel, str) else channel()]
            try:
                adapter.verify(request)
                try:
                    return view(adapter, *args, **kwargs)
                except OperationalError as err:  # a receipt or a call's row: the provider asks again later
                    log.exception("database unavailable, webhook not handled", extra={"channel": adapter.name})
                    raise Unavailable("storage unavailable") from err
            except (WebhookRejected, GuichetError) as err:
                if err.status < 400:
                    log.info("webhook event ignored", extra={"channel": adapter.name, "reason": str(err)})
                    return acknowledge(adapter)
                log.warning("webhook rejected", extra={"channel": adapter.name, "status": err.status,
                                                      "reason": str(err)})
                headers = {"Retry-After": str(Unavailable.retry_after)} if isinstance(err, Unavailable) else {}
                return Response(str(err), status=err.status, mimetype="text/plain", headers=headers)

        return wrapper

    return decorator


def acknowledge(adapter) -> Response:
    """The 2xx a provider expects, in its adapter's format."""
    body, mimetype = adapter.acknowledgement()
    return Response(body, mimetype=mimetype)
