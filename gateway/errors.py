"""What the gateway refuses or cannot do, each error with its HTTP meaning.

Domain code raises these; each surface answers in its own format with the error's `status`: a plain-text
answer to a provider's webhook (gateway/inbound/accept.py), a JSON problem on the API, the spec's error
list on Open311 (which folds every status but 403 and 404 into 400), a page or a flash on the back office.
A webhook that the channel refuses raises `channels.base.WebhookRejected`, which carries its own status:
channels know nothing of the gateway.
"""

from __future__ import annotations


class GuichetError(Exception):
    """Something the gateway refuses or cannot do; the message is for whoever asked, `status` is its HTTP answer."""

    status = 500


class Invalid(GuichetError):
    """A request whose content is wrong: a missing field, a bad value."""

    status = 422


class Unauthorized(GuichetError):
    """No credentials, or credentials we do not know."""

    status = 401


class Forbidden(GuichetError):
    """Credentials we know, for something they may not do."""

    status = 403


class NotFound(GuichetError):
    """Nothing by that name, or nothing the asker may see (the two look the same from outside)."""

    status = 404


class Conflict(GuichetError):
    """A request that the thing's present state refuses, such as a status it cannot move to."""

    status = 409


class TooManyRequests(GuichetError):
    """Too many requests from one address or one person: refused for `retry_after` seconds (429, Retry-After)."""

    status = 429

    def __init__(self, message: str, *, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


class Unavailable(GuichetError):
    """A part the request needs is down (the database): nothing was done, asking again later may work.

    Every surface answers it with `Retry-After: retry_after` (seconds)."""

    status = 503
    retry_after = 30


class ConfigurationError(GuichetError):
    """A setting is missing or malformed, or a provider refuses the credentials it names: the process cannot
    start or go on. The message says which variable and what to write; the CLI prints it, never a traceback."""
