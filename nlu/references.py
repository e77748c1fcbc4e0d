"""Case references: `GU-4827-3918`, seven digits and a Damm check digit.

The Damm algorithm catches every single-digit error and every swap of two
adjacent digits, the two mistakes people make when they read a reference off a
screen and type it on a phone keypad.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from stdnum import damm

DEFAULT_PREFIX = "GU"


@dataclass(frozen=True)
class ReferenceMatch:
    """A reference-looking string found in a text."""

    written: str  # as the resident typed it
    reference: str  # normalised, `GU-NNNN-NNNN`
    valid: bool  # the check digit holds


def new_reference(prefix: str = DEFAULT_PREFIX) -> str:
    """Draw a fresh random reference (the caller retries on the rare collision)."""
    body = f"{secrets.randbelow(10**7):07d}"
    return format_reference(body + damm.calc_check_digit(body), prefix)


def format_reference(digits: str, prefix: str = DEFAULT_PREFIX) -> str:
    """Turn eight digits into `PREFIX-NNNN-NNNN`."""
    return f"{prefix}-{digits[:4]}-{digits[4:]}"


def is_valid(reference: str, prefix: str = DEFAULT_PREFIX) -> bool:
    """Tell whether a normalised reference carries a correct check digit."""
    match = find_references(reference, prefix)
    return bool(match) and match[0].valid


def _pattern(prefix: str) -> re.Pattern[str]:
    # With the prefix: any spacing or dashes between groups ("gu 4827 3918",
    # "GU48273918"). Without it: two groups of four or eight digits in a row,
    # never a piece of a longer number such as a phone number.
    p = re.escape(prefix)
    return re.compile(
        rf"(?<![\w])(?:{p}[\s.#:-]*(?P<a>\d{{4}})[\s.-]*(?P<b>\d{{4}})"
        rf"|(?P<c>\d{{4}})[\s.-]?(?P<d>\d{{4}}))(?![\d])",
        re.IGNORECASE,
    )


_PATTERNS: dict[str, re.Pattern[str]] = {}


def find_references(text: str, prefix: str = DEFAULT_PREFIX) -> list[ReferenceMatch]:
    """Every reference-looking string in `text`, valid or not, in order."""
    pattern = _PATTERNS.get(prefix) or _PATTERNS.setdefault(prefix, _pattern(prefix))
    found = []
    for m in pattern.finditer(text):
        digits = (m["a"] or m["c"]) + (m["b"] or m["d"])
        found.append(
            ReferenceMatch(
                written=m.group(0).strip(),
                reference=format_reference(digits, prefix.upper()),
                valid=damm.is_valid(digits),
            )
        )
    return found
