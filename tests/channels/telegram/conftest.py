"""The local Telegram and the gateway wired to it: a resident's chat end to end over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from channels.standins.telegram import TelegramStandin, post_update
from channels.telegram import SendRateLimiter, Telegram
from tests.conftest import serve_app

SECRET = "valmont-webhook-secret_0123"
CHAT = 70707070


class ManualClock:
    """A monotonic clock the test moves: the flood limiter sees time pass without the test waiting."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture(scope="session")
def telegram_standin() -> Iterator[TelegramStandin]:
    """The local Bot API, shared by the run."""
    with TelegramStandin() as standin:
        yield standin


@pytest.fixture
def standin(telegram_standin) -> TelegramStandin:
    """The local Bot API, reset for this test."""
    telegram_standin.reset()
    return telegram_standin


@pytest.fixture
def adapter(standin) -> Iterator[Telegram]:
    """An adapter pointed at the stand-in, its flood limiter on a clock the test moves."""
    telegram = Telegram(token=standin.token, webhook_secret=SECRET, api_url=standin.url,
                        limiter=SendRateLimiter(clock=ManualClock()))
    yield telegram
    telegram.close()


class TelegramGateway:
    """The gateway served over HTTP with its worker, and a resident writing to the bot from one chat."""

    def __init__(self, rt, url: str, standin: TelegramStandin, worker, clock: ManualClock):
        self.rt, self.url, self.standin, self.worker, self.clock = rt, url, standin, worker, clock

    @property
    def webhook_url(self) -> str:
        return self.url + "/webhooks/telegram"

    def post(self, update: dict, *, secret: str | None = SECRET):
        """POST an update to the webhook as Telegram does; returns the HTTP response."""
        return post_update(self.webhook_url, update, secret)

    def turn(self, update: dict):
        """The resident writes, the worker handles it and answers; a second passes (one message a second per chat)."""
        response = self.post(update)
        self.worker.run_once()
        self.clock.advance(1.0)
        return response

    def answers(self, chat: int = CHAT) -> list[dict]:
        """What the bot sent to one chat, in order."""
        return [m for m in self.standin.sent if m["chat_id"] == str(chat)]


@pytest.fixture
def tg(rt, make_runtime, standin, tmp_path) -> Iterator[TelegramGateway]:
    """A runtime on the test database and the local Telegram, its webhook served on a free port."""
    from gateway.outbound.worker import Worker

    runtime = make_runtime(telegram_api_url=standin.url, telegram_bot_token=standin.token,
                           telegram_webhook_secret=SECRET, media_dir=tmp_path / "media")
    clock = ManualClock()
    adapter = Telegram(token=standin.token, webhook_secret=SECRET, api_url=standin.url,
                       limiter=SendRateLimiter(clock=clock))
    # The registry's adapter, with a clock the tests move for the rate limits.
    runtime.channels["telegram"] = adapter
    worker = Worker(runtime)
    with serve_app(runtime) as served:
        yield TelegramGateway(runtime, served.url, standin, worker, clock)
    worker._senders.shutdown(wait=True)
    adapter.close()
    runtime.db.engine.dispose()
