"""Which commune a message names: "à Tours", "Tours 37000", "37100", "sur Saumur", "mairie de Saint-Aubin".

The communes are those served (territories.geojson) and the others a town lists in communes.yaml. A
commune's name inside a street's ("rue de Paris", "route d'Orléans") names the street, not the town.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from nlu.text import Word, fold, words

COMMUNES_FILE = "communes.yaml"
TERRITORIES_FILE = "territories.geojson"
_POSTCODE = re.compile(r"^\d{5}$")
_CODE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
# Words that put a report in a town: "à Tours", "sur Saumur", "dans Paris", "au Mans", an English "in Paris".
_IN = frozenset({"a", "sur", "dans", "en", "au", "aux", "in"})
# "de Tours" is the town after a landmark ("la mairie de Tours") or one of these ("près de Tours", "le centre-ville
# de Tours"), a street's name after a street type, and nothing after a verb ("je suis de Tours").
_OF = frozenset({"de", "d'", "du", "d"})
_AREA = frozenset({"pres", "proche", "cote", "face", "abords", "sortie", "entree", "centre", "ville", "nord", "sud",
                   "ouest", "environs", "coeur", "commune", "agglomeration", "quartier", "niveau"})
# In a car-pooling message a town after these is where people go, not where the report is.
_TOWARDS = frozenset({"a", "vers", "pour", "jusqu'a", "direction"})
# "je vais à Saumur": a town one goes to is no place of a report, whatever the category
_GOING = frozenset({"vais", "va", "vont", "allons", "allez", "aller", "pars", "part", "partir", "rentre", "rentrer",
                    "descends", "monte", "roule", "travaille", "bosse"})


@dataclass(frozen=True)
class Commune:
    """A commune residents may name, with how to reach its town hall when Guichet does not serve it."""

    code: str
    name: str
    served: bool  # one of the territories
    aliases: tuple[str, ...] = ()
    postcodes: tuple[str, ...] = ()
    insee: str | None = None
    lat: float | None = None
    lon: float | None = None
    phone: str | None = None
    website: str | None = None
    email: str | None = None

    @property
    def contact(self) -> str:
        """How to reach its town hall, as residents read it: "02 47 21 60 00, tours.fr"."""
        return ", ".join(part for part in (self.phone, self.website, self.email) if part)


@dataclass(frozen=True)
class CommuneList:
    """Every commune known by name, and how far a shared position may be from one to be said near it."""

    communes: tuple[Commune, ...]
    nearest_km: float = 15.0

    def get(self, code: str | None) -> Commune | None:
        """The commune with this code, or None."""
        return next((c for c in self.communes if c.code == code), None) if code else None


def load_communes(config_dir: Path | str) -> CommuneList:
    """The served communes of territories.geojson, then those of communes.yaml (absent: none)."""
    config_dir = Path(config_dir)
    communes: list[Commune] = []
    territories = config_dir / TERRITORIES_FILE
    if territories.exists():
        for feature in json.loads(territories.read_text(encoding="utf-8"))["features"]:
            properties = feature["properties"]
            if properties.get("kind") == "commune":
                postcode = properties.get("postcode")
                communes.append(Commune(
                    code=properties["code"], name=properties["name"], served=True,
                    postcodes=(str(postcode),) if postcode else (), insee=properties.get("citycode"),
                ))
    path = config_dir / COMMUNES_FILE
    if not path.exists():
        return CommuneList(tuple(communes))
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    nearest_km = data.get("nearest_km", 15)
    if not isinstance(nearest_km, (int, float)) or nearest_km < 0:
        raise ValueError(f"{path}: nearest_km must be a number of kilometres, like 15.")
    served = {c.code for c in communes} | {c.insee for c in communes if c.insee}
    known: set[str] = set()
    for number, entry in enumerate(data.get("communes") or [], start=1):
        commune = _commune(path, number, entry)
        if commune.code in served or (commune.insee and commune.insee in served):
            continue  # a commune the town serves (an imported territory): territories.geojson describes it
        if commune.code in known:
            raise ValueError(f"{path}: commune {number} has the code {commune.code!r} of another; codes are unique.")
        known.add(commune.code)
        communes.append(commune)
    return CommuneList(tuple(communes), float(nearest_km))


def _commune(path: Path, number: int, entry: Any) -> Commune:
    where = f"{path}: commune {number}"
    if not isinstance(entry, dict) or not entry.get("code") or not entry.get("name"):
        raise ValueError(f"{where} needs a `code` and a `name`.")
    code = str(entry["code"])
    if not _CODE.match(code):
        raise ValueError(f"{where}: code {code!r} must be lower case letters, digits and hyphens.")
    postcodes = tuple(str(p) for p in entry.get("postcodes") or ())
    bad = [p for p in postcodes if not _POSTCODE.match(p)]
    if bad:
        raise ValueError(f"{where} ({code}): postcodes {bad} are not five digits; write them as text, e.g. \"37000\".")
    try:
        lat = float(entry["lat"]) if entry.get("lat") is not None else None
        lon = float(entry["lon"]) if entry.get("lon") is not None else None
    except (TypeError, ValueError) as err:
        raise ValueError(f"{where} ({code}): lat and lon are degrees, like 47.394 and 0.685.") from err
    commune = Commune(
        code=code, name=str(entry["name"]), served=False,
        aliases=tuple(str(a) for a in entry.get("aliases") or ()), postcodes=postcodes,
        insee=str(entry["insee"]) if entry.get("insee") else None, lat=lat, lon=lon,
        phone=_text(entry.get("phone")), website=_text(entry.get("website")), email=_text(entry.get("email")),
    )
    if not commune.contact:
        raise ValueError(f"{where} ({code}) needs a phone, a website or an email: residents are sent it.")
    return commune


def _text(value: Any) -> str | None:
    return str(value).strip() or None if value is not None else None


def name_forms(name: str) -> list[tuple[str, ...]]:
    """The folded word sequences a commune's name is written as: "saint aubin sur loire", "saint aubin", "st aubin";
    "mans" for "Le Mans" ("au Mans")."""
    tokens = tuple(t for t in re.split(r"[\s'-]+", fold(name)) if t)
    forms = [tokens]
    if "sur" in tokens[1:]:
        forms.append(tokens[: tokens.index("sur", 1)])
    for form in list(forms):
        if len(form) > 1 and form[0] in ("le", "la", "les"):
            forms.append(form[1:])  # "au Mans", "aux Essarts"
    for form in list(forms):
        if form and form[0] in ("saint", "sainte"):
            forms.append(("st" if form[0] == "saint" else "ste", *form[1:]))
    return forms


@dataclass(frozen=True)
class _Token:
    folded: str
    start: int
    end: int
    capitalised: bool


def _tokens(ws: Sequence[Word]) -> list[_Token]:
    """The words, hyphenated ones split ("Saint-Aubin" is "saint", "aubin"); an elided "d'" stays one."""
    tokens = []
    for w in ws:
        parts = [p for p in w.folded.split("-") if p] if w.folded[:1].isalnum() else [w.folded]
        for k, part in enumerate(parts):
            tokens.append(_Token(part, w.start, w.end, w.capitalised and k == 0))
    return tokens


@dataclass(frozen=True)
class CommuneMention:
    """A commune named in a message, and where."""

    commune: Commune
    start: int
    end: int


class CommuneFinder:
    """Finds the commune a message places its report in."""

    def __init__(self, communes: Iterable[Commune], *, landmarks: Iterable[str] = ()) -> None:
        # the last word of each landmark's name: "la mairie de Tours", "l'hôtel de ville de Blois"
        self._heads = _AREA | {w.folded for name in landmarks for w in words(name)[-1:]}
        self._forms: dict[str, list[tuple[tuple[str, ...], Commune]]] = {}
        self._postcodes: dict[str, Commune] = {}
        for commune in communes:
            for name in (commune.name, *commune.aliases):
                for form in name_forms(name):
                    self._forms.setdefault(form[0], []).append((form, commune))
            for postcode in commune.postcodes:
                self._postcodes.setdefault(postcode, commune)
        for entries in self._forms.values():
            entries.sort(key=lambda item: -len(item[0]))

    def find(self, text: str, *, streets: Sequence[range] = (), destination: bool = False) -> CommuneMention | None:
        """The first commune `text` places its report in; a name inside `streets` (character spans of street
        names) is the street's; with `destination`, a town after "à" or "vers" is where people go."""
        tokens = _tokens(words(text))
        for i, token in enumerate(tokens):
            if _POSTCODE.match(token.folded) and token.folded in self._postcodes:
                return CommuneMention(self._postcodes[token.folded], token.start, token.end)
            match = self._name_at(tokens, i)
            if match is None:
                continue
            length, commune = match
            end = i + length
            if self._named(tokens, i, end, commune, streets=streets, destination=destination):
                return CommuneMention(commune, token.start, tokens[end - 1].end)
        return None

    def _name_at(self, tokens: list[_Token], i: int) -> tuple[int, Commune] | None:
        for form, commune in self._forms.get(tokens[i].folded, ()):
            if tuple(t.folded for t in tokens[i : i + len(form)]) == form:
                return len(form), commune
        return None

    def _named(self, tokens: list[_Token], i: int, end: int, commune: Commune, *, streets: Sequence[range],
               destination: bool) -> bool:
        """Whether the name at tokens[i:end] says the report's town (not a street's name, not a common word)."""
        before = tokens[i - 1].folded if i > 0 else ""
        after = tokens[end].folded if end < len(tokens) else ""
        if after in commune.postcodes or before in commune.postcodes:
            return True  # "Tours 37000", "37100 Tours"
        going = any(t.folded in _GOING for t in tokens[max(0, i - 5) : i - 1])  # "je vais tous les jours à"
        if before in _TOWARDS and (destination or going):
            return False
        if before in _IN:
            return True  # "à Tours", "sur Saumur": even when the street's name runs on ("rue Nationale sur Saumur")
        if any(tokens[i].start in span for span in streets):
            return False  # "rue de Paris", "route d'Orléans", "place de Saumur"
        if before in _OF:
            return i >= 2 and tokens[i - 2].folded in self._heads  # "la mairie de Tours", "à la sortie de Blois"
        # "rue Nationale, Tours": a capitalised name after a comma, or the message's last word
        return before == "," and (tokens[i].capitalised or end == len(tokens))
