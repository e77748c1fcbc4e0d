"""Every entry point of one gateway at once, for the tests that try them from outside: the webhooks over HTTP
(signed as Twilio signs, with Telegram's secret), the SMTP server, the provider stand-ins that get the answers."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import requests
from sqlmodel import select

from channels.standins.smtp_relay import SmtpRelayStandin, send_eml
from channels.standins.telegram import TelegramStandin, post_update
from channels.standins.twilio import TwilioStandin
from channels.telegram import SendRateLimiter, Telegram
from gateway.inbound.smtp import start_smtp_server
from gateway.outbound.worker import Worker
from gateway.runtime import Runtime
from store.models import OutboxEntry, ReceivedMessage
from tests.conftest import Gateway, serve_app

TELEGRAM_SECRET = "bad-input-webhook-secret"
INBOX = "guichet@valmont.example"
DELIVERED = ("wired", "sent", "delivered", "read")


@pytest.fixture(scope="session")
def telegram_api() -> Iterator[TelegramStandin]:
    """The local Bot API, shared by the run."""
    with TelegramStandin() as standin:
        yield standin


@pytest.fixture(scope="session")
def mail_relay() -> Iterator[SmtpRelayStandin]:
    """The local SMTP relay our answers leave through, shared by the run."""
    with SmtpRelayStandin() as standin:
        yield standin


@dataclass
class Front:
    """One gateway's entry points and the stand-ins behind them."""

    rt: Runtime
    http: Gateway
    smtp_port: int
    twilio: TwilioStandin
    telegram: TelegramStandin
    relay: SmtpRelayStandin
    worker: Worker

    @property
    def url(self) -> str:
        return self.http.url

    def telegram_update(self, body: bytes | dict, *, secret: str = TELEGRAM_SECRET) -> requests.Response:
        """POST a Telegram update (a dict, or raw bytes as they came) with the webhook's secret."""
        if isinstance(body, dict):
            return post_update(self.url + "/webhooks/telegram", body, secret)
        return requests.post(self.url + "/webhooks/telegram", data=body, timeout=10,
                             headers={"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": secret})

    def mail(self, raw: bytes, *, mail_from: str | None = None, rcpt_to: str = INBOX) -> tuple[int, str]:
        """Deliver a raw mail through a real SMTP client; the server's final (code, text)."""
        return send_eml("127.0.0.1", self.smtp_port, raw, mail_from=mail_from, rcpt_to=rcpt_to)

    def settle(self) -> None:
        """Let the worker handle every stored message and send every answer that is due."""
        for _ in range(100):
            if self.worker.run_once() == (0, 0):
                return
        raise AssertionError("the worker kept finding work after 100 passes")

    def unanswered(self) -> list[tuple[str, str, str]]:
        """Stored messages a person wrote that got no answer out to their provider: (channel, status, why)."""
        with self.rt.db.session() as session:
            received = list(session.exec(select(ReceivedMessage)).all())
            replies = list(session.exec(select(OutboxEntry)).all())
        answered = {row.inbound_id for row in replies if row.status in DELIVERED}
        return [(m.channel, m.status, m.error or "no reply") for m in received
                if m.status != "done" or (not m.automatic and m.id not in answered)]


@pytest.fixture
def front(rt, make_runtime, twilio, telegram_api, mail_relay, tmp_path) -> Iterator[Front]:
    """The gateway on clean tables with every channel on: HTTP on a free port, SMTP on another."""
    telegram_api.reset()
    mail_relay.reset()
    runtime = make_runtime(telegram_api_url=telegram_api.url, telegram_bot_token=telegram_api.token,
                           telegram_webhook_secret=TELEGRAM_SECRET, smtp_relay_url=mail_relay.url, inbox=INBOX,
                           media_dir=tmp_path / "media",
                           # Thousands of inputs from one address and a few senders: what is tried here is
                           # bad input, not floods (tests/gateway/engine/test_limits.py, test_rate_limits.py).
                           open311_rate_limit="100000/minute", api_rate_limit="100000/minute",
                           form_rate_limit="100000/minute", login_rate_limit="100000/minute",
                           max_cases_per_hour=100000, max_cases_per_day=100000,
                           max_replies_per_hour=100000, max_replies_per_day=100000)
    # No per-chat gap: the tests write from many chats and want every answer at once.
    adapter = Telegram(token=telegram_api.token, webhook_secret=TELEGRAM_SECRET, api_url=telegram_api.url,
                       limiter=SendRateLimiter(per_chat_interval=0.0, per_second=10_000))
    runtime.channels["telegram"] = adapter
    worker = Worker(runtime)
    mail = start_smtp_server(runtime, port=0)
    try:
        with serve_app(runtime) as served:
            yield Front(runtime, served, mail.port, twilio, telegram_api, mail_relay, worker)
    finally:
        mail.stop()
        worker._senders.shutdown(wait=True)
        adapter.close()
        runtime.db.dispose()


def tracebacks(records: list[logging.LogRecord]) -> list[str]:
    """ERROR records that carry a traceback: what a bad input must never cause."""
    return [f"{r.name}: {r.getMessage()} ({r.exc_info[0].__name__ if r.exc_info and r.exc_info[0] else ''})"
            for r in records if r.levelno >= logging.ERROR and r.exc_info]
