"""Telegram through the Bot API: the webhook (or `getUpdates` polling) in, `sendMessage` out.

The provider's format is handled with python-telegram-bot (PTB 22), by composition: it is maintained,
typed and follows each Bot API release; `Update.de_json` gives real parsing of what Telegram posts, its
error classes map Telegram's answers (403 blocked, 429 `retry_after`, 400) onto ours, and
`Bot(base_url=..., base_file_url=...)` sends to any server that speaks the Bot API: the real one in
production, `channels.standins.telegram` in tests and the demo (`TELEGRAM_API_URL`).

PTB is asynchronous and our worker is not: each sending thread keeps its own event loop and its own
`Bot` (an httpx client is tied to the loop that first used it), created on first use.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import threading
import time
import warnings
from collections import deque
from collections.abc import Callable, Coroutine
from datetime import datetime, timedelta
from typing import Any, TypeVar

from flask import Request
from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram import Message as TelegramMessage
from telegram.error import (
    BadRequest,
    ChatMigrated,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.error import Forbidden as TelegramForbidden
from telegram.request import HTTPXRequest

from channels.base import (
    BadPayload,
    ChannelSettings,
    CredentialsRefused,
    Forbidden,
    Ignored,
    InboundMessage,
    Media,
    MediaUnavailable,
    OutboundMessage,
    PermanentSendError,
    ProviderUnavailable,
    RetryableSendError,
    SendResult,
    clean_id,
    clean_payload,
    clean_text,
    point,
)
from channels.media import MediaPolicy

log = logging.getLogger(__name__)
# The longest caption a photo may carry; a longer update goes as a text without its photo.
MAX_CAPTION_CHARS = 1024
# httpx logs every request URL at INFO, and a Bot API URL holds the bot token (/bot<token>/sendMessage).
logging.getLogger("httpx").setLevel(logging.WARNING)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
LOCATION_BUTTON = "📍 Partager ma position"
# Telegram's flood limits (Bot FAQ; PTB's `FloodLimit`): about 30 messages a second in all, one a second per chat.
MESSAGES_PER_SECOND = 30
SECONDS_BETWEEN_MESSAGES_TO_A_CHAT = 1.0
# A wait this short is slept in the sending thread; a longer one goes back to the outbox with `retry_after`.
SHORT_WAIT_SECONDS = 0.25

# Update kinds other than a resident's new message: acknowledged (200) so Telegram stops sending them, never stored.
IGNORED_UPDATES = {
    "edited_message": "an edit of a message already handled (live locations arrive this way too)",
    "channel_post": "a post in a channel, not a resident writing",
    "edited_channel_post": "an edit in a channel",
    "business_message": "a business account's message",
    "inline_query": "an inline query: the bot is not an inline bot",
    "my_chat_member": "the resident blocked or unblocked the bot: the next send finds out",
    "chat_member": "a group membership change",
    "message_reaction": "a reaction to a message",
    "poll": "a poll",
    "poll_answer": "a poll answer",
}
# Message contents Guichet does not read; such a message is acknowledged and dropped.
UNREAD_CONTENTS = ("sticker", "voice", "audio", "video", "video_note", "animation", "dice", "poll", "game",
                   "contact", "new_chat_members", "left_chat_member", "pinned_message")
# Telegram's errors after which a chat cannot be written to again (courier treats them as a contact stop).
STOPPING_DESCRIPTIONS = ("chat not found", "user is deactivated", "bot was blocked", "bot was kicked",
                         "bot can't initiate conversation")

_T = TypeVar("_T")


class SendRateLimiter:
    """Telegram's flood limits kept in this process: a sliding one-second window overall and a gap per chat.

    `reserve(chat)` answers 0 and counts the send when it may go now, else how many seconds to wait.
    Each worker process keeps its own count: with several, Telegram's own 429 `retry_after` is the backstop.
    """

    def __init__(self, *, per_second: int = MESSAGES_PER_SECOND,
                 per_chat_interval: float = SECONDS_BETWEEN_MESSAGES_TO_A_CHAT,
                 clock: Callable[[], float] = time.monotonic):
        self.per_second, self.per_chat_interval, self.clock = per_second, per_chat_interval, clock
        self._lock = threading.Lock()
        self._recent: deque[float] = deque()  # send times within the last second
        self._last_by_chat: dict[str, float] = {}
        self._paused_until = 0.0

    def reserve(self, chat: str) -> float:
        """0 (and the send is counted) when a message to `chat` may go now; else the seconds to wait."""
        with self._lock:
            now = self.clock()
            while self._recent and now - self._recent[0] >= 1.0:
                self._recent.popleft()
            waits = [self._paused_until - now]
            if len(self._recent) >= self.per_second:
                waits.append(1.0 - (now - self._recent[0]))
            last = self._last_by_chat.get(chat)
            if last is not None:
                waits.append(self.per_chat_interval - (now - last))
            wait = max(waits)
            if wait > 0:
                return wait
            self._recent.append(now)
            self._last_by_chat[chat] = now
            if len(self._last_by_chat) > 10_000:
                self._forget_quiet_chats(now)
            return 0.0

    def pause(self, seconds: float) -> None:
        """Hold every send for `seconds` (Telegram answered 429: the flood limit is the bot's, not one chat's)."""
        with self._lock:
            self._paused_until = max(self._paused_until, self.clock() + seconds)

    def _forget_quiet_chats(self, now: float) -> None:
        self._last_by_chat = {chat: at for chat, at in self._last_by_chat.items()
                              if now - at < self.per_chat_interval}


class Telegram:
    """The Telegram channel adapter: one bot, its webhook secret and the Bot API it talks to."""

    name = "telegram"
    inbound_lifts_block = True  # a message from the resident proves they unblocked the bot

    def __init__(self, *, token: str, webhook_secret: str, api_url: str = "https://api.telegram.org",
                 limiter: SendRateLimiter | None = None, timeout: float = 15.0,
                 media_policy: MediaPolicy | None = None):
        self.token = token
        self.media_policy = media_policy or MediaPolicy.only(api_url)
        self.webhook_secret = webhook_secret
        self.api_url = api_url.rstrip("/")
        # The bot's id is the part of its token before the colon: public, and the gateway address we store.
        self.bot_id = token.split(":", 1)[0]
        self.limiter = limiter or SendRateLimiter()
        self.timeout = timeout
        self._local = threading.local()
        self._opened: list[tuple[asyncio.AbstractEventLoop, Bot]] = []
        self._opened_lock = threading.Lock()

    def __repr__(self) -> str:
        return f"Telegram(bot_id={self.bot_id!r}, api_url={self.api_url!r})"  # never the token or secret

    # -- inbound -----------------------------------------------------------------------------------

    def acknowledgement(self) -> tuple[str, str]:
        """An empty 200: replies leave through the outbox, never in the webhook's answer."""
        return "", "text/plain"

    def verify(self, request: Request) -> None:
        """Refuse a request without our webhook secret (Telegram signs nothing: the secret is all there is)."""
        if not self.webhook_secret:
            # Fail closed: without TELEGRAM_WEBHOOK_SECRET anyone could post updates.
            raise Forbidden("TELEGRAM_WEBHOOK_SECRET is not set: the Telegram webhook accepts nothing")
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self.webhook_secret.encode()):
            raise Forbidden(f"invalid {SECRET_HEADER}")

    def parse(self, request: Request) -> InboundMessage:
        """The webhook's JSON update as one inbound message."""
        try:
            data = json.loads(request.get_data(cache=True))
        except (ValueError, UnicodeDecodeError) as err:
            raise BadPayload("a Telegram update is a JSON object; this body is not valid JSON") from err
        except RecursionError as err:  # arrays nested a thousand deep: no update Telegram sends
            raise BadPayload("a Telegram update is not nested this deep") from err
        return self.parse_update(data)

    def parse_update(self, data: Any) -> InboundMessage:
        """One Telegram `Update` (webhook body or `getUpdates` item) as an inbound message; no I/O."""
        if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
            raise BadPayload("a Telegram update is a JSON object with an integer update_id")
        kinds = [key for key in data if key != "update_id"]
        if "callback_query" in kinds:
            return self._button_press(data)
        if "message" not in kinds:
            kind = kinds[0] if kinds else "empty"
            raise Ignored(IGNORED_UPDATES.get(kind, f"{kind} updates are not handled"))
        try:
            message = Update.de_json(data, None).message
            if message is None or message.chat is None:
                raise BadPayload("a Telegram message carries its chat")
            if message.chat.type != "private":
                # The bot talks with residents one to one; a share-location button only works in private chats.
                raise Ignored(f"a message in a {_words(message.chat.type)} chat")
            text = _command_text(_words(message.text) or _words(message.caption))
            where = _point(message)
            if message.venue is not None and not text:
                text = ", ".join(part for part in (_words(message.venue.title), _words(message.venue.address)) if part)
            media = _media(message)
            sender = message.from_user
            name = clean_text(sender.full_name) if sender is not None and isinstance(sender.first_name, str) else None
            if not isinstance(message.chat.id, int):
                raise TypeError("a chat id is a number")
            chat = str(message.chat.id)
        except (KeyError, TypeError, ValueError, AttributeError, RecursionError) as err:
            # PTB builds its objects from whatever came: a number for a text, a list for a chat.
            raise BadPayload(f"malformed Telegram message: {type(err).__name__}") from err
        # A location that is no place (NaN, latitude 95) still reaches the engine, which asks "where?" again.
        unreadable = where is None and (message.location is not None or message.venue is not None)
        if not text and where is None and not media and not unreadable:
            content = next((name for name in UNREAD_CONTENTS if getattr(message, name, None)), "unknown")
            raise Ignored(f"a message Guichet cannot read ({content})")
        return InboundMessage(
            channel=self.name,
            provider_id=str(data["update_id"]),
            sender=chat,
            recipient=self.bot_id,
            text=text,
            lat=where[0] if where else None,
            lon=where[1] if where else None,
            profile_name=name or None,
            media=media,
            place_unreadable=unreadable,
            raw=clean_payload(data),
        )

    def _button_press(self, data: dict) -> InboundMessage:
        """An inline button pressed (« SOUTIEN » under a similar idea): the word it carries, as if typed."""
        press = data["callback_query"]
        sender = press.get("from") if isinstance(press, dict) else None
        word = press.get("data") if isinstance(press, dict) else None
        if not isinstance(sender, dict) or not isinstance(sender.get("id"), int) or not isinstance(word, str):
            raise BadPayload("a Telegram button press carries who pressed it and its data")
        # In a private chat the chat's id is the resident's id.
        return InboundMessage(channel=self.name, provider_id=str(data["update_id"]), sender=str(sender["id"]),
                              recipient=self.bot_id, text=clean_text(word)[:64], raw=clean_payload(data))

    @staticmethod
    def webhook_answer(received: InboundMessage) -> dict[str, str] | None:
        """The Bot API method answered in the webhook's own response, which Telegram carries out: for a pressed
        button, `answerCallbackQuery`, so that its spinner stops at once (the words it carries are answered
        through the outbox, like any message)."""
        press = received.raw.get("callback_query") if isinstance(received.raw, dict) else None
        if isinstance(press, dict) and isinstance(press.get("id"), str) and press["id"]:
            return {"method": "answerCallbackQuery", "callback_query_id": press["id"][:64]}
        return None

    # -- outbound ----------------------------------------------------------------------------------

    def send(self, message: OutboundMessage) -> SendResult:
        """`sendMessage` to the resident's chat, with the share-location keyboard when the question is "where?"."""
        self._take_turn(message.to)
        photo = message.photo
        try:
            picture: bytes | str | None = (photo.data or photo.url) if photo is not None else None
            if picture is not None and len(message.body) <= MAX_CAPTION_CHARS:
                # A resolution photo: sendPhoto with the update as its caption (uploaded: our address may not
                # be one Telegram's servers can reach).
                sent: TelegramMessage = self._run(lambda bot: bot.send_photo(
                    chat_id=message.to, photo=picture, caption=message.body))
            else:
                sent = self._run(lambda bot: bot.send_message(
                    chat_id=message.to, text=message.body, reply_markup=_keyboard(message)))
        except TelegramError as err:
            raise self._classify(err) from err
        # Telegram has no delivery receipts: a message it accepted is in the resident's chat.
        return SendResult(provider_id=str(sent.message_id), status="delivered")

    def fetch_media(self, media: Media) -> Media:
        """A photo's bytes: `getFile` gives its path, then the file server gives the bytes (bots: up to 20 MB).

        The file's URL carries the bot's token, so it is fetched only from a media host; a file past the size
        cap is not downloaded at all (getFile says its size), and the whole fetch has the policy's deadline."""

        file_id = media.url
        if file_id is None:
            raise MediaUnavailable("a photo without a file_id cannot be fetched", reason="not_found")
        policy = self.media_policy

        async def download(bot: Bot) -> tuple[bytes, str | None]:
            file = await bot.get_file(file_id)
            if file.file_size is not None and file.file_size > policy.max_bytes:
                raise MediaUnavailable(f"a photo of more than {policy.max_bytes} bytes", reason="too_big")
            if not file.file_path or not policy.allows(file.file_path):
                raise MediaUnavailable("a Telegram file outside the media hosts", reason="foreign_host")
            data = bytes(await asyncio.wait_for(file.download_as_bytearray(), timeout=policy.timeout))
            if len(data) > policy.max_bytes:
                raise MediaUnavailable(f"a photo of more than {policy.max_bytes} bytes", reason="too_big")
            return data, file.file_path

        try:
            data, path = self._run(download)
        except (BadRequest, TelegramForbidden) as err:
            raise MediaUnavailable(f"Telegram refuses the file: {err.message}", reason="not_found") from err
        except (TelegramError, TimeoutError) as err:
            reason = "timeout" if isinstance(err, TimeoutError) else "unreachable"
            raise MediaUnavailable(f"cannot fetch a Telegram file: {type(err).__name__}", reason=reason) from err
        filename = media.filename or (path.rsplit("/", 1)[-1] if path else None)
        return Media(content_type=media.content_type, url=media.url, data=data, filename=filename)

    def find_sent(self, message: OutboundMessage, since: datetime) -> str | None:
        """Always None: the Bot API cannot look up a sent message, so a send cut by a crash may go twice."""
        return None

    # -- polling (local use) -----------------------------------------------------------------------

    def get_updates(self, *, offset: int | None, timeout: float = 0.0, limit: int = 100) -> list[dict]:
        """Updates waiting at Telegram from `offset` on (a higher offset confirms the earlier ones), as JSON.

        CredentialsRefused for a missing or refused token, ProviderUnavailable when Telegram cannot answer.
        """
        updates = self._managing(lambda bot: bot.get_updates(offset=offset, timeout=int(timeout), limit=limit,
                                                             read_timeout=self.timeout + timeout))
        return [json.loads(update.to_json()) for update in updates]

    @staticmethod
    def offset_after(update: dict, offset: int | None) -> int:
        """The `getUpdates` offset that confirms `update` and every update before it."""
        update_id = update.get("update_id")
        return max(offset or 0, (update_id if isinstance(update_id, int) else 0) + 1)

    def set_webhook(self, url: str) -> None:
        """Have Telegram post updates to `url` (our `/webhooks/telegram`), with the secret token in a header."""
        if self.token and not self.webhook_secret:  # without a token, that is what is said first
            raise CredentialsRefused("TELEGRAM_WEBHOOK_SECRET is not set: choose a random secret (1 to 256 letters, "
                                     "digits, _ or -) before registering the webhook")
        self._managing(lambda bot: bot.set_webhook(url=url, secret_token=self.webhook_secret,
                                                   allowed_updates=["message"]))

    def delete_webhook(self) -> None:
        """Telegram answers 409 to `getUpdates` while a webhook is set: polling removes it first."""
        self._managing(lambda bot: bot.delete_webhook(drop_pending_updates=False))

    def _managing(self, call: Callable[[Bot], Coroutine[Any, Any, _T]]) -> _T:
        """A call that manages the bot (polling, the webhook), its failures in our words."""
        if not self.token:
            raise CredentialsRefused("TELEGRAM_BOT_TOKEN is not set: write the token BotFather gave the bot")
        try:
            return self._run(call)
        except InvalidToken as err:
            raise CredentialsRefused("Telegram rejects TELEGRAM_BOT_TOKEN: set the token BotFather gave the bot") \
                from err
        except TelegramError as err:  # network, 5xx, 409 Conflict (another poller)
            raise ProviderUnavailable(f"Telegram did not answer: {err}") from err

    # -- plumbing ----------------------------------------------------------------------------------

    def close(self) -> None:
        """Close every thread's HTTP client and event loop (tests, shutdown); later sends open new ones."""
        with self._opened_lock:
            opened, self._opened = self._opened, []
        for loop, bot in opened:
            if not loop.is_closed():
                loop.run_until_complete(bot.shutdown())
                loop.close()

    def _take_turn(self, chat: str) -> None:
        wait = self.limiter.reserve(chat)
        if 0 < wait <= SHORT_WAIT_SECONDS:
            time.sleep(wait)
            wait = self.limiter.reserve(chat)
        if wait > 0:
            raise RetryableSendError("Telegram flood limit: waiting before this chat's next message",
                                     code="rate_limited", retry_after=wait)

    def _run(self, call: Callable[[Bot], Coroutine[Any, Any, _T]]) -> _T:
        """Run one Bot API call on this thread's loop and bot."""
        loop, bot = self._thread_bot()
        return loop.run_until_complete(call(bot))

    def _thread_bot(self) -> tuple[asyncio.AbstractEventLoop, Bot]:
        pair = getattr(self._local, "pair", None)
        if pair is None or pair[0].is_closed():
            if not self.token:
                raise PermanentSendError("TELEGRAM_BOT_TOKEN is not set: nothing can be sent on Telegram",
                                         code="no_token")
            request = HTTPXRequest(connect_timeout=5.0, read_timeout=self.timeout, write_timeout=self.timeout)
            bot = Bot(self.token, base_url=f"{self.api_url}/bot", base_file_url=f"{self.api_url}/file/bot",
                      request=request, get_updates_request=HTTPXRequest(connect_timeout=5.0))
            pair = (asyncio.new_event_loop(), bot)
            self._local.pair = pair
            with self._opened_lock:
                self._opened.append(pair)
        return pair

    def _classify(self, err: TelegramError) -> RetryableSendError | PermanentSendError:
        """Telegram's answer as our error: what to retry, what to give up, what stops the chat."""
        match err:
            case RetryAfter():
                seconds = _seconds(err)
                self.limiter.pause(seconds)
                return RetryableSendError(f"Telegram 429: retry after {seconds:g} s", code="429",
                                          retry_after=seconds)
            case TelegramForbidden():
                return PermanentSendError(f"Telegram 403: {err.message}", code="403", stops_identity=True)
            case BadRequest() if any(text in err.message.lower() for text in STOPPING_DESCRIPTIONS):
                return PermanentSendError(f"Telegram 400: {err.message}", code="400", stops_identity=True)
            case BadRequest() | ChatMigrated():
                return PermanentSendError(f"Telegram 400: {err.message}", code="400")
            case InvalidToken():
                # Every message would fail the same way: keep them queued while the token is fixed.
                log.error("Telegram rejects TELEGRAM_BOT_TOKEN", extra={"channel": self.name})
                return RetryableSendError("Telegram rejects the bot token", code="401")
            case NetworkError():  # TimedOut included: the message may have gone, and may go twice
                return RetryableSendError(f"Telegram unreachable: {type(err).__name__}", code="network")
        return PermanentSendError(f"Telegram error: {err.message}")


def from_settings(settings: ChannelSettings) -> Telegram:
    """The adapter configured by TELEGRAM_BOT_TOKEN, TELEGRAM_WEBHOOK_SECRET and TELEGRAM_API_URL."""
    return Telegram(token=settings.telegram_bot_token, webhook_secret=settings.telegram_webhook_secret,
                    api_url=settings.telegram_api_url, media_policy=MediaPolicy.from_settings(settings))


def _command_text(text: str) -> str:
    """A command as the engine reads it: `/start` without its deep-link payload or `@bot` suffix."""
    if not text.startswith("/"):
        return text
    command, _, rest = text.partition(" ")
    command = command.split("@", 1)[0]
    if command == "/start":
        return command  # the payload of t.me/<bot>?start=... is not the resident's words
    return f"{command} {rest}".strip()


def _whole(value: Any) -> int:
    """A size Telegram gives as a number; TypeError for anything else (a text repeated a billion times)."""
    if value is None:
        return 0
    if not isinstance(value, int):
        raise TypeError(f"a size holds a {type(value).__name__}")
    return value


def _words(value: Any) -> str:
    """A text field of a message, cleaned; TypeError when it is not a text (`"text": 12345`)."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise TypeError(f"a text field holds a {type(value).__name__}")
    return clean_text(value)


def _point(message: TelegramMessage) -> tuple[float, float] | None:
    """A shared location, or a venue's; numbers written as text are read, a position that is no place
    (NaN, infinities, out of range) is ignored, so the engine asks "where?"."""
    for location in (message.location, message.venue.location if message.venue is not None else None):
        if location is not None:
            where = point(location.latitude, location.longitude)
            if where is not None:
                return where
    return None


def _media(message: TelegramMessage) -> tuple[Media, ...]:
    """The largest size of a photo; an image sent as a file (which keeps its GPS tags, unlike photos)."""
    if message.photo:
        largest = max(message.photo, key=lambda size: (_whole(size.width) * _whole(size.height),
                                                        _whole(size.file_size)))
        return (Media(url=clean_id(largest.file_id, "file_id"), content_type="image/jpeg"),)
    document = message.document
    if document is not None and isinstance(document.mime_type, str) and document.mime_type.startswith("image/"):
        return (Media(url=clean_id(document.file_id, "file_id"), content_type=clean_text(document.mime_type),
                      filename=_words(document.file_name) or None),)
    return ()


def _keyboard(message: OutboundMessage) -> InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | None:
    """The share-location button with a "where?" question, the options' inline buttons with an offer; a reply
    after it takes the keyboard away."""
    if message.options:
        return InlineKeyboardMarkup([[InlineKeyboardButton(word, callback_data=word[:64]) for word in message.options]])
    if message.ask_location:
        button = KeyboardButton(LOCATION_BUTTON, request_location=True)
        return ReplyKeyboardMarkup([[button]], resize_keyboard=True, one_time_keyboard=True)
    if message.purpose == "reply":
        # Without a keyboard shown this changes nothing. Updates and the emergency numbers (sent beside a
        # "where?" in the same turn) leave a pending question's button alone.
        return ReplyKeyboardRemove()
    return None


def _seconds(err: RetryAfter) -> float:
    with warnings.catch_warnings():  # PTB 22 warns that retry_after becomes a timedelta
        warnings.simplefilter("ignore")
        value = err.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)
