"""Turning what a resident wrote ("14 r victor hugo", "devant la mairie") into a Place.

`GazetteerGeocoder` answers offline from config/gazetteer.csv and is the default; `GeopyGeocoder` asks
the Base Adresse Nationale or a Nominatim server through geopy. `make_geocoder` picks one from settings.
"""

from __future__ import annotations

import csv
import logging
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol
from urllib.parse import urlsplit

import numpy as np
import shapely
from geopy.exc import GeopyError
from geopy.geocoders import BANFrance, Nominatim
from rapidfuzz import fuzz, process
from shapely.geometry import LineString, Point
from shapely.ops import nearest_points

from routing.places import Place
from routing.territories import Territories

if TYPE_CHECKING:
    from nlu.catalogue import Places

logger = logging.getLogger(__name__)

GAZETTEER_FILE = "gazetteer.csv"
GEOCODER_KINDS = ("gazetteer", "ban", "nominatim")
USER_AGENT = "guichet/0.1 (intake gateway for town halls)"
MIN_SCORE = 85  # rapidfuzz similarity, 0..100, on folded names without articles
PREFILTER_SCORE = 70
MIN_BAN_SCORE = 0.4  # BAN answers something for almost any text; below this it is a guess
NEAREST_STREET_M = 150.0  # a shared position farther than this from every street is labelled by coordinates

ABBREVIATIONS = {
    "av": "avenue", "ave": "avenue", "avn": "avenue", "bd": "boulevard", "bld": "boulevard", "blvd": "boulevard",
    "boul": "boulevard", "pl": "place", "ch": "chemin", "chem": "chemin", "che": "chemin", "imp": "impasse",
    "r": "rue", "rte": "route", "sq": "square", "pas": "passage", "pass": "passage", "qu": "quai",
    "crs": "cours", "all": "allee", "st": "saint", "ste": "sainte", "gal": "general", "gen": "general",
    "gl": "general", "mal": "marechal", "dr": "docteur", "pdt": "president", "rdpt": "rond point",
    "rd": "rond", "pt": "point", "hdv": "hotel de ville",
}
STREET_TYPES = frozenset({
    "rue", "avenue", "boulevard", "place", "allee", "impasse", "chemin", "quai", "route", "passage", "rond",
    "point", "square", "sentier", "cours", "ruelle", "voie", "residence", "mail", "promenade", "cite",
    "hameau", "clos", "lotissement", "parvis", "esplanade", "carrefour",
})
# A resident writing in English names the town's landmarks in English; the gazetteer names them in French.
ENGLISH_LANDMARKS = {
    ("town", "hall"): ["mairie"], ("city", "hall"): ["mairie"], ("train", "station"): ["gare"],
    ("railway", "station"): ["gare"], ("station",): ["gare"], ("church",): ["eglise"], ("post", "office"): ["poste"],
    ("school",): ["ecole"], ("swimming", "pool"): ["piscine"], ("cemetery",): ["cimetiere"],
    ("library",): ["mediatheque"], ("covered", "market"): ["marche", "couvert"], ("market",): ["marche"],
    ("stadium",): ["stade"], ("car", "park"): ["parking"],
}
NAME_STARTS = STREET_TYPES | {"grande", "grand", "petite", "petit", "vieille", "vieux"}  # "le 3 de la Grande Rue"
STOPWORDS = frozenset({"de", "la", "le", "les", "du", "des", "l", "d", "a", "au", "aux", "en", "sur", "un", "une"})
PART_OF_NAME = frozenset({"de", "d", "du", "des"})  # "route de valmont" names a street, not the commune
INTERSECTION_WORDS = frozenset({"angle", "coin", "carrefour", "croisement", "intersection", "entre"})
NUMBER_SUFFIXES = {"bis": "bis", "ter": "ter", "quater": "quater", "b": "bis", "t": "ter"}
_WORDS = re.compile(r"[^\W\d_]+")


class Geocoder(Protocol):
    """Anything that finds a place from text; `commune` (a name or code) is preferred when ambiguous."""

    def geocode(self, query: str, *, commune: str | None = None) -> Place | None:
        """The place `query` names, or None when nothing fits."""
        ...


@dataclass(frozen=True)
class GazetteerEntry:
    """One row of gazetteer.csv: a street segment or a landmark point."""

    kind: str  # "street" or "landmark"
    name: str
    commune: str
    district: str | None
    start: tuple[float, float]  # (lat, lon)
    end: tuple[float, float]  # equal to start for a landmark
    first_number: int | None
    last_number: int | None
    aliases: tuple[str, ...]

    @property
    def line(self) -> LineString:
        """The street as a (lon, lat) segment."""
        return LineString([self.start[::-1], self.end[::-1]])

    def position(self, number: int | None) -> tuple[float, float] | None:
        """The (lat, lon) of house `number` interpolated along the street, or None when out of range."""
        if number is None or self.first_number is None or self.last_number is None:
            return None
        if not self.first_number <= number <= self.last_number:
            return None
        span = self.last_number - self.first_number
        fraction = (number - self.first_number) / span if span else 0.5
        return (
            self.start[0] + fraction * (self.end[0] - self.start[0]),
            self.start[1] + fraction * (self.end[1] - self.start[1]),
        )


@dataclass(frozen=True)
class GazetteerHit:
    """A gazetteer answer with what it was made from (the geocoder stand-ins report those fields)."""

    place: Place
    entry: GazetteerEntry
    house_number: str | None  # "14", "14 bis"


def fold(text: str) -> list[str]:
    """Lower-case, accent-free tokens with abbreviations expanded: "14bis, Av. J.-Jaurès" -> 14 bis avenue j jaures."""
    text = unicodedata.normalize("NFKD", text.lower().replace("œ", "oe").replace("æ", "ae"))
    text = "".join(char for char in text if not unicodedata.combining(char))
    text = re.sub(r"(\d)(bis|ter|quater|b|t)\b", r"\1 \2", text)
    text = re.sub(r"[^a-z0-9/]+", " ", text).replace("/", " / ")
    return " ".join(ABBREVIATIONS.get(token, token) for token in text.split()).split()


def _key(tokens: list[str]) -> str:
    """The string names are compared on: folded tokens without articles ("rue gare" for "Rue de la Gare")."""
    return " ".join(token for token in tokens if token not in STOPWORDS)


def load_gazetteer(config_dir: Path | str) -> list[GazetteerEntry]:
    """Read gazetteer.csv."""
    entries = []
    with (Path(config_dir) / GAZETTEER_FILE).open(encoding="utf-8", newline="") as file:
        for row in csv.DictReader(file):
            start = (float(row["lat_start"]), float(row["lon_start"]))
            end = (float(row["lat_end"]), float(row["lon_end"])) if row["lat_end"] else start
            entries.append(GazetteerEntry(
                kind=row["kind"],
                name=row["name"],
                commune=row["commune"],
                district=row["district"] or None,
                start=start,
                end=end,
                first_number=int(row["first_number"]) if row["first_number"] else None,
                last_number=int(row["last_number"]) if row["last_number"] else None,
                aliases=tuple(alias for alias in row["aliases"].split("|") if alias),
            ))
    return entries


class _NameIndex:
    """Folded names and aliases of some gazetteer entries, for fuzzy lookup."""

    def __init__(self, entries: list[GazetteerEntry]) -> None:
        self.entries = entries
        self.keys: list[str] = []
        self.owners: list[int] = []  # position in `entries` of each key's entry
        for position, entry in enumerate(entries):
            for key in dict.fromkeys(_key(fold(name)) for name in (entry.name, *entry.aliases)):
                self.keys.append(key)
                self.owners.append(position)

    def best(self, tokens: list[str], prefer: str | None) -> list[GazetteerEntry]:
        """The entries that fit `tokens` best (several when a name exists in several communes), preferred first."""
        if not any(token not in STREET_TYPES and token not in STOPWORDS for token in tokens):
            return []  # "la rue", "place": nothing to look for
        query = _key(tokens)
        ranks: dict[int, tuple[float, float]] = {}
        for key, partial, index in process.extract(
            query, self.keys, scorer=fuzz.partial_ratio, score_cutoff=PREFILTER_SCORE, limit=None
        ):
            # partial_ratio finds a name inside a longer text; ratio forgives typos spread over a name of
            # about the query's length, and among equals prefers the closest whole name ("la poste" is the
            # landmark, "rue de la poste" the street).
            whole = fuzz.ratio(query, key)
            if max(partial, whole) < MIN_SCORE or not _words_agree(query.split(), key.split()):
                continue
            rank = (max(partial, whole), whole)
            owner = self.owners[index]
            ranks[owner] = max(rank, ranks.get(owner, rank))
        if not ranks:
            return []
        top = max(ranks.values())
        winners = [self.entries[owner] for owner in sorted(ranks) if ranks[owner] == top]
        return sorted(winners, key=lambda entry: entry.commune != prefer)


class GazetteerGeocoder:
    """Offline geocoding from config/gazetteer.csv: streets with house numbers, landmarks, intersections."""

    def __init__(self, config_dir: Path | str, territories: Territories | None = None) -> None:
        self.territories = territories or Territories.load(config_dir)
        self.entries = load_gazetteer(config_dir)
        places = _catalogue_places(config_dir)
        self._number_leads = _folded_words(places.number_words if places else ())
        # English puts the type after the name: "21 Victor Hugo street" is looked up as "21 Victor Hugo"
        self._trailing_types = _folded_words(places.trailing_street_types if places else ())
        self._commune_names = {commune.code: commune.name for commune in self.territories.communes()}
        self._commune_forms = sorted(
            ((form, code) for code, name in self._commune_names.items() for form in _commune_forms(name)),
            key=lambda item: -len(item[0]),
        )
        streets = [entry for entry in self.entries if entry.kind == "street"]
        # how each word of a name is spelt, accents included ("gare" -> {"gare"}): "garé" is no "gare"
        self._spellings: dict[str, set[str]] = {}
        for entry in self.entries:
            for name in (entry.name, *entry.aliases):
                for word in _WORDS.findall(name.lower()):
                    self._spellings.setdefault(_singular(_unaccented(word)), set()).add(_singular(word))
        self._everything = _NameIndex(self.entries)
        self._streets = _NameIndex(streets)
        self._street_entries = streets
        origin_lat = self.entries[0].start[0] if self.entries else 0.0
        self._metres_per_degree = (111_320.0 * np.cos(np.radians(origin_lat)), 111_320.0)
        self._street_lines = np.array([self._metric(entry.line) for entry in streets], dtype=object)
        shapely.prepare(self._street_lines)

    def geocode(self, query: str, *, commune: str | None = None) -> Place | None:
        """The place `query` names, or None when nothing fits."""
        hit = self.find(query, commune=commune)
        return hit.place if hit else None

    def find(self, query: str, *, commune: str | None = None) -> GazetteerHit | None:
        """Like `geocode`, with the gazetteer entry and house number behind the answer."""
        query = _WORDS.sub(self._unless_misspelt, query)
        tokens = [token for token in fold(query) if not (token.isdigit() and len(token) == 5)]  # postcodes
        tokens, mentioned = self._strip_communes(tokens)
        tokens = _in_french(tokens)
        prefer = self._commune_code(commune) or mentioned
        return self._intersection(tokens, prefer) or self._single(tokens, prefer)

    def _unless_misspelt(self, word: re.Match[str]) -> str:
        """The word, or nothing when it carries an accent no name's spelling of it has ("mal garé", "garés")."""
        written = word.group(0)
        lowered, plain = written.lower(), _unaccented(written)
        if lowered == plain or _singular(lowered) in self._spellings.get(_singular(plain), {_singular(lowered)}):
            return written
        return " "

    def nearest_street(self, lat: float, lon: float) -> Place | None:
        """A label for a shared position: the nearest street within NEAREST_STREET_M, with the house number near it."""
        if not self._street_entries:
            return None
        point = Point(lon * self._metres_per_degree[0], lat * self._metres_per_degree[1])
        distances = shapely.distance(self._street_lines, point)
        index = int(np.argmin(distances))
        if distances[index] > NEAREST_STREET_M:
            return None
        entry, line = self._street_entries[index], self._street_lines[index]
        label = f"{entry.name}, {self._commune_names.get(entry.commune, entry.commune)}"
        if entry.first_number is not None and entry.last_number is not None:
            fraction = line.project(point, normalized=True) if line.length else 0.5
            number = entry.first_number + round(fraction * (entry.last_number - entry.first_number))
            label = f"{number} {label}"
        return Place(lat, lon, f"près du {label}" if label[0].isdigit() else f"près de {label}", "point")

    def _metric(self, line: LineString) -> LineString:
        """`line` in metres on a local flat projection, good enough within a few kilometres."""
        return shapely.transform(line, lambda xy: xy * np.array(self._metres_per_degree))

    def _commune_code(self, commune: str | None) -> str | None:
        """The code of a commune given by code or by name."""
        if commune is None:
            return None
        if commune in self._commune_names:
            return commune
        folded = " ".join(fold(commune))
        return next((code for form, code in self._commune_forms if " ".join(form) == folded), None)

    def _strip_communes(self, tokens: list[str]) -> tuple[list[str], str | None]:
        """The tokens without "à Saint-Aubin" and the like, and the commune the text names, if any."""
        mentioned, weak_mention = None, None
        index = 0
        kept: list[str] = []
        while index < len(tokens):
            match = next(
                (item for item in self._commune_forms if tokens[index:index + len(item[0])] == item[0]), None
            )
            if match is None:
                kept.append(tokens[index])
                index += 1
                continue
            form, code = match
            if kept and kept[-1] in PART_OF_NAME:  # "Mairie de Saint-Aubin", "Route de Valmont"
                weak_mention = code
                kept.extend(form)
            else:
                mentioned = code
                while kept and kept[-1] in STOPWORDS:  # "rue de la gare à saint aubin"
                    kept.pop()
            index += len(form)
        return kept, mentioned or weak_mention

    def _single(self, tokens: list[str], prefer: str | None) -> GazetteerHit | None:
        """One street (with or without a house number) or one landmark."""
        number, suffix, tokens = _house_number(tokens, self._number_leads)
        if len(tokens) > 1 and tokens[-1] in self._trailing_types and tokens[0] not in STREET_TYPES:
            tokens = tokens[:-1]
        candidates = self._everything.best(tokens, prefer)
        if not candidates:
            return None
        entry = candidates[0]
        commune_name = self._commune_names.get(entry.commune, entry.commune)
        if entry.kind == "landmark":
            return GazetteerHit(Place(*entry.start, f"{entry.name}, {commune_name}", "landmark"), entry, None)
        position = entry.position(number)
        if position is None:
            middle = entry.line.interpolate(0.5, normalized=True)
            return GazetteerHit(Place(middle.y, middle.x, f"{entry.name}, {commune_name}", "street"), entry, None)
        house_number = f"{number} {suffix}" if suffix else str(number)
        label = f"{house_number} {entry.name}, {commune_name}"
        return GazetteerHit(Place(*position, label, "address"), entry, house_number)

    def _intersection(self, tokens: list[str], prefer: str | None) -> GazetteerHit | None:
        """ "angle rue A et rue B", "carrefour A / B": where the two streets meet (or come closest)."""
        parts = _intersection_parts(tokens)
        if parts is None:
            return None
        firsts, seconds = self._streets.best(parts[0], prefer), self._streets.best(parts[1], prefer)
        if not firsts or not seconds:
            return None
        first, second = min(
            ((a, b) for a in firsts for b in seconds if a is not b),
            key=lambda pair: pair[0].line.distance(pair[1].line),
            default=(None, None),
        )
        if first is None or second is None:
            return None
        crossing = first.line.intersection(second.line)
        if crossing.is_empty:
            near_first, near_second = nearest_points(first.line, second.line)
            lon, lat = (near_first.x + near_second.x) / 2, (near_first.y + near_second.y) / 2
        else:
            lon, lat = crossing.centroid.x, crossing.centroid.y
        commune_name = self._commune_names.get(first.commune, first.commune)
        label = f"Angle {first.name} et {second.name}, {commune_name}"
        return GazetteerHit(Place(lat, lon, label, "address"), first, None)


def _in_french(tokens: list[str]) -> list[str]:
    """English landmark words put in French ("the town hall" -> "the mairie"), the longest first."""
    out: list[str] = []
    i = 0
    while i < len(tokens):
        for size in (2, 1):
            french = ENGLISH_LANDMARKS.get(tuple(tokens[i:i + size]))
            if french:
                out.extend(french)
                i += size
                break
        else:
            out.append(tokens[i])
            i += 1
    return out


def _words_agree(query: list[str], name: list[str]) -> bool:
    """Whether every word of the shorter side is in the longer one, give or take a typo.

    Character similarity alone finds "gare" in "voiture garée" and "merci" in "centre commercial".
    """
    shorter, longer = (name, query) if len(name) <= len(query) else (query, name)
    street = any(word in STREET_TYPES for word in query)  # "rue des lila" is the Rue des Lilas; "le pont" no Quai des Ponts
    has_type = any(word in STREET_TYPES for word in longer)
    return all(
        (word in STREET_TYPES and has_type) or any(_same_word(word, other, plural=street) for other in longer)
        for word in shorter
    )


def _same_word(word: str, other: str, *, plural: bool = False) -> bool:
    """Equal, or one typo apart for words long enough to tell ("jores" for "jaures", not "paix" for "paris")."""
    if word == other:
        return True
    if plural and _singular(word) == _singular(other) and min(len(word), len(other)) >= 3:
        return True  # a plural's s forgotten
    shortest = min(len(word), len(other))
    if shortest <= 4 or word.isdigit() or other.isdigit():
        return False
    return fuzz.ratio(word, other) >= 70


def _unaccented(word: str) -> str:
    """Lower case without accents: "Garé" -> "gare"."""
    decomposed = unicodedata.normalize("NFKD", word.lower())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def _singular(word: str) -> str:
    """The word without a plural's final s or x: "lilas" -> "lila"."""
    return word[:-1] if len(word) > 3 and word[-1] in "sx" else word


def _commune_forms(name: str) -> list[list[str]]:
    """The ways a commune is written: "saint aubin sur loire", and "saint aubin" for short."""
    tokens = fold(name)
    forms = [tokens]
    if "sur" in tokens[1:]:
        forms.append(tokens[: tokens.index("sur", 1)])
    return forms


def _catalogue_places(config_dir: Path | str) -> Places | None:
    """The address words of the catalogue nlu reads, so that both read a place alike: `places.number_words` (what
    may stand between a street and the house number that ends it, "au 20", "à hauteur du 33") and
    `places.trailing_street_types`; None without a catalogue."""
    from nlu.catalogue import load_catalogue

    if not (Path(config_dir) / "catalogue.yaml").exists():
        return None
    return load_catalogue(Path(config_dir)).places


def _folded_words(phrases: Iterable[str]) -> frozenset[str]:
    return frozenset(token for phrase in phrases for token in fold(phrase))


def _house_number(tokens: list[str], leads: frozenset[str] = frozenset()) -> tuple[int | None, str | None,
                                                                                     list[str]]:
    """The house number ("14", "14 bis") before a street, and the tokens without it."""
    for index, token in enumerate(tokens):
        if not token.isdigit() or len(token) > 4:
            continue
        after = index + 1
        suffix = NUMBER_SUFFIXES.get(tokens[after]) if after < len(tokens) else None
        if suffix:
            after += 1
        following = after
        while following < len(tokens) and tokens[following] in STOPWORDS:
            following += 1
        if index == 0 or (following < len(tokens) and tokens[following] in NAME_STARTS):
            return int(token), suffix, tokens[:index] + tokens[after:]
        if after == len(tokens) and index > 0:  # after the street: "av jean jaures au 20", "rue X à hauteur du 33"
            before = index
            while before > 0 and tokens[before - 1] in leads:
                before -= 1
            if 0 < before < index:  # a word says it is a number ("au 20"): never the year of "rue du 8 Mai 1945"
                return int(token), suffix, tokens[:before]
    return None, None, tokens


def _intersection_parts(tokens: list[str]) -> tuple[list[str], list[str]] | None:
    """The two streets of "angle A et B", "coin de A et de B", "A / B", or None."""
    if "/" in tokens:
        split = tokens.index("/")
        left, right = tokens[:split], tokens[split + 1:]
        keywords = [index for index, token in enumerate(left) if token in INTERSECTION_WORDS]
        if keywords:
            left = left[keywords[-1] + 1:]
        return left, right
    keyword = next((index for index, token in enumerate(tokens) if token in INTERSECTION_WORDS), None)
    if keyword is None or "et" not in tokens[keyword + 1:]:
        return None
    split = tokens.index("et", keyword + 1)
    return tokens[keyword + 1:split], tokens[split + 1:]


class GeopyGeocoder:
    """The Base Adresse Nationale (`ban`) or a Nominatim server (`nominatim`), through geopy."""

    def __init__(self, kind: str, base_url: str | None = None, *, timeout: float = 5.0) -> None:
        options: dict = {"timeout": timeout, "user_agent": USER_AGENT}
        if base_url:
            url = urlsplit(base_url)
            options |= {"scheme": url.scheme, "domain": f"{url.netloc}{url.path}".rstrip("/")}
        self.kind = kind
        if kind == "ban":
            self._geopy: BANFrance | Nominatim = BANFrance(**options)
        elif kind == "nominatim":
            self._geopy = Nominatim(**options)
        else:
            raise ValueError(f"GeopyGeocoder kind must be 'ban' or 'nominatim', not {kind!r}.")

    def geocode(self, query: str, *, commune: str | None = None) -> Place | None:
        """The place `query` names, or None when nothing fits or the service is unreachable."""
        if commune and commune.lower() not in query.lower():
            query = f"{query}, {commune}"
        try:
            if isinstance(self._geopy, BANFrance):
                location = self._geopy.geocode(query, limit=1)
            else:
                location = self._geopy.geocode(query, country_codes="fr")
        except GeopyError as err:
            logger.warning("geocoder unavailable", extra={"geocoder": self.kind, "error": repr(err)})
            return None
        if location is None:
            return None
        raw = location.raw
        if self.kind == "ban":
            properties = raw.get("properties", {})
            if properties.get("score", 1.0) < MIN_BAN_SCORE:
                return None
            precision = BAN_PRECISION.get(properties.get("type"), "point")
        else:
            precision = _nominatim_precision(raw)
        return Place(location.latitude, location.longitude, location.address, precision)


BAN_PRECISION = {"housenumber": "address", "street": "street", "locality": "landmark", "municipality": "point"}
NOMINATIM_AREAS = frozenset({
    "city", "town", "village", "municipality", "suburb", "quarter", "neighbourhood", "county", "state",
    "country", "postcode", "hamlet",
})


def _nominatim_precision(raw: dict) -> str:
    """Our precision for a Nominatim result, from its class, type and addresstype."""
    if raw.get("type") in ("house", "building") or raw.get("addresstype") in ("house", "building"):
        return "address"
    if raw.get("class") == "highway" or raw.get("addresstype") == "road":
        return "street"
    if raw.get("addresstype") in NOMINATIM_AREAS or raw.get("class") == "boundary":
        return "point"
    return "landmark"


def make_geocoder(
    kind: str, base_url: str | None, config_dir: Path | str, territories: Territories | None = None
) -> Geocoder:
    """The geocoder named by GUICHET_GEOCODER (`gazetteer`, `ban`, `nominatim`), at GUICHET_GEOCODER_URL."""
    if kind == "gazetteer":
        return GazetteerGeocoder(config_dir, territories)
    if kind in ("ban", "nominatim"):
        return GeopyGeocoder(kind, base_url)
    raise ValueError(f"GUICHET_GEOCODER must be one of {', '.join(GEOCODER_KINDS)}, not {kind!r}.")

