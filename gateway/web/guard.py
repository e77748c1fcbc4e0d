"""What every page, the API and Open311 refuse before a view reads its arguments: text no database can keep.

A NUL byte, another control character (tab, line ends aside) or a lone UTF-16 surrogate in the path, a query
argument, a form field or a JSON string is never what a person typed or a client meant: PostgreSQL refuses
NUL in a text and UTF-8 cannot carry a lone surrogate. Such a request gets a 400 saying so, in the
surface's own format (the API's and Open311's error handlers render the `BadRequest`), never a 500.
Webhooks are left to their channel adapters, which verify the provider first and clean what it sent.
"""

from __future__ import annotations

import re
from typing import Any

from flask import request
from werkzeug.exceptions import BadRequest

UNREADABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")
WEBHOOKS = "/webhooks/"


class UnreadableInput(BadRequest):
    """A request holding characters no text may keep."""

    description = "La requête contient des caractères de contrôle ou invalides ; retirez-les et réessayez."


def refuse_unreadable_input() -> None:
    """Flask `before_request`: raise `UnreadableInput` (400) for a request whose words cannot be kept."""
    if request.path.startswith(WEBHOOKS):
        return
    texts = [request.path, *_values(request.args)]
    if request.method in ("POST", "PUT", "PATCH"):
        texts += _values(request.form)
        if request.is_json:
            try:
                body = request.get_json(silent=True)
            except RecursionError as err:  # arrays nested a thousand deep
                raise UnreadableInput() from err
            texts += list(_strings(body))
    if any(UNREADABLE.search(text) for text in texts):
        raise UnreadableInput()


def _values(multidict) -> list[str]:
    return [text for key, values in multidict.lists() for text in (key, *values)]


def _strings(value: Any):
    """Every key and string of a parsed JSON body."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
