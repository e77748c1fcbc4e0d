"""A town's real territory from national open data: `territories.geojson` and `gazetteer.csv` (`guichet territory import`).

Inputs, as a town downloads them:
- commune boundaries as GeoJSON (geo.api.gouv.fr `…/communes?code=…&format=geojson&geometry=contour`, or the
  "contours des communes" files of data.gouv.fr): one feature per commune, its INSEE code in `code` (or `insee`,
  `INSEE_COM`, `codgeo`) and its name in `nom` (or `name`, `NOM`, `NOM_COM`, `libgeo`);
- districts (quartiers) as GeoJSON, optional: one feature per district, its name in `nom`/`name`/`NOM`; the
  commune holding the district's inner point owns it;
- the Base Adresse Nationale CSV of the département (`adresses-37.csv`, or `.csv.gz` as published):
  semicolon-separated, `numero;rep;nom_voie;code_postal;code_insee;nom_commune;…;lon;lat`, filtered here by
  the INSEE codes asked for.

Each street becomes one gazetteer row from its lowest to its highest house number (the gazetteer interpolates
between them: on a curved street a number lands on the chord, within the street's extent); districts are
given to each street by its middle. Landmarks already in the output gazetteer are kept: the BAN knows
addresses, not "devant la mairie", which a town adds by hand.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
import unicodedata
import zlib
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry

from routing.geocoders import GAZETTEER_FILE
from routing.territories import TERRITORIES_FILE

GAZETTEER_COLUMNS = ("kind", "name", "commune", "district", "lat_start", "lon_start", "lat_end", "lon_end",
                     "first_number", "last_number", "aliases")
INSEE_KEYS = ("code", "insee", "INSEE_COM", "insee_com", "codgeo", "code_insee")
NAME_KEYS = ("nom", "name", "NOM", "NOM_COM", "nom_com", "libgeo", "nom_quartier", "NOM_QUARTIER")
POSTCODE_KEYS = ("codesPostaux", "codes_postaux", "code_postal", "postcode")
BAN_COLUMNS = ("numero", "nom_voie", "code_postal", "code_insee", "nom_commune", "lon", "lat")
LIEU_DIT_NUMBER = 99999  # the BAN's number for a lieu-dit without house numbers


class TerritoryFileError(ValueError):
    """An input file the import cannot read, with one sentence saying which and why."""


@dataclass
class ImportedCommune:
    """A commune as the territory file will hold it."""

    insee: str
    name: str
    code: str
    area: BaseGeometry
    postcode: str | None = None
    districts: list[tuple[str, str, BaseGeometry]] = field(default_factory=list)  # (code, name, area)


@dataclass(frozen=True)
class ImportSummary:
    """What an import wrote, for the command's one-line report."""

    communes: int
    districts: int
    streets: int
    addresses: int
    landmarks_kept: int
    outside: int  # addresses of the asked communes lying outside their boundary (kept, counted)
    skipped: int = 0  # lines of those communes without a number or a position (left out, counted)


def slug(name: str) -> str:
    """A lower-case ASCII code for a name: "Saint-Aubin-sur-Loire" -> "saint-aubin-sur-loire"."""
    text = unicodedata.normalize("NFKD", name.lower().replace("œ", "oe").replace("æ", "ae"))
    text = "".join(char for char in text if not unicodedata.combining(char))
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def read_communes(path: Path, insee_codes: Iterable[str]) -> list[ImportedCommune]:
    """The communes of `insee_codes` from a boundaries GeoJSON, in the order asked."""
    wanted = list(dict.fromkeys(insee_codes))
    found: dict[str, ImportedCommune] = {}
    for number, feature in enumerate(_features(path), start=1):
        properties = feature.get("properties") or {}
        insee = str(_first(properties, INSEE_KEYS) or "")
        if insee not in wanted:
            continue
        name = _first(properties, NAME_KEYS)
        if not name:
            raise TerritoryFileError(f"{path}: feature {number} (INSEE {insee}) has no name (`nom` or `name`)")
        postcodes = _first(properties, POSTCODE_KEYS)
        postcode = postcodes[0] if isinstance(postcodes, list) and postcodes else postcodes
        found[insee] = ImportedCommune(insee=insee, name=str(name), code=slug(str(name)),
                                       area=_area(path, number, feature),
                                       postcode=str(postcode) if postcode else None)
    missing = [code for code in wanted if code not in found]
    if missing:
        raise TerritoryFileError(f"{path} has no commune with INSEE code {', '.join(missing)}: check the codes "
                           "(5 characters, e.g. 37261 for Tours) or download the département's file")
    return [found[code] for code in wanted]


def assign_districts(path: Path, communes: list[ImportedCommune]) -> int:
    """Give each district of a districts GeoJSON to the commune holding its inner point; the count given."""
    given = 0
    for number, feature in enumerate(_features(path), start=1):
        name = _first(feature.get("properties") or {}, NAME_KEYS)
        if not name:
            raise TerritoryFileError(f"{path}: feature {number} has no name (`nom` or `name`)")
        area = _area(path, number, feature)
        inner = area.representative_point()
        owner = next((commune for commune in communes if commune.area.intersects(inner)), None)
        if owner is None:
            continue  # a district of a commune not imported
        if area.intersection(owner.area).area >= 0.95 * owner.area.area:
            raise TerritoryFileError(f"{path}: feature {number} ({name}) covers the whole commune of {owner.name}: "
                                     "--districts takes the districts (quartiers) inside a commune, not communes")
        owner.districts.append((f"{owner.code}-{slug(str(name))}", str(name), area))
        given += 1
    if not given:
        raise TerritoryFileError(f"{path} has no district inside the communes asked: check that it is their "
                                 "districts (quartiers) file, in longitude/latitude (EPSG:4326)")
    return given


def read_streets(path: Path, communes: list[ImportedCommune]) -> tuple[list[dict[str, str]], int, int, int]:
    """The gazetteer's street rows from a BAN CSV, the addresses read, those outside their commune, and the
    lines left out (no number or position)."""
    by_insee = {commune.insee: commune for commune in communes}
    numbers: dict[tuple[str, str], list[tuple[int, float, float]]] = defaultdict(list)
    postcodes: dict[str, Counter[str]] = defaultdict(Counter)
    try:
        file = _open_text(path)
        with file:
            addresses, outside, skipped = _read_ban(path, file, by_insee, numbers, postcodes)
    except UnicodeDecodeError as err:
        raise TerritoryFileError(f"{path} is not UTF-8 text (byte {err.start}): the BAN publishes UTF-8; "
                                 "convert the file (iconv -f latin1 -t utf-8) or download it again") from err
    except (EOFError, gzip.BadGzipFile, zlib.error) as err:
        raise TerritoryFileError(f"{path} is cut short or not gzip ({type(err).__name__}): download it again") from err
    for commune in communes:
        if commune.postcode is None and postcodes[commune.insee]:
            commune.postcode = postcodes[commune.insee].most_common(1)[0][0]
    rows = []
    for (insee, street), points in sorted(numbers.items(), key=lambda item: (item[0][0], slug(item[0][1]))):
        commune = by_insee[insee]
        points.sort()
        first, last = points[0], points[-1]
        middle = ((first[1] + last[1]) / 2, (first[2] + last[2]) / 2)
        district = next((code for code, _, area in commune.districts
                         if shapely.intersects_xy(area, middle[1], middle[0])), "")
        rows.append({
            "kind": "street", "name": street, "commune": commune.code, "district": district,
            "lat_start": f"{first[1]:.6f}", "lon_start": f"{first[2]:.6f}",
            "lat_end": f"{last[1]:.6f}", "lon_end": f"{last[2]:.6f}",
            "first_number": str(first[0]), "last_number": str(last[0]), "aliases": "",
        })
    return rows, addresses, outside, skipped


def _read_ban(path: Path, file, by_insee: dict[str, ImportedCommune],
              numbers: dict[tuple[str, str], list[tuple[int, float, float]]],
              postcodes: dict[str, Counter[str]]) -> tuple[int, int, int]:
    """Read the BAN rows of the communes asked for into `numbers` and `postcodes`: (addresses, outside, skipped)."""
    addresses = outside = skipped = 0
    reader = csv.DictReader(file, delimiter=";")
    absent = [column for column in BAN_COLUMNS if column not in (reader.fieldnames or ())]
    if absent:
        raise TerritoryFileError(f"{path} is not a Base Adresse Nationale CSV: no column {', '.join(absent)} "
                                 "(expected `numero;rep;nom_voie;code_postal;code_insee;nom_commune;…;lon;lat`, "
                                 "separated by semicolons)")
    for row in reader:
        commune = by_insee.get(row["code_insee"])
        if commune is None:
            continue
        try:
            number, lon, lat = int(row["numero"]), float(row["lon"]), float(row["lat"])
        except (TypeError, ValueError):
            skipped += 1  # a line without a number or a position: the others of the street still place it
            continue
        if number >= LIEU_DIT_NUMBER or not row["nom_voie"].strip():
            continue
        addresses += 1
        if not shapely.intersects_xy(commune.area, lon, lat):
            outside += 1
        numbers[(commune.insee, row["nom_voie"].strip())].append((number, lat, lon))
        if row["code_postal"]:
            postcodes[commune.insee][row["code_postal"]] += 1
    return addresses, outside, skipped


def territory_features(communes: list[ImportedCommune]) -> dict[str, Any]:
    """The territories.geojson of these communes and their districts."""
    features = []
    for commune in communes:
        properties = {"code": commune.code, "name": commune.name, "kind": "commune", "citycode": commune.insee}
        if commune.postcode:
            properties["postcode"] = commune.postcode
        features.append({"type": "Feature", "properties": properties, "geometry": mapping(commune.area)})
    for commune in communes:
        for code, name, area in commune.districts:
            features.append({"type": "Feature", "geometry": mapping(area),
                             "properties": {"code": code, "name": name, "kind": "district", "commune": commune.code}})
    return {"type": "FeatureCollection", "features": features}


def import_territory(*, communes_file: Path, ban_file: Path, insee_codes: list[str], out: Path,
                     districts_file: Path | None = None, force: bool = False) -> ImportSummary:
    """Write `out`/territories.geojson and `out`/gazetteer.csv from the open-data files."""
    territories_path, gazetteer_path = out / TERRITORIES_FILE, out / GAZETTEER_FILE
    if territories_path.exists() and not force:
        raise TerritoryFileError(f"{territories_path} exists: pass --force to replace it (its landmarks are kept)")
    communes = read_communes(communes_file, insee_codes)
    districts = assign_districts(districts_file, communes) if districts_file else 0
    streets, addresses, outside, skipped = read_streets(ban_file, communes)
    if not streets:
        raise TerritoryFileError(f"{ban_file} holds no address of INSEE {', '.join(insee_codes)}: is it the right "
                           "département's file?")
    codes = {commune.code for commune in communes}
    landmarks = [row for row in _existing_rows(gazetteer_path) if row["kind"] == "landmark" and row["commune"] in codes]
    out.mkdir(parents=True, exist_ok=True)
    territories_path.write_text(json.dumps(territory_features(communes), ensure_ascii=False, indent=1) + "\n",
                                encoding="utf-8")
    with gazetteer_path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=GAZETTEER_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(streets)
        writer.writerows(landmarks)
    return ImportSummary(communes=len(communes), districts=districts, streets=len(streets), addresses=addresses,
                         landmarks_kept=len(landmarks), outside=outside, skipped=skipped)


def _features(path: Path) -> list[dict[str, Any]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise TerritoryFileError(f"cannot read {path} as GeoJSON: {err}") from err
    if not isinstance(data, dict):
        raise TerritoryFileError(f"{path} is not a GeoJSON FeatureCollection")
    features = [data] if data.get("type") == "Feature" else data.get("features")
    if not isinstance(features, list):
        raise TerritoryFileError(f"{path} is not a GeoJSON FeatureCollection")
    return [feature for feature in features if isinstance(feature, dict)]


def _area(path: Path, number: int, feature: dict[str, Any]) -> BaseGeometry:
    try:
        area = shape(feature["geometry"])
    except (KeyError, TypeError, ValueError, AttributeError, shapely.errors.GEOSException) as err:
        raise TerritoryFileError(f"{path}: feature {number} has no polygon geometry (its `geometry` is missing or "
                                 "not GeoJSON)") from err
    if area.geom_type not in ("Polygon", "MultiPolygon") or area.is_empty:
        raise TerritoryFileError(f"{path}: feature {number} is a {area.geom_type}, not a polygon")
    shapely.prepare(area)
    return area


def _first(properties: dict[str, Any], keys: tuple[str, ...]) -> Any:
    return next((properties[key] for key in keys if properties.get(key) not in (None, "")), None)


def _open_text(path: Path) -> io.TextIOBase:
    try:
        if path.suffix == ".gz":
            return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8", newline="")
        return path.open(encoding="utf-8", newline="")
    except OSError as err:
        raise TerritoryFileError(f"cannot read {path}: {err}") from err


def _existing_rows(path: Path) -> list[dict[str, str]]:
    if not path.exists():
        return []
    with path.open(encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file))
