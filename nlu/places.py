"""Where: a street address, an intersection or a landmark, as the resident wrote it."""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from nlu.catalogue import Places
from nlu.text import Word, fold, is_shouting, words

_NUMBER = re.compile(r"^(\d{1,4})([a-z]*)$")
_ORDINAL = re.compile(r"^\d{1,2}(er|ere|re|e|eme|nd|nde)$")  # "François 1er", "Henri 4e" (folded)
_MAX_NAME_WORDS = 5

# Candidates compete by kind; the first in the text wins among equals.
_INTERSECTION, _NUMBERED_STREET, _STREET, _KNOWN_LANDMARK, _LANDMARK = 5, 4, 3, 2, 1


_DETERMINERS = frozenset({"le", "la", "l'", "les", "the"})


class _PhraseSet:
    """Folded word sequences, found at a position in a message, longest first."""

    def __init__(self, items: Iterable[str], *, drop: frozenset[str] = frozenset()) -> None:
        phrases = set()
        for item in items:
            seq = [w.folded for w in words(item)]
            while seq and seq[0] in drop:  # "le vieux moulin" is also written "du vieux moulin"
                seq.pop(0)
            if seq:
                phrases.add(tuple(seq))
        self._by_first: dict[str, list[tuple[str, ...]]] = defaultdict(list)
        for phrase in sorted(phrases, key=len, reverse=True):
            self._by_first[phrase[0]].append(phrase)
        self._phrases = phrases
        self._lengths = sorted({len(p) for p in phrases}, reverse=True)

    def __contains__(self, seq: tuple[str, ...]) -> bool:
        return seq in self._phrases

    def starting_with(self, first: str) -> list[tuple[str, ...]]:
        """The phrases whose first word is `first`, longest first."""
        return self._by_first.get(first, [])

    def prefix(self, folded: Sequence[str]) -> int:
        """The length of the longest phrase `folded` begins with, or 0."""
        for phrase in self._by_first.get(folded[0], ()) if folded else ():
            if tuple(folded[: len(phrase)]) == phrase:
                return len(phrase)
        return 0

    def ends_at(self, ws: list[Word], i: int) -> bool:
        """Whether a phrase is written just before `i`."""
        return any(n <= i and tuple(w.folded for w in ws[i - n : i]) in self._phrases for n in self._lengths)


_NUMBER_AFTER = re.compile(r"(?:^|[\s,])(?:au|au n°|au no|au numero|au numéro|n°|numero|numéro)\s*(\d{1,4})\b",
                           re.IGNORECASE)


def with_number_after(address: str, text: str) -> str:
    """The address with the house number the text gives after it ("impasse des Lilas, au 4" -> "4 impasse des
    Lilas"); unchanged when it has a number already or the text gives none after it."""
    if any(c.isdigit() for c in address):
        return address
    at = text.lower().find(address.lower())
    found = _NUMBER_AFTER.search(text, at + len(address)) if at >= 0 else None
    return f"{found.group(1)} {address}" if found else address


def load_gazetteer_names(config_dir: Path) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Landmark names and aliases, and street names, from `gazetteer.csv` (empty when it is absent)."""
    path = Path(config_dir) / "gazetteer.csv"
    if not path.exists():
        return (), ()
    landmarks: list[str] = []
    streets: list[str] = []
    with path.open(encoding="utf-8", newline="") as rows:
        for row in csv.DictReader(rows):
            names = [row.get("name") or ""] + (row.get("aliases") or "").split("|")
            names = [n.strip() for n in names if n and n.strip()]
            (streets if (row.get("kind") or "").strip() == "street" else landmarks).extend(names)
    return tuple(landmarks), tuple(streets)


# Street types short enough to look abbreviated that are whole words: a full stop after one ends a sentence.
_WHOLE_SHORT_TYPES = frozenset({("rue",), ("quai",), ("mail",), ("voie",), ("cite",), ("cours",), ("place",)})


@dataclass(frozen=True)
class Place:
    """A place found in a message."""

    text: str  # as the resident wrote it
    start: int
    end: int
    street: bool  # a street or an intersection, not a landmark
    # the character spans of proper names in it, which say where and not what ("parc des Tilleuls": "des
    # Tilleuls"); the whole place for a street
    names: tuple[range, ...] = ()


@dataclass(frozen=True)
class _Found:
    rank: int
    start: int  # character offsets in the resident's text
    end: int
    name_start: int | None = None  # for a landmark, where its own name begins (after "parc", "école")


class PlaceFinder:
    """Finds the place a message talks about, with the words of the catalogue and the gazetteer."""

    def __init__(
        self,
        places: Places,
        *,
        is_keyword: Callable[[str], bool],
        is_common_word: Callable[[str], bool],
        gazetteer_landmarks: Iterable[str] = (),
        gazetteer_streets: Iterable[str] = (),
    ) -> None:
        self._types = _PhraseSet(places.street_types)
        self._trailing_types = _PhraseSet(places.trailing_street_types)
        self._ambiguous = {tuple(w.folded for w in words(t)) for t in places.ambiguous_types}
        self._capitalised_types = {tuple(w.folded for w in words(t)) for t in places.capitalised_types}
        self._type_blockers = {fold(w) for w in places.type_blockers}
        self._suffixes = {fold(s) for s in places.number_suffixes}
        self._number_words = _PhraseSet(places.number_words)
        self._connectors = _PhraseSet(places.name_connectors)
        self._markers = _PhraseSet(places.intersection_markers)
        self._joiners = _PhraseSet(places.intersection_joiners)
        self._prepositions = _PhraseSet(places.landmark_prepositions)
        self._links = _PhraseSet(places.landmark_links)
        self._standalone = _PhraseSet(places.standalone_landmarks, drop=_DETERMINERS)
        self._named = _PhraseSet(places.named_landmarks, drop=_DETERMINERS)
        self._heads = _PhraseSet(places.trailing_heads)
        self._stop = {fold(w) for w in places.name_stop_words}
        self._months = {fold(m) for m in places.months}
        self._is_keyword = is_keyword
        self._is_common_word = is_common_word
        self._known_landmarks = _PhraseSet(gazetteer_landmarks, drop=_DETERMINERS)
        # "mal garé" is no "gare": an accent the resident typed must be the landmark's own
        self._landmark_spelling = {
            w.folded: w.text.lower()
            for item in (*gazetteer_landmarks, *places.standalone_landmarks, *places.named_landmarks)
            for w in words(item)
        }
        # street names without their type: "Rue Victor Hugo" -> ("victor", "hugo")
        self._known_streets = {self._strip_type(tuple(w.folded for w in words(s))) for s in gazetteer_streets}
        self._known_streets.discard(())
        self._street_first_words = {name[0] for name in self._known_streets}
        self._determiners = _DETERMINERS

    def _strip_type(self, seq: tuple[str, ...]) -> tuple[str, ...]:
        seq = seq[self._types.prefix(seq) :]
        while seq and self._connectors.prefix(seq):
            seq = seq[self._connectors.prefix(seq) :]
        return seq

    def find(self, text: str) -> Place | None:
        """The place named in `text`, as written, or None."""
        ws = words(text)
        lowered = is_shouting(text)
        found: list[_Found] = []
        for i in range(len(ws)):
            found.extend(self._at(ws, i, lowered))
        if not found:
            return None
        best = max(found, key=lambda f: (f.rank, -f.start, f.end))  # among equals, the first, then the longest
        street = best.rank >= _STREET
        names = [range(best.start, best.end)] if street else self._names(best)
        if not street:
            located = self._located_by(ws, best, found)
            if located:
                names.extend(self._names(located))
                best = _Found(max(best.rank, located.rank), best.start, located.end)
        written = text[best.start : best.end].strip(" ,")
        return Place(written, best.start, best.end, street=street, names=tuple(names))

    @staticmethod
    def _names(found: _Found) -> list[range]:
        return [range(found.name_start, found.end)] if found.name_start is not None else []

    def _located_by(self, ws: list[Word], first: _Found, found: list[_Found]) -> _Found | None:
        """The landmark that locates `first` ("the playground next to the town hall"), if one follows it."""
        after = next((k for k, w in enumerate(ws) if w.start >= first.end), None)
        if after is None:
            return None
        link = _match(ws, after, self._links)
        if not link:
            return None
        k = self._skip_connectors(ws, after + link)
        starts = {ws[j].start for j in range(after + link, min(k + 1, len(ws)))}
        return max(
            (f for f in found if f.start in starts and f.rank < _STREET),
            key=lambda f: (f.rank, f.end),
            default=None,
        )

    def _at(self, ws: list[Word], i: int, lowered: bool) -> list[_Found]:
        found = []
        marker = _match(ws, i, self._markers)
        if marker:
            crossing = self._intersection(ws, i, i + marker, lowered)
            if crossing:
                found.append(crossing)
        street = self._street(ws, i, lowered) or self._street_named_first(ws, i, lowered)
        if street:
            end_index, found_street = street
            crossing = self._joined(ws, found_street, end_index, lowered)
            found.append(crossing or found_street)
        landmark = self._landmark(ws, i, lowered)
        if landmark:
            found.append(landmark)
        headed = self._named_before_head(ws, i, lowered)
        if headed:
            found.append(headed)
        return found

    # streets ---------------------------------------------------------------------------------

    def _street(self, ws: list[Word], i: int, lowered: bool) -> tuple[int, _Found] | None:
        """A street starting with its type at `i`: (index after it, where it is written)."""
        type_len = _match(ws, i, self._types)
        if not type_len:
            return None
        street_type = tuple(w.folded for w in ws[i : i + type_len])
        ambiguous = street_type in self._ambiguous
        if ambiguous and i > 0 and ws[i - 1].folded in self._type_blockers:
            return None
        after_type = i + type_len
        if after_type < len(ws) and ws[after_type].text == "." and street_type not in _WHOLE_SHORT_TYPES:
            after_type += 1  # "r. Victor Hugo", "av. Foch"; "on Grande Rue. My son…" ends a sentence
        if street_type in self._capitalised_types and not self._named_in_capitals(ws, after_type, lowered):
            return None
        name_end = self._name(ws, after_type, lowered, strict=ambiguous)
        if name_end is None:
            return None
        start = self._number_before(ws, i)
        number_after = self._number_after(ws, name_end)
        has_number = start < i or number_after > name_end
        end = max(name_end, number_after)
        rank = _NUMBERED_STREET if has_number else _STREET
        return end, _Found(rank, ws[start].start, ws[end - 1].end)

    def _named_in_capitals(self, ws: list[Word], j: int, lowered: bool) -> bool:
        """A known street, or a capitalised word in a message that is not shouted, follows at `j`."""
        k = self._skip_connectors(ws, j)
        return self._known_street_at(ws, j) is not None or (k < len(ws) and ws[k].capitalised and not lowered)

    def _street_named_first(self, ws: list[Word], i: int, lowered: bool) -> tuple[int, _Found] | None:
        """An English street, its type after its name, maybe its number first: "21 Victor Hugo street".

        The name is a street of the gazetteer, or capitalised words in a message that is not shouted.
        """
        numbered = self._is_house_number(ws[i].folded)
        if not numbered and not ws[i].capitalised and ws[i].folded not in self._street_first_words:
            return None  # the quick no: most words start no street
        j = i + 1 if numbered else i
        if not numbered and i > 0 and self._is_house_number(ws[i - 1].folded):
            return None  # found from its number
        k = j
        while k < len(ws) and k - j < _MAX_NAME_WORDS and ws[k].folded.isalpha() and ws[k].folded not in self._stop \
                and not _match(ws, k, self._trailing_types):
            k += 1
        type_len = _match(ws, k, self._trailing_types)
        if k == j or not type_len:
            return None
        name = ws[j:k]
        if tuple(w.folded for w in name) not in self._known_streets and (
            lowered or not all(w.capitalised for w in name) or any(self._is_keyword(w.folded) for w in name)
        ):
            return None
        end = k + type_len
        return end, _Found(_NUMBERED_STREET if numbered else _STREET, ws[i].start, ws[end - 1].end)

    def _number_before(self, ws: list[Word], i: int) -> int:
        j = i - 1
        if j >= 0 and ws[j].folded == ",":
            j -= 1
        if j >= 0 and ws[j].folded in self._suffixes:
            j -= 1
        if j >= 0 and self._is_house_number(ws[j].folded):
            return j
        return i

    def _number_after(self, ws: list[Word], j: int) -> int:
        k = j + 1 if j < len(ws) and ws[j].folded == "," else j
        number_word = _match(ws, k, self._number_words)
        if number_word and k + number_word < len(ws) and self._is_house_number(ws[k + number_word].folded):
            end = k + number_word + 1
            if end < len(ws) and ws[end].folded in self._suffixes:
                end += 1
            if ws[k].folded == "entre":  # "entre le 40 et le 60": the stretch, written whole
                rest = [w.folded for w in ws[end:end + 3]]
                for tail in (rest[:3], rest[:2]):
                    if tail and tail[0] == "et" and self._is_house_number(tail[-1]) and \
                            all(w in ("et", "le", "la", "au") for w in tail[:-1]):
                        return end + len(tail)
            return end
        return j

    def _is_house_number(self, token: str) -> bool:
        m = _NUMBER.match(token)
        return m is not None and (not m[2] or m[2] in self._suffixes)

    def _name(self, ws: list[Word], j: int, lowered: bool, *, strict: bool) -> int | None:
        """The index after a street name starting at `j`, or None when there is no name."""
        start = j
        j = self._skip_connectors(ws, j)
        after_connector = j > start
        known = self._known_street_at(ws, j)
        if known:
            # "chemin de la Croix Blanche" is no "route de la Croix": a capitalised word goes on with the name
            while known < len(ws) and known - j < _MAX_NAME_WORDS and self._capital_name_word(ws[known], lowered):
                known += 1
            return known
        if j >= len(ws) or not ws[j].folded[:1].isalnum():
            return None
        first = ws[j]
        date = self._date(ws, j)
        if date:
            return date
        if first.folded[:1].isdigit():
            return None
        capitalised = first.capitalised and not lowered
        if first.folded in self._stop:
            return None
        if not after_connector and not capitalised:
            if self._is_keyword(first.folded):
                return None
            if strict and self._is_common_word(first.text.lower()):
                return None
        j += 1
        count = 1
        while j < len(ws) and count < _MAX_NAME_WORDS:
            if _ORDINAL.match(ws[j].folded):  # "bd François 1er"
                j += 1
                break
            nxt = self._skip_connectors(ws, j)
            if nxt >= len(ws) or _match(ws, nxt, self._number_words):
                break
            if not self._continues(ws[nxt], lowered):
                break
            j = nxt + 1
            count += 1
        return self._trim_to_known(ws, start, j)

    def _capital_name_word(self, word: Word, lowered: bool) -> bool:
        return word.capitalised and not lowered and word.folded[:1].isalpha() and word.folded not in self._stop

    def _continues(self, word: Word, lowered: bool) -> bool:
        if not word.folded[:1].isalpha() or word.folded in self._stop:
            return False
        if word.capitalised and not lowered:
            return True
        return not self._is_keyword(word.folded)

    def _skip_connectors(self, ws: list[Word], j: int) -> int:
        while True:
            n = _match(ws, j, self._connectors)
            if not n:
                return j
            j += n

    def _date(self, ws: list[Word], j: int) -> int | None:
        """The end of a date used as a name ("8 Mai 1945", "11 novembre")."""
        if j + 1 < len(ws) and re.fullmatch(r"\d{1,2}(er)?", ws[j].folded) and ws[j + 1].folded in self._months:
            end = j + 2
            if end < len(ws) and re.fullmatch(r"\d{4}", ws[end].folded):
                end += 1
            return end
        return None

    def _known_street_at(self, ws: list[Word], j: int) -> int | None:
        """The end of a gazetteer street name written at `j` ("jean jaures"), if there is one."""
        for length in range(min(_MAX_NAME_WORDS, len(ws) - j), 0, -1):
            if tuple(w.folded for w in ws[j : j + length]) in self._known_streets:
                return j + length
        return None

    def _trim_to_known(self, ws: list[Word], start: int, end: int) -> int:
        """Cut a lower-case name to the longest gazetteer street it begins with, if any."""
        if not self._known_streets:
            return end
        name = self._strip_type(tuple(w.folded for w in ws[start:end]))
        offset = end - start - len(name)
        for length in range(len(name), 0, -1):
            if name[:length] in self._known_streets:
                cut = start + offset + length
                # a word the resident wrote with a capital is theirs: "chemin de la Croix Blanche" stays whole
                return end if any(w.capitalised for w in ws[cut:end]) else cut
        return end

    def _joined(self, ws: list[Word], first: _Found, j: int, lowered: bool) -> _Found | None:
        """Two streets joined by "/", "x" or "&": an intersection written without a marker."""
        joiner = _match(ws, j, self._joiners)
        if not joiner or ws[j].folded in {"et", "and"}:
            return None
        second = self._street(ws, self._skip_connectors(ws, j + joiner), lowered)
        if not second:
            return None
        return _Found(_INTERSECTION, first.start, second[1].end)

    # intersections ---------------------------------------------------------------------------

    def _intersection(self, ws: list[Word], i: int, j: int, lowered: bool) -> _Found | None:
        """`marker` at i..j, then one or two streets or names ("carrefour Leclerc", "angle rue A et rue B")."""
        start = i
        while start < j and (ws[start].folded in self._determiners or (ws[start].folded,) in self._prepositions):
            start += 1
        first_end = self._place_name(ws, self._skip_connectors(ws, j), lowered)
        if first_end is None:
            return None
        end = first_end
        joiner = _match(ws, first_end, self._joiners)
        if joiner:
            second_end = self._place_name(ws, self._skip_connectors(ws, first_end + joiner), lowered)
            if second_end is not None:
                end = second_end
        return _Found(_INTERSECTION, ws[start].start, ws[end - 1].end)

    def _place_name(self, ws: list[Word], j: int, lowered: bool) -> int | None:
        street = self._street(ws, j, lowered)
        if street:
            return street[0]
        return self._name(ws, j, lowered, strict=True)

    # landmarks -------------------------------------------------------------------------------

    def _landmark(self, ws: list[Word], i: int, lowered: bool) -> _Found | None:
        """A landmark at `i`: after a determiner or a preposition, or, when its name says which one
        ("parking de la gare", "salle des fêtes"), anywhere ("abandonnée depuis 2 mois parking de la gare")."""
        introduced = self._introduced(ws, i)
        known = _match(ws, i, self._known_landmarks)
        if not introduced and known < 3 and not _match(ws, i, self._named):
            return None
        standalone = _match(ws, i, self._standalone)
        named = _match(ws, i, self._named)
        head = i + max(standalone, named, 1 if known else 0)  # "école maternelle" of "école maternelle les Tilleuls"
        if known and (introduced or known >= 3) and _same_accents(ws[i : i + known], self._landmark_spelling):
            end, _ = self._complement(ws, i + known, lowered)
            return _Found(_KNOWN_LANDMARK, ws[self._with_determiner(ws, i)].start, ws[end - 1].end, _start(ws, head, end))
        if not _same_accents(ws[i : i + max(standalone, named)], self._landmark_spelling):
            return None
        if not standalone and not named:
            return None
        end = i + max(standalone, named)
        complement, known_inside = self._complement(ws, end, lowered)
        if complement == end and not standalone:
            return None
        if not introduced and not known_inside:
            return None
        # "parking de la gare" is as well known as the station it is named after
        rank = _KNOWN_LANDMARK if known_inside else _LANDMARK
        return _Found(rank, ws[self._with_determiner(ws, i)].start, ws[complement - 1].end, _start(ws, head, complement))

    def _named_before_head(self, ws: list[Word], i: int, lowered: bool) -> _Found | None:
        """An English landmark, its name or its landmark first: "Chateau park", "the swimming pool car park"."""
        if not ws[i].capitalised and not self._standalone.starting_with(ws[i].folded):
            return None  # the quick no: neither a name nor a landmark starts here
        k = i + _match(ws, i, self._standalone)
        if k == i:
            if lowered or (i > 0 and ws[i - 1].capitalised and ws[i - 1].folded.isalpha()):
                return None  # found from the name's first word
            while k < len(ws) and k - i < _MAX_NAME_WORDS and ws[k].capitalised and ws[k].folded[:1].isalpha() \
                    and ws[k].folded not in self._stop and not _match(ws, k, self._heads):
                k += 1
        head = _match(ws, k, self._heads)
        if k == i or not head:
            return None
        return _Found(_LANDMARK, ws[self._with_determiner(ws, i)].start, ws[k + head - 1].end)

    def _introduced(self, ws: list[Word], i: int) -> bool:
        """A landmark follows a determiner or a preposition, or opens the message."""
        if i == 0 or ws[i - 1].folded in self._determiners:
            return True
        return self._prepositions.ends_at(ws, i)

    def _with_determiner(self, ws: list[Word], i: int) -> int:
        return i - 1 if i > 0 and ws[i - 1].folded in self._determiners else i

    def _complement(self, ws: list[Word], j: int, lowered: bool) -> tuple[int, bool]:
        """The end of a landmark's own name ("école Jean Moulin", "parking de la Gare"), and whether it names
        a landmark of the gazetteer."""
        end = j
        known_inside = False
        while end < len(ws):
            nxt = self._skip_connectors(ws, end)
            if nxt >= len(ws):
                break
            word = ws[nxt]
            known = _match(ws, nxt, self._known_landmarks) if nxt > end else 0
            standalone = _match(ws, nxt, self._standalone) if nxt > end else 0
            if known >= standalone and known and _same_accents(ws[nxt : nxt + known], self._landmark_spelling):
                end = nxt + known
                known_inside = True
            elif standalone:
                end = nxt + standalone
            elif word.capitalised and not lowered and word.folded not in self._stop and word.folded[:1].isalpha():
                end = nxt + 1
            elif nxt == end and re.fullmatch(r"[A-Z]{2,}\d*", word.text) and not lowered:
                end = nxt + 1
            else:
                break
        return end, known_inside


def _start(ws: list[Word], head: int, end: int) -> int | None:
    """Where a landmark's own name begins, if it has one after its head word."""
    return ws[head].start if head < end else None


def _same_accents(ws: list[Word], spelling: dict[str, str]) -> bool:
    """No word carries an accent that the catalogue's spelling of it does not."""
    return all(w.text.lower() == w.folded or spelling.get(w.folded) == w.text.lower() for w in ws)


def _match(ws: list[Word], i: int, phrases: _PhraseSet) -> int:
    """The length of the longest phrase written at `i`, or 0."""
    if i >= len(ws):
        return 0
    for phrase in phrases.starting_with(ws[i].folded):
        n = len(phrase)
        if i + n <= len(ws) and all(ws[i + k].folded == phrase[k] for k in range(1, n)):
            return n
    return 0
