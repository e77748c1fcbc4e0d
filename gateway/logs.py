"""One log format for every process (serve, worker, smtp, the gunicorn web): the message, then its fields.

Modules log with `extra={"case": ref, "channel": "sms"}`; the standard formatter drops those fields, so
this one prints them after the message as `key=value`, sorted, quoted when they hold a space. What goes in
`extra` is chosen where it is logged: never a message body or a full phone number (STYLE, point 14).
"""

from __future__ import annotations

import logging

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


def configure(verbose: bool = False) -> None:
    """Log to stderr in the gateway's format; quiet the scheduler's and the dev server's chatter."""
    handler = logging.StreamHandler()
    handler.setFormatter(FieldsFormatter(FORMAT))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    # A job every half second is not news; requests to the local stand-ins neither.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
