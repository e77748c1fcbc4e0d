"""The demo territory in config/: consistent polygons, a gazetteer inside them, reproducible files."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from shapely.geometry import LineString, Point, shape
from shapely.ops import unary_union

from routing.geocoders import load_gazetteer

from .conftest import CONFIG_DIR

GENERATOR = CONFIG_DIR / "tools" / "make_demo_territory.py"


@pytest.fixture(scope="module")
def areas() -> dict:
    features = json.loads((CONFIG_DIR / "territories.geojson").read_text(encoding="utf-8"))["features"]
    return {f["properties"]["code"]: (f["properties"], shape(f["geometry"])) for f in features}


def test_districts_tile_their_commune(areas: dict) -> None:
    districts = [area for properties, area in areas.values() if properties.get("commune") == "valmont"]
    union = unary_union(districts)
    overlap = sum(area.area for area in districts) - union.area
    assert (round(union.symmetric_difference(areas["valmont"][1]).area, 12), round(overlap, 12)) == (0.0, 0.0)


def test_communes_are_neighbours_without_overlap(areas: dict) -> None:
    valmont, saint_aubin = areas["valmont"][1], areas["saint-aubin"][1]
    assert (valmont.touches(saint_aubin), round(valmont.intersection(saint_aubin).area, 12)) == (True, 0.0)


def test_gazetteer_columns_are_those_other_modules_read() -> None:
    with (CONFIG_DIR / "gazetteer.csv").open(encoding="utf-8", newline="") as file:
        header = next(csv.reader(file))
    assert header == [
        "kind", "name", "commune", "district", "lat_start", "lon_start", "lat_end", "lon_end",
        "first_number", "last_number", "aliases",
    ]


def test_gazetteer_size() -> None:
    kinds = Counter(entry.kind for entry in load_gazetteer(CONFIG_DIR))
    assert (kinds["street"] >= 350, kinds["landmark"] >= 50) == (True, True)


def test_names_are_unique_within_a_commune_and_some_exist_in_both() -> None:
    entries = [(e.commune, e.name) for e in load_gazetteer(CONFIG_DIR) if e.kind == "street"]
    duplicates = [key for key, count in Counter(entries).items() if count > 1]
    in_both = {name for commune, name in entries if commune == "valmont"} & {
        name for commune, name in entries if commune == "saint-aubin"
    }
    assert duplicates == []
    assert {"Rue de la Gare", "Place de la Mairie", "Rue de l'Église"} <= in_both


def test_every_place_lies_in_its_commune_and_district(areas: dict) -> None:
    misplaced = []
    for entry in load_gazetteer(CONFIG_DIR):
        geometry = Point(entry.start[::-1]) if entry.kind == "landmark" else LineString([entry.start[::-1], entry.end[::-1]])
        for code in filter(None, (entry.commune, entry.district)):
            if not areas[code][1].contains(geometry):
                misplaced.append((entry.name, code))
    assert misplaced == []


def test_every_street_has_numbers_in_order_except_roundabouts() -> None:
    wrong = [
        e.name for e in load_gazetteer(CONFIG_DIR)
        if e.kind == "street" and not e.name.startswith("Rond-point")
        and not (e.first_number is not None and e.last_number is not None and e.first_number < e.last_number)
    ]
    assert wrong == []


def test_the_generator_reproduces_the_committed_files(tmp_path: Path) -> None:
    subprocess.run([sys.executable, str(GENERATOR), "--out", str(tmp_path)], check=True)
    for name in ("territories.geojson", "gazetteer.csv"):
        assert (tmp_path / name).read_text(encoding="utf-8") == (CONFIG_DIR / name).read_text(encoding="utf-8")
