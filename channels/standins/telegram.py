"""A local Telegram Bot API: the bot's methods, the file server and the resident's side, for tests and the demo.

It speaks the Bot API's wire format (`/bot<token>/<method>` with query, form, multipart or JSON
parameters; `{"ok": true, "result": ...}` or `{"ok": false, "error_code", "description", "parameters"}`),
so the production code reaches it through python-telegram-bot with `TELEGRAM_API_URL` pointed at
`TelegramStandin.url`. Updates written by the test (`text_update`, `location_update`, `photo_update`,
`start_update`) are served by `getUpdates`, or posted to the webhook with its secret once one is set.
"""

from __future__ import annotations

import argparse
import copy
import hmac
import itertools
import json
import logging
import secrets
import threading
import time
from collections import deque
from typing import Any

import requests
from flask import Flask, Response, jsonify, request

from channels.standins.server import LocalServer

logger = logging.getLogger(__name__)

DEFAULT_TOKEN = "123456789:AAHstandinTokenForLocalTests_0123456"
BOT_USERNAME = "GuichetValmontBot"
MAX_TEXT_CHARS = 4096
MAX_CAPTION_CHARS = 1024
MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024  # bots download files up to 20 MB
WEBHOOK_TIMEOUT_SECONDS = 15.0
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"

# update_id "starts from a certain positive number and increases sequentially" (Bot API, Update).
_update_ids = itertools.count(880_000_000 + secrets.randbelow(100_000))
_message_ids = itertools.count(500)


def _now() -> int:
    return int(time.time())


def _resident(chat_id: int, first_name: str) -> dict[str, Any]:
    return {"id": chat_id, "is_bot": False, "first_name": first_name, "language_code": "fr"}


def message_update(chat_id: int, content: dict[str, Any], *, update_id: int | None = None,
                   first_name: str = "Camille") -> dict[str, Any]:
    """An update carrying a resident's new message in their private chat with the bot."""
    message = {
        "message_id": next(_message_ids),
        "from": _resident(chat_id, first_name),
        "chat": {"id": chat_id, "first_name": first_name, "type": "private"},
        "date": _now(),
        **content,
    }
    return {"update_id": update_id if update_id is not None else next(_update_ids), "message": message}


def text_update(chat_id: int, text: str, **kwargs: Any) -> dict[str, Any]:
    """A typed message."""
    return message_update(chat_id, {"text": text}, **kwargs)


def start_update(chat_id: int, payload: str = "", **kwargs: Any) -> dict[str, Any]:
    """What the Start button sends: `/start`, with a deep-link payload when opened from t.me/<bot>?start=..."""
    text = f"/start {payload}".strip()
    return message_update(chat_id, {"text": text, "entities": [{"offset": 0, "length": 6, "type": "bot_command"}]},
                          **kwargs)


def location_update(chat_id: int, latitude: float, longitude: float, **kwargs: Any) -> dict[str, Any]:
    """A position shared with the share-location button."""
    location = {"latitude": latitude, "longitude": longitude, "horizontal_accuracy": 12.0}
    return message_update(chat_id, {"location": location}, **kwargs)


def photo_sizes(file_id: str, file_unique_id: str, size: int) -> list[dict[str, Any]]:
    """The sizes Telegram makes of one photo, smallest first; the last is the original's size."""
    return [
        {"file_id": f"{file_id}-s", "file_unique_id": f"{file_unique_id}s", "width": 90, "height": 67,
         "file_size": min(size, 1432)},
        {"file_id": f"{file_id}-m", "file_unique_id": f"{file_unique_id}m", "width": 320, "height": 240,
         "file_size": min(size, 17_284)},
        {"file_id": file_id, "file_unique_id": file_unique_id, "width": 1280, "height": 960, "file_size": size},
    ]


def post_update(webhook_url: str, update: dict[str, Any], secret: str | None) -> requests.Response:
    """POST an update to a bot's webhook as Telegram does: JSON, with the secret token header when one is set."""
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers[SECRET_HEADER] = secret
    return requests.post(webhook_url, data=json.dumps(update), headers=headers, timeout=WEBHOOK_TIMEOUT_SECONDS)


class TelegramStandin(LocalServer):
    """A local Bot API for one bot on 127.0.0.1, with switches to block the bot or throttle it."""

    name = "Telegram stand-in"

    def __init__(self, token: str = DEFAULT_TOKEN, port: int = 0, host: str = "127.0.0.1") -> None:
        self.token = token
        self.bot_id = int(token.split(":", 1)[0])
        super().__init__(host, port)
        self._condition = threading.Condition()
        self.app = self._build_app()
        self.reset()

    # Inspection and switches

    @property
    def sent(self) -> list[dict[str, Any]]:
        """Every message the bot sent (sendMessage, sendPhoto), oldest first: chat_id, text, reply_markup..."""
        with self._condition:
            return copy.deepcopy(self._sent)

    @property
    def calls(self) -> list[str]:
        """The methods called, in order, refused ones included."""
        with self._condition:
            return list(self._calls)

    def wait_for(self, n: int, timeout: float = 5.0) -> list[dict[str, Any]]:
        """Block until at least n messages were sent and return them all."""
        with self._condition:
            if not self._condition.wait_for(lambda: len(self._sent) >= n, timeout=timeout):
                arrived = [(m["chat_id"], m.get("text", "")[:40]) for m in self._sent]
                raise AssertionError(f"Expected {n} message(s) within {timeout} s, got {arrived}")
            return copy.deepcopy(self._sent)

    def block(self, chat_id: int | str) -> None:
        """The resident blocked the bot: sends to that chat get 403 "bot was blocked by the user"."""
        with self._condition:
            self._blocked.add(str(chat_id))

    def unblock(self, chat_id: int | str) -> None:
        """The resident unblocked the bot."""
        with self._condition:
            self._blocked.discard(str(chat_id))

    def throttle(self, seconds: int, count: int = 1) -> None:
        """Answer the next `count` sends with 429 Too Many Requests and `parameters.retry_after`."""
        with self._condition:
            self._throttled.extend([seconds] * count)

    def add_file(self, data: bytes, *, file_path: str | None = None) -> str:
        """Hold a file (a resident's photo) on the file server; returns its file_id."""
        file_id = "AgACAgQAAxkBAAI" + secrets.token_urlsafe(24)
        with self._condition:
            self._files[file_id] = (data, file_path or f"photos/file_{len(self._files)}.jpg")
        return file_id

    def photo_update(self, chat_id: int, data: bytes, *, caption: str = "", **kwargs: Any) -> dict[str, Any]:
        """A photo sent by the resident: its bytes held here under the largest size's file_id."""
        file_id = self.add_file(data)
        for size in ("-s", "-m"):  # smaller sizes: other bytes, as Telegram recompresses them
            with self._condition:
                self._files[file_id + size] = (data[:64], f"photos/thumb_{size[1]}_{len(self._files)}.jpg")
        content: dict[str, Any] = {"photo": photo_sizes(file_id, "AQAD" + secrets.token_hex(6), len(data))}
        if caption:
            content["caption"] = caption
        return message_update(chat_id, content, **kwargs)

    def deliver(self, update: dict[str, Any]) -> requests.Response | None:
        """Hand an update to the bot: posted to its webhook if one is set, else queued for getUpdates."""
        with self._condition:
            webhook = self._webhook
            if webhook is None:
                self._updates.append(copy.deepcopy(update))
                self._condition.notify_all()
                return None
        response = post_update(webhook["url"], update, webhook.get("secret_token"))
        self.answered(response)
        return response

    def answered(self, response: requests.Response) -> None:
        """What Telegram does with a webhook's response naming a method: calls it (kept in `calls`)."""
        try:
            method = response.json().get("method") if response.ok else None
        except (ValueError, AttributeError):
            method = None
        if isinstance(method, str):
            with self._condition:
                self._calls.append(method)

    def reset(self) -> None:
        """Forget sent messages, queued updates, files, the webhook, blocks and throttling."""
        with self._condition:
            self._sent: list[dict[str, Any]] = []
            self._calls: list[str] = []
            self._updates: deque[dict[str, Any]] = deque()
            self._files: dict[str, tuple[bytes, str]] = {}
            self._webhook: dict[str, Any] | None = None
            self._blocked: set[str] = set()
            self._throttled: deque[int] = deque()

    # HTTP side

    def _build_app(self) -> Flask:
        app = Flask(__name__)
        app.add_url_rule("/bot<token>/<method>", view_func=self._method, methods=["GET", "POST"])
        app.add_url_rule("/file/bot<token>/<path:file_path>", view_func=self._download, methods=["GET"])
        app.add_url_rule("/_standin/sent", view_func=lambda: jsonify(self.sent), methods=["GET"])
        app.add_url_rule("/_standin/reset", view_func=self._reset_route, methods=["POST"])
        app.register_error_handler(404, lambda _err: self._error(404, "Not Found"))
        return app

    @staticmethod
    def _ok(result: Any) -> tuple[Response, int]:
        return jsonify({"ok": True, "result": result}), 200

    @staticmethod
    def _error(code: int, description: str, parameters: dict | None = None) -> tuple[Response, int]:
        body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
        if parameters:
            body["parameters"] = parameters
        return jsonify(body), code

    def _method(self, token: str, method: str) -> tuple[Response, int]:
        with self._condition:
            self._calls.append(method)
        if not hmac.compare_digest(token.encode(), self.token.encode()):
            return self._error(401, "Unauthorized")
        handler = {
            "getMe": self._get_me,
            "sendMessage": self._send_message,
            "sendPhoto": self._send_photo,
            "getUpdates": self._get_updates,
            "getFile": self._get_file,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
        }.get(method)
        if handler is None:
            return self._error(404, "Not Found: method not found")
        try:
            return handler(_params())
        except (KeyError, ValueError) as err:
            return self._error(400, f"Bad Request: {err}")

    def _bot_user(self) -> dict[str, Any]:
        return {"id": self.bot_id, "is_bot": True, "first_name": "Guichet Valmont", "username": BOT_USERNAME,
                "can_join_groups": False, "can_read_all_group_messages": False, "supports_inline_queries": False}

    def _get_me(self, params: dict[str, Any]) -> tuple[Response, int]:
        return self._ok(self._bot_user())

    def _refusal(self, chat_id: str) -> tuple[Response, int] | None:
        """Throttling and blocks, checked as Telegram does before accepting a send; the caller holds the lock."""
        if self._throttled:
            seconds = self._throttled.popleft()
            return self._error(429, f"Too Many Requests: retry after {seconds}", {"retry_after": seconds})
        if chat_id in self._blocked:
            return self._error(403, "Forbidden: bot was blocked by the user")
        return None

    def _message(self, chat_id: str, content: dict[str, Any]) -> dict[str, Any]:
        chat = {"id": int(chat_id) if chat_id.lstrip("-").isdigit() else chat_id, "type": "private"}
        return {"message_id": next(_message_ids), "from": self._bot_user(), "chat": chat, "date": _now(), **content}

    def _send_message(self, params: dict[str, Any]) -> tuple[Response, int]:
        chat_id, text = str(params["chat_id"]), str(params.get("text", ""))
        if not text.strip():
            return self._error(400, "Bad Request: message text is empty")
        if len(text) > MAX_TEXT_CHARS:
            return self._error(400, "Bad Request: message is too long")
        return self._accept("sendMessage", chat_id, params, {"text": text})

    def _send_photo(self, params: dict[str, Any]) -> tuple[Response, int]:
        chat_id, caption = str(params["chat_id"]), str(params.get("caption", ""))
        photo = params.get("photo")
        if not photo:
            return self._error(400, "Bad Request: there is no photo in the request")
        if len(caption) > MAX_CAPTION_CHARS:
            return self._error(400, "Bad Request: message caption is too long")
        uploaded = isinstance(photo, bytes)
        file_id = self.add_file(photo) if uploaded else str(photo)
        content: dict[str, Any] = {"photo": photo_sizes(file_id, "AQAD" + secrets.token_hex(6),
                                                        len(photo) if uploaded else 0)}
        if caption:
            content["caption"] = caption
        # What was uploaded, for tests: its size and first bytes (hex); a file_id or URL sent on has neither.
        upload = {"photo_size": len(photo), "photo_head": photo[:4].hex()} if uploaded else {}
        return self._accept("sendPhoto", chat_id, params, content, upload)

    def _accept(self, method: str, chat_id: str, params: dict[str, Any],
                content: dict[str, Any], upload: dict[str, Any] | None = None) -> tuple[Response, int]:
        with self._condition:
            refused = self._refusal(chat_id)
            if refused is not None:
                return refused
            message = self._message(chat_id, content)
            self._sent.append({
                "method": method,
                "chat_id": chat_id,
                "message_id": message["message_id"],
                "text": content.get("text") or content.get("caption", ""),
                "reply_markup": _json_param(params.get("reply_markup")),
                "photo": content.get("photo", [{}])[-1].get("file_id") if "photo" in content else None,
                **(upload or {}),
            })
            self._condition.notify_all()
        return self._ok(message)

    def _get_updates(self, params: dict[str, Any]) -> tuple[Response, int]:
        offset = int(params.get("offset") or 0)
        limit = max(1, min(100, int(params.get("limit") or 100)))
        timeout = max(0.0, min(50.0, float(params.get("timeout") or 0)))
        with self._condition:
            if self._webhook is not None:
                return self._error(409, "Conflict: can't use getUpdates method while webhook is active; "
                                        "use deleteWebhook to delete the webhook first")
            self._confirm(offset)
            self._condition.wait_for(lambda: bool(self._updates), timeout=timeout)
            self._confirm(offset)
            return self._ok([copy.deepcopy(update) for update in list(self._updates)[:limit]])

    def _confirm(self, offset: int) -> None:
        """An update is confirmed, and forgotten, once getUpdates asks from a higher offset; the caller holds the lock."""
        if offset < 0:  # a negative offset keeps only the last -offset updates
            while len(self._updates) > -offset:
                self._updates.popleft()
        elif offset:
            while self._updates and self._updates[0]["update_id"] < offset:
                self._updates.popleft()

    def _get_file(self, params: dict[str, Any]) -> tuple[Response, int]:
        file_id = str(params["file_id"])
        with self._condition:
            found = self._files.get(file_id)
        if found is None:
            return self._error(400, "Bad Request: invalid file_id")
        data, path = found
        if len(data) > MAX_DOWNLOAD_BYTES:
            return self._error(400, "Bad Request: file is too big")
        return self._ok({"file_id": file_id, "file_unique_id": "AQAD" + file_id[-8:], "file_size": len(data),
                         "file_path": path})

    def _download(self, token: str, file_path: str) -> Response | tuple[Response, int]:
        if not hmac.compare_digest(token.encode(), self.token.encode()):
            return self._error(401, "Unauthorized")
        with self._condition:
            found = next((data for data, path in self._files.values() if path == file_path), None)
        if found is None:
            return self._error(404, "Not Found")
        return Response(found, mimetype="application/octet-stream")

    def _set_webhook(self, params: dict[str, Any]) -> tuple[Response, int]:
        url = str(params.get("url") or "")
        secret = params.get("secret_token")
        if secret is not None and not (1 <= len(str(secret)) <= 256
                                       and all(c.isascii() and (c.isalnum() or c in "_-") for c in str(secret))):
            return self._error(400, "Bad Request: secret token contains unallowed characters")
        with self._condition:
            if params.get("drop_pending_updates") in (True, "true", "True"):
                self._updates.clear()
            self._webhook = {"url": url, "secret_token": secret} if url else None
        return self._ok(True)

    def _delete_webhook(self, params: dict[str, Any]) -> tuple[Response, int]:
        with self._condition:
            self._webhook = None
            if params.get("drop_pending_updates") in (True, "true", "True"):
                self._updates.clear()
        return self._ok(True)

    def _get_webhook_info(self, params: dict[str, Any]) -> tuple[Response, int]:
        with self._condition:
            url = self._webhook["url"] if self._webhook else ""
            pending = len(self._updates)
        return self._ok({"url": url, "has_custom_certificate": False, "pending_update_count": pending,
                         "max_connections": 40})

    def _reset_route(self) -> tuple[Response, int]:
        self.reset()
        return jsonify({"reset": True}), 200


def _params() -> dict[str, Any]:
    """A method's parameters, however sent: query string, form, multipart (files as bytes) or JSON."""
    params: dict[str, Any] = dict(request.args.items())
    if request.is_json:
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            raise ValueError("can't parse JSON body")
        params.update(body)
    else:
        params.update(request.form.items())
        params.update({name: upload.read() for name, upload in request.files.items()})
    return params


def _json_param(value: Any) -> Any:
    """reply_markup and friends arrive JSON-encoded inside a form, or as objects in a JSON body."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def main(argv: list[str] | None = None) -> None:
    """Run the stand-in in the foreground: `python -m channels.standins.telegram --port 8081`."""
    parser = argparse.ArgumentParser(description="A local Telegram Bot API for the demo and tests.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--token", default=DEFAULT_TOKEN)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    standin = TelegramStandin(args.token, port=args.port, host=args.host)
    standin.serve_in_foreground(f"Telegram stand-in (bot {standin.bot_id})")


if __name__ == "__main__":
    main()


def button_update(chat_id: int, data: str, *, first_name: str = "Camille") -> dict[str, Any]:
    """A resident pressing an inline button the bot sent: a callback query carrying the button's data."""
    return {"update_id": next(_update_ids), "callback_query": {
        "id": str(next(_message_ids)), "from": _resident(chat_id, first_name), "chat_instance": str(chat_id),
        "message": {"message_id": next(_message_ids), "chat": {"id": chat_id, "type": "private"}, "date": _now()},
        "data": data}}
