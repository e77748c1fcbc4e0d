"""Which commune and district holds a point."""

from __future__ import annotations

import pytest

from routing.places import Territory
from routing.territories import Territories

from .conftest import CONFIG_DIR

CENTRE = Territory("valmont-centre", "Centre", "valmont", "Valmont", "valmont-centre", "Centre")
TILLEULS = Territory("valmont-tilleuls", "Les Tilleuls", "valmont", "Valmont", "valmont-tilleuls", "Les Tilleuls")
GARE = Territory("valmont-gare", "La Gare", "valmont", "Valmont", "valmont-gare", "La Gare")
SAINT_AUBIN = Territory("saint-aubin", "Saint-Aubin-sur-Loire", "saint-aubin", "Saint-Aubin-sur-Loire")


@pytest.fixture(scope="module")
def territories() -> Territories:
    return Territories.load(CONFIG_DIR)


@pytest.mark.parametrize(
    ("lat", "lon", "expected"),
    [
        (47.3907, 0.6862, CENTRE),  # the town hall
        (47.4040, 0.6800, TILLEULS),
        (47.3740, 0.6935, GARE),  # the station
        (47.3892, 0.7446, SAINT_AUBIN),  # Saint-Aubin's town hall
    ],
)
def test_locate_a_point_in_each_territory(territories: Territories, lat: float, lon: float, expected: Territory) -> None:
    assert territories.locate(lat, lon) == expected


@pytest.mark.parametrize(("lat", "lon"), [(47.3900, 0.6400), (47.4200, 0.7000), (48.8566, 2.3522)])
def test_a_point_outside_every_commune_has_no_territory(territories: Territories, lat: float, lon: float) -> None:
    assert territories.locate(lat, lon) is None


def test_communes_in_file_order(territories: Territories) -> None:
    assert [(c.code, c.name) for c in territories.communes()] == [
        ("valmont", "Valmont"),
        ("saint-aubin", "Saint-Aubin-sur-Loire"),
    ]


def test_districts_of_each_commune(territories: Territories) -> None:
    districts = {c.code: [name for _, name, _ in c.districts] for c in territories.communes()}
    assert districts == {"valmont": ["Centre", "Les Tilleuls", "La Gare"], "saint-aubin": []}


def test_labels_shown_to_residents() -> None:
    assert (CENTRE.label, SAINT_AUBIN.label) == ("Valmont - Centre", "Saint-Aubin-sur-Loire")
