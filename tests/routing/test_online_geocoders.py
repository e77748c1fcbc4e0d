"""geopy's real BANFrance and Nominatim classes against the local stand-ins, over HTTP on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from routing import Router
from routing.geocoders import GazetteerGeocoder, GeopyGeocoder, make_geocoder
from routing.places import Place
from routing.standins import GeocoderStandin

from .conftest import CONFIG_DIR
from .test_territories import CENTRE, SAINT_AUBIN


@pytest.fixture(scope="module")
def standin() -> Iterator[GeocoderStandin]:
    with GeocoderStandin(CONFIG_DIR) as running:
        yield running


@pytest.mark.parametrize(
    ("kind", "query", "expected"),
    [
        ("ban", "14 rue Victor Hugo", Place(47.388, 0.682203, "14 Rue Victor Hugo 37150 Valmont", "address")),
        ("ban", "rue de la gare a saint aubin", Place(47.384, 0.741, "Rue de la Gare 37151 Saint-Aubin-sur-Loire", "street")),
        ("ban", "gare", Place(47.374, 0.6935, "Gare SNCF 37150 Valmont", "landmark")),
        (
            "nominatim", "14 rue Victor Hugo",
            Place(47.388, 0.6822034, "14, Rue Victor Hugo, Centre, Valmont, Indre-et-Loire, Centre-Val de Loire, "
                  "France métropolitaine, 37150, France", "address"),
        ),
        (
            "nominatim", "grande rue",
            Place(47.388, 0.741, "Grande Rue, Saint-Aubin-sur-Loire, Indre-et-Loire, Centre-Val de Loire, "
                  "France métropolitaine, 37151, France", "street"),
        ),
        (
            "nominatim", "piscine",
            Place(47.400499, 0.708595, "Piscine municipale, Les Tilleuls, Valmont, Indre-et-Loire, "
                  "Centre-Val de Loire, France métropolitaine, 37150, France", "landmark"),
        ),
    ],
)
def test_geocode_through_geopy(standin: GeocoderStandin, kind: str, query: str, expected: Place) -> None:
    assert make_geocoder(kind, standin.url, CONFIG_DIR).geocode(query) == expected


@pytest.mark.parametrize("kind", ["ban", "nominatim"])
def test_nothing_found(standin: GeocoderStandin, kind: str) -> None:
    assert make_geocoder(kind, standin.url, CONFIG_DIR).geocode("rue inconnue") is None


def test_commune_is_added_to_the_query(standin: GeocoderStandin) -> None:
    place = GeopyGeocoder("ban", standin.url).geocode("rue de la gare", commune="Saint-Aubin-sur-Loire")
    assert (place.label if place else None, standin.queries[-1]) == (
        "Rue de la Gare 37151 Saint-Aubin-sur-Loire", "rue de la gare, Saint-Aubin-sur-Loire"
    )


def test_ban_answers_on_its_trailing_slash_path_too(standin: GeocoderStandin) -> None:
    answer = requests.get(f"{standin.url}/search/", params={"q": "3 grande rue", "limit": 1}, timeout=5).json()
    assert [f["properties"]["label"] for f in answer["features"]] == ["3 Grande Rue 37151 Saint-Aubin-sur-Loire"]


def test_unreachable_geocoder_finds_nothing() -> None:
    with GeocoderStandin(CONFIG_DIR) as stopped:
        url = stopped.url
    assert GeopyGeocoder("ban", url, timeout=1).geocode("14 rue Victor Hugo") is None


def test_router_falls_back_to_the_gazetteer_when_online_finds_nothing_local() -> None:
    with GeocoderStandin(CONFIG_DIR) as stopped:
        url = stopped.url
    router = Router(CONFIG_DIR, geocoder=GeopyGeocoder("nominatim", url, timeout=1))
    located = router.locate_text("devant la mairie")
    assert located is not None
    assert (located.place.label, located.territory) == ("Mairie, Valmont", CENTRE)


def test_router_with_ban(standin: GeocoderStandin) -> None:
    router = Router(CONFIG_DIR, geocoder=make_geocoder("ban", standin.url, CONFIG_DIR))
    located = router.locate_text("12 grande rue")
    assert located is not None
    assert (located.place.label, located.territory) == ("12 Grande Rue 37151 Saint-Aubin-sur-Loire", SAINT_AUBIN)


def test_make_geocoder_defaults_to_the_gazetteer() -> None:
    assert isinstance(make_geocoder("gazetteer", None, CONFIG_DIR), GazetteerGeocoder)


def test_make_geocoder_refuses_an_unknown_kind() -> None:
    with pytest.raises(ValueError, match="GUICHET_GEOCODER must be one of gazetteer, ban, nominatim, not 'google'"):
        make_geocoder("google", None, CONFIG_DIR)
