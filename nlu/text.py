"""Text normalisation shared by every matcher: case, accents, apostrophes."""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'", "´": "'", "ʼ": "'"})
_WORD = re.compile(r"\d+[^\W_]*|[^\W\d_]+(?:-[^\W\d_]+)*'?|[^\w\s]", re.UNICODE)
_PUNCTUATION = re.compile(r"[^\w\s'?👍👎]+")
_SPACES = re.compile(r"\s+")


@functools.lru_cache(maxsize=1 << 16)  # words come back: a batch folds the same few thousand over and over
def fold(text: str) -> str:
    """Lower-case `text`, drop its accents and straighten its apostrophes."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_APOSTROPHES).casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def whole_message_key(text: str) -> str:
    """The folded message without punctuation (but a lone "?"), for whole-message commands."""
    folded = _SPACES.sub(" ", _PUNCTUATION.sub(" ", fold(text))).strip()
    if folded.strip("? ") and not folded.startswith("?"):
        folded = folded.replace("?", " ").strip()
    return _SPACES.sub(" ", folded)


def is_shouting(text: str) -> bool:
    """Tell whether the message is written mostly in capitals."""
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 4 and sum(c.isupper() for c in letters) / len(letters) > 0.6


@dataclass(frozen=True)
class Word:
    """One word of the resident's text, with its place in it."""

    text: str
    start: int
    end: int
    folded: str

    @property
    def capitalised(self) -> bool:
        """Whether the resident wrote it with a capital."""
        return self.text[:1].isupper()


def words(text: str) -> list[Word]:
    """Split `text` into words and punctuation marks, keeping their offsets."""
    text = text.translate(_APOSTROPHES)
    return [Word(m.group(0), m.start(), m.end(), fold(m.group(0))) for m in _WORD.finditer(text)]
