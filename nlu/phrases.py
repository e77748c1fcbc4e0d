"""Matching the catalogue's words and phrases against a message's lemmas, longest phrase first."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from nlu.text import fold

# A phrase may skip one word between two of its own ("pas eu de blessé" matches "pas de blessé"),
# and besides up to MAX_FILLERS of the catalogue's fillers, words that only stress or soften what follows
# ("ça sent vraiment très fort le gaz" matches "sent le gaz").
MAX_GAP = 1
MAX_FILLERS = 3


@dataclass(frozen=True)
class Tag:
    """What a phrase means: a category keyword, an emergency, an intent cue..."""

    kind: str  # "category", "context", "high", "emergency", "neutral", "rule", "status", "idea", ...
    key: str = ""  # the category code, the emergency name, the rule "3.1"
    language: str | None = None


@dataclass(frozen=True)
class Forms:
    """The ways one word can be written: as spelt (and its lemmas), and without accents."""

    exact: frozenset[str]
    folded: frozenset[str]
    surface_only: bool = False  # matches the word as written, never through a lemma


@dataclass(frozen=True)
class Slot:
    """One word of the message."""

    text: str  # lower-cased, as written
    forms: Forms  # the text and its lemmas
    strict: bool = False  # a real word as spelt ("gare"): its accents count, so it is no "garé"
    fuzzy: bool = False  # the form is a typo correction
    filler: bool = False  # a word a phrase may skip ("très", "vraiment")

    def accepts(self, word: Forms, *, relaxed: bool = False) -> bool:
        """Whether this word of the message is the phrase's `word`.

        `relaxed`: in a phrase of several words, the other words tell which word is meant, so a real word
        matches without its accents too ("boite a livres" is "boîte à livres", "mal gare" is "mal garé").
        """
        strict = self.strict and not relaxed
        if word.surface_only:
            return self.text in word.exact or (not strict and fold(self.text) in word.folded)
        if self.forms.exact & word.exact:
            return True
        return not strict and bool(self.forms.folded & word.folded)


@dataclass
class Phrase:
    """One catalogue phrase, word by word."""

    words: tuple[Forms, ...]
    weight: float  # content words count 1, function words less
    tags: list[Tag] = field(default_factory=list)


@dataclass(frozen=True)
class Match:
    """A phrase found in the message, over slots start..end (exclusive)."""

    phrase: Phrase
    start: int
    end: int
    fuzzy: bool
    at: tuple[int, ...] = ()  # the slots of the phrase's own words (the skipped ones are not)

    @property
    def weight(self) -> float:
        """The phrase's weight, lowered when a typo had to be corrected."""
        return self.phrase.weight * (0.8 if self.fuzzy else 1.0)


class PhraseIndex:
    """All phrases of the catalogue, indexed by the folded forms of their first word."""

    def __init__(self) -> None:
        self._by_key: dict[tuple[Forms, ...], Phrase] = {}
        self._by_first: dict[str, list[Phrase]] = defaultdict(list)
        self.vocabulary: set[str] = set()  # every folded form of every word

    def add(self, words: tuple[Forms, ...], weight: float, tag: Tag) -> None:
        """Add one phrase (or one more meaning to a phrase already there)."""
        phrase = self._by_key.get(words)
        if phrase is None:
            phrase = self._by_key[words] = Phrase(words, weight)
            for form in words[0].folded:
                self._by_first[form].append(phrase)
            for word in words:
                self.vocabulary.update(word.folded)
        if tag not in phrase.tags:
            phrase.tags.append(tag)

    def find_all(self, slots: list[Slot]) -> list[Match]:
        """Every occurrence of every phrase, overlapping or not."""
        found: dict[tuple[int, int], Match] = {}
        for i, slot in enumerate(slots):
            for form in slot.forms.folded:
                for phrase in self._by_first.get(form, ()):
                    key = (id(phrase), i)
                    if key not in found and slot.accepts(phrase.words[0], relaxed=len(phrase.words) > 1):
                        match = _match_at(phrase, slots, i)
                        if match:
                            found[key] = match
        return list(found.values())


def _match_at(phrase: Phrase, slots: list[Slot], i: int) -> Match | None:
    j = i
    at = [i]
    fuzzy = slots[i].fuzzy
    exact = phrase.words[0].surface_only  # exact wording skips no word but a filler
    for word in phrase.words[1:]:
        gaps = fillers = 0
        j += 1
        while j < len(slots) and not slots[j].accepts(word, relaxed=True):
            if slots[j].filler and fillers < MAX_FILLERS:  # "merci beaucoup pour" is "merci pour"
                fillers += 1
            elif not exact and gaps < MAX_GAP:
                gaps += 1
            else:
                return None
            j += 1
        if j == len(slots):
            return None
        at.append(j)
        fuzzy = fuzzy or slots[j].fuzzy
    return Match(phrase, i, j + 1, fuzzy, tuple(at))


def drop_overridden_emergencies(matches: list[Match]) -> list[Match]:
    """Drop an emergency whose last word begins a longer name for something else.

    "il y a encore le feu rouge" is no "il y a le feu", "au feu d'artifice" no "au feu", "brûle le feu
    rouge" no "brûle": an emergency phrase loses to any other phrase (a keyword, a neutral phrase) found
    word for word, with no word skipped, that shares its last word and goes on after it. A phrase found
    only through a typo correction overrides nothing, and a phrase that merely leads into the emergency
    ("ça pue" in "ça pue le gaz") neither.
    """

    def overridden(emergency: Match) -> bool:
        last = emergency.at[-1]
        return any(
            last in other.at
            and other.end > last + 1
            and other.at == tuple(range(other.start, other.end))
            and not other.fuzzy
            and not other.phrase.words[0].surface_only
            and all(tag.kind != "emergency" for tag in other.phrase.tags)
            for other in matches
        )

    return [
        m for m in matches if all(tag.kind != "emergency" for tag in m.phrase.tags) or not overridden(m)
    ]


def unhidden(matches: list[Match], kept: list[Match], kind: str = "emergency") -> list[Match]:
    """The phrases of `kind` found, but those whose words all belong to a longer phrase that was kept.

    "pas de blessé" hides "blessé", "fire hydrant" hides "fire" and "depuis hier" hides the "hier" that
    would say a danger is over; a phrase that only overlaps another hides nothing: in "la poubelle est en
    feu au feu rouge", "feu au rouge" (a keyword that skips a word) shares one word with "en feu", yet the
    bin is on fire. Only a phrase of another kind hides, and no emergency, nor a phrase that says whether
    a danger is over or goes on ("brûle encore" confirms its "brûle"). A neutral phrase hides its words even
    when a longer one that skips them was kept: "alarme (incendie) qui sonne" is noise, and its "alarme incendie"
    still says the "incendie" is no fire.
    """
    hiders = [*kept, *(m for m in matches if m not in kept and any(tag.kind == "neutral" for tag in m.phrase.tags))]
    return [
        m
        for m in matches
        if any(tag.kind == kind for tag in m.phrase.tags)
        and not any(
            len(k.at) > len(m.at)
            and set(m.at) <= set(k.at)
            and all(tag.kind not in (kind, "emergency", "over", "still") for tag in k.phrase.tags)
            for k in hiders
        )
    ]


def unhidden_emergencies(matches: list[Match], kept: list[Match]) -> list[Match]:
    """The emergency phrases found, but those hidden by a longer phrase that was kept (see `unhidden`)."""
    return unhidden(matches, kept, "emergency")


def select(matches: list[Match]) -> list[Match]:
    """Keep the longest phrases, then the tightest, and drop what they overlap.

    Phrases found over the very same words are all kept: "cassé" can be both a problem word
    and a sign that a traffic light is out.
    """
    taken: set[int] = set()
    kept_spans: set[tuple[int, int]] = set()
    for match in sorted(matches, key=lambda m: (-len(m.phrase.words), m.end - m.start, m.start)):
        span = (match.start, match.end)
        if span in kept_spans:
            continue
        if not taken.intersection(range(*span)):
            taken.update(range(*span))
            kept_spans.add(span)
    return sorted((m for m in matches if (m.start, m.end) in kept_spans), key=lambda m: m.start)
