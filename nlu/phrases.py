"""Matching the catalogue's words and phrases against a message's lemmas, longest phrase first."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

# A phrase may skip one word between two of its own ("pas eu de blessé" matches "pas de blessé").
MAX_GAP = 1


@dataclass(frozen=True)
class Tag:
    """What a phrase means: a category keyword, an emergency, an intent cue..."""

    kind: str  # "category", "high", "emergency", "neutral", "rule", "status", "idea", ...
    key: str = ""  # the category code, the emergency name, the rule "3.1"
    language: str | None = None


@dataclass
class Phrase:
    """One catalogue phrase: for each of its words, the forms that match it (surface and lemmas)."""

    forms: tuple[frozenset[str], ...]
    weight: float  # content words count 1, function words less
    tags: list[Tag] = field(default_factory=list)


@dataclass(frozen=True)
class Slot:
    """One word of the message, as the set of forms it can match."""

    forms: frozenset[str]
    fuzzy: bool = False  # the form is a typo correction


@dataclass(frozen=True)
class Match:
    """A phrase found in the message, over slots start..end (exclusive)."""

    phrase: Phrase
    start: int
    end: int
    fuzzy: bool

    @property
    def weight(self) -> float:
        """The phrase's weight, lowered when a typo had to be corrected."""
        return self.phrase.weight * (0.8 if self.fuzzy else 1.0)


class PhraseIndex:
    """All phrases of the catalogue, indexed by the forms of their first word."""

    def __init__(self) -> None:
        self._by_key: dict[tuple[frozenset[str], ...], Phrase] = {}
        self._by_first: dict[str, list[Phrase]] = defaultdict(list)
        self.vocabulary: set[str] = set()

    def add(self, forms: tuple[frozenset[str], ...], weight: float, tag: Tag) -> None:
        """Add one phrase (or one more meaning to a phrase already there)."""
        phrase = self._by_key.get(forms)
        if phrase is None:
            phrase = self._by_key[forms] = Phrase(forms, weight)
            for form in forms[0]:
                self._by_first[form].append(phrase)
            for word_forms in forms:
                self.vocabulary.update(word_forms)
        if tag not in phrase.tags:
            phrase.tags.append(tag)

    def find_all(self, slots: list[Slot]) -> list[Match]:
        """Every occurrence of every phrase, overlapping or not."""
        found: dict[tuple[int, int], Match] = {}
        for i, slot in enumerate(slots):
            for form in slot.forms:
                for phrase in self._by_first.get(form, ()):
                    key = (id(phrase), i)
                    if key not in found:
                        match = _match_at(phrase, slots, i)
                        if match:
                            found[key] = match
        return list(found.values())


def _match_at(phrase: Phrase, slots: list[Slot], i: int) -> Match | None:
    j = i
    fuzzy = slots[i].fuzzy
    for word_forms in phrase.forms[1:]:
        for step in range(1, MAX_GAP + 2):
            if j + step < len(slots) and slots[j + step].forms & word_forms:
                j += step
                fuzzy = fuzzy or slots[j].fuzzy
                break
        else:
            return None
    return Match(phrase, i, j + 1, fuzzy)


def select(matches: Iterable[Match]) -> list[Match]:
    """Keep the longest phrases, then the tightest, and drop what they overlap."""
    taken: set[int] = set()
    kept = []
    for match in sorted(matches, key=lambda m: (-len(m.phrase.forms), m.end - m.start, m.start)):
        span = range(match.start, match.end)
        if not taken.intersection(span):
            taken.update(span)
            kept.append(match)
    return sorted(kept, key=lambda m: m.start)
