"""One log format for every process (serve, worker, smtp, the gunicorn web): the message, then its fields.

Modules log with `extra={"case": ref, "channel": "sms"}`; the standard formatter drops those fields, so
this one prints them after the message as `key=value`, sorted, quoted when they hold a space. What goes in
`extra` is chosen where it is logged: never a message body or a full phone number (STYLE, point 14). As a
second line of defence, `PrivacyFilter` masks phone numbers and e-mail addresses in every record's message,
arguments, fields and traceback; the database engines hide statements' parameters (store/db.py).
"""

from __future__ import annotations

import json
import logging
import os
import sys
from datetime import UTC, datetime
from typing import TextIO

from gateway.cases.privacy import mask_contacts

# The attributes every LogRecord has; anything else on a record came from `extra`.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "taskName"}
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class FieldsFormatter(logging.Formatter):
    """The usual line, followed by the record's structured fields."""

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        fields = {k: v for k, v in vars(record).items() if k not in _STANDARD and not k.startswith("_")}
        if not fields:
            return line
        text = " ".join(f"{key}={_value(value)}" for key, value in sorted(fields.items()))
        head, newline, rest = line.partition("\n")  # a traceback stays below the line
        return f"{head} {text}{newline}{rest}"


class JsonLinesFormatter(logging.Formatter):
    """One JSON object a record (`GUICHET_LOG_FORMAT=json`), for a log collector: time, level, logger,
    message, the record's fields, and the traceback as one string."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {"time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
                "level": record.levelname, "logger": record.name, "message": record.getMessage()}
        line |= {k: _plain(v) for k, v in vars(record).items()
                 if k not in _STANDARD and not k.startswith("_") and k not in line}
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            line["traceback"] = record.exc_text
        return json.dumps(line, ensure_ascii=False)


def _plain(value: object) -> object:
    return value if isinstance(value, str | int | float | bool) or value is None else str(value)


def _value(value: object) -> str:
    text = str(value)
    return repr(text) if not text or any(c.isspace() or c in "='\"" for c in text) else text


class PrivacyFilter(logging.Filter):
    """Masks phone numbers and e-mail addresses in a record: its message and arguments, fields and traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        record.msg, record.args = mask_contacts(message), None
        for name, value in list(vars(record).items()):
            if name not in _STANDARD and not name.startswith("_") and isinstance(value, str):
                setattr(record, name, mask_contacts(value))
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_contacts(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_contacts(record.stack_info)
        return True


def handler(stream: TextIO | None = None, *, json_lines: bool | None = None) -> logging.Handler:
    """A handler writing the gateway's format to `stream` (stderr), personal data masked; JSON lines when
    `json_lines` (by default when GUICHET_LOG_FORMAT is `json`; Settings refuses any other value than text)."""
    if json_lines is None:
        json_lines = os.environ.get("GUICHET_LOG_FORMAT", "text").strip().lower() == "json"
    made = logging.StreamHandler(stream or sys.stderr)
    made.setFormatter(JsonLinesFormatter() if json_lines else FieldsFormatter(FORMAT))
    made.addFilter(PrivacyFilter())
    return made


def configure(verbose: bool = False) -> None:
    """Log to stderr in the gateway's format; quiet the scheduler's and the dev server's chatter."""
    root = logging.getLogger()
    root.handlers[:] = [handler()]
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    # A job every half second is not news; requests to the local stand-ins neither.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
