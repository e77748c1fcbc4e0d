"""The lemma lookup table of spaCy's French model, read on its own.

The understanding uses one table of the lemmatizer (`lemma_lookup`: a word as written, its lemmas). Loading the
lemmatizer builds four tables, a second at every start; decoding the model's file into a plain dict, keyed like
spaCy's tables by the 64-bit hash of the word, takes half that.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import srsly
from spacy.strings import get_string_id


class LemmaTable:
    """A word -> its lemmas, as spaCy's `lemma_lookup` holds them."""

    def __init__(self, by_hash: dict[int, list[str]]) -> None:
        self._by_hash = by_hash
        self._get = by_hash.get

    def get(self, word: str) -> list[str] | None:
        """The lemmas of `word` (lower case), or None."""
        return self._get(get_string_id(word))

    def __contains__(self, word: str) -> bool:
        return get_string_id(word) in self._by_hash

    def values(self) -> Iterable[list[str]]:
        """Every word's lemmas."""
        return self._by_hash.values()


def lemma_lookup(model_path: Path) -> LemmaTable:
    """The `lemma_lookup` table of the spaCy model at `model_path`."""
    tables = srsly.msgpack_loads((Path(model_path) / "lemmatizer" / "lookups" / "lookups.bin").read_bytes())
    return LemmaTable(tables["lemma_lookup"])
