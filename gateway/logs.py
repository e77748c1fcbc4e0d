"""One log format for every process (serve, worker, smtp, the gunicorn web): the message, then its fields.

Modules log with `extra={"case": ref, "channel": "sms"}`; the standard formatter drops those fields, so
this one prints them after the message as `key=value`, sorted, quoted when they hold a space. What goes in
`extra` is chosen where it is logged: never a message body or a full phone number (STYLE, point 14). As a
second line of defence, `PrivacyFilter` masks phone numbers and e-mail addresses in every record's message,
arguments, fields and traceback; the database engines hide statements' parameters (store/db.py).
"""

from __future__ import annotations

import logging
import sys
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


def handler(stream: TextIO | None = None) -> logging.Handler:
    """A handler writing the gateway's format to `stream` (stderr), personal data masked."""
    made = logging.StreamHandler(stream or sys.stderr)
    made.setFormatter(FieldsFormatter(FORMAT))
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
