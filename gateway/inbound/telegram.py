"""Telegram in: the webhook (`POST /webhooks/telegram`) and, for local use, `getUpdates` polling.

Both store each update exactly the same way (once per update) and wake the worker; understanding
and replies happen there. Telegram repeats an update until it gets a 2xx, and holds a chat's next
update until then, so the webhook only verifies, stores and answers.
"""

from __future__ import annotations

import logging
import threading

from flask import Blueprint, jsonify, request

from channels.base import CredentialsRefused, ProviderUnavailable, WebhookRejected
from channels.telegram import Telegram
from gateway.errors import ConfigurationError, Unavailable
from gateway.inbound.accept import accept, acknowledge, verified
from gateway.runtime import current_runtime

log = logging.getLogger(__name__)
bp = Blueprint("telegram", __name__, url_prefix="/webhooks")

POLL_TIMEOUT_SECONDS = 25  # long polling: Telegram holds getUpdates open until an update or this timeout
POLL_BACKOFF_SECONDS = (1, 2, 5, 10, 30)


def adapter_for(rt) -> Telegram:
    """The runtime's Telegram adapter."""
    return rt.channels["telegram"]


@bp.post("/telegram")
@verified("telegram")
def telegram_update(adapter: Telegram):
    """A resident's Telegram message: stored (once per update) before Telegram gets its 200.

    With the database down Telegram gets a 503 and delivers the update again later: nothing is lost.
    """
    received = adapter.parse(request)
    accept(current_runtime(), received)
    answer = adapter.webhook_answer(received)
    return jsonify(answer) if answer is not None else acknowledge(adapter)


def poll(rt, *, once: bool = False, stop: threading.Event | None = None,
         timeout: float = POLL_TIMEOUT_SECONDS) -> int:
    """Fetch updates with `getUpdates` and store each like the webhook does, until `stop` is set; returns how many.

    For local use without a public HTTPS address (`guichet telegram poll`). The webhook is removed first:
    Telegram refuses `getUpdates` while one is set. Telegram keeps an update until a later `getUpdates`
    asks from a higher offset, so an update is only confirmed once stored; `once` stops after one batch
    (confirmed), long-polling up to `timeout` seconds for it.
    """
    adapter = adapter_for(rt)
    try:
        adapter.delete_webhook()
    except CredentialsRefused as err:
        raise ConfigurationError(str(err)) from err
    stop = stop or threading.Event()
    offset: int | None = None
    stored, failures = 0, 0
    while not stop.is_set():
        try:
            updates = adapter.get_updates(offset=offset, timeout=timeout)
        except CredentialsRefused as err:
            raise ConfigurationError(str(err)) from err
        except ProviderUnavailable as err:  # network, 5xx, 409 Conflict (another poller): wait and ask again
            if once:
                raise
            wait = POLL_BACKOFF_SECONDS[min(failures, len(POLL_BACKOFF_SECONDS) - 1)]
            failures += 1
            log.warning("telegram polling failed, retrying", extra={"channel": "telegram", "error": str(err),
                                                                   "retry_in": wait})
            stop.wait(wait)
            continue
        failures = 0
        for update in updates:
            stored += _store_polled(rt, adapter, update, stop)
            offset = adapter.offset_after(update, offset)
        if once:
            if offset is not None:
                adapter.get_updates(offset=offset, timeout=0, limit=1)  # confirms what was stored
            return stored
    return stored


def _store_polled(rt, adapter: Telegram, update: dict, stop: threading.Event) -> int:
    try:
        received = adapter.parse_update(update)
    except WebhookRejected as err:
        log.info("telegram update not stored", extra={"channel": adapter.name, "reason": str(err)})
        return 0
    while True:
        try:
            return 1 if accept(rt, received) is not None else 0
        except Unavailable:
            # Not confirmed to Telegram until stored: wait for the database rather than skip the update.
            log.warning("database unavailable, retrying", extra={"channel": adapter.name})
            if stop.wait(POLL_BACKOFF_SECONDS[-1]):
                raise
