"""Places in other towns, the fuzzy street names of ours, and the BAN asked when the gazetteer knows nothing."""

from __future__ import annotations

import csv
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from routing import Router
from routing.geocoders import GeopyGeocoder
from routing.standins import GeocoderStandin

from .conftest import CONFIG_DIR

# What the BAN knows beyond the demo gazetteer: a street of Valmont the town never entered, and one of the
# neighbour Montlouis-des-Prés (outside our territories; its town hall is at 47.388, 0.805).
BAN_ONLY = [
    ("street", "Rue Ossip Zadkine", "valmont", "valmont-centre", 47.3920, 0.6900, 47.3925, 0.6950, 1, 30),
    ("street", "Rue de Brocéliande", "montlouis", "", 47.3880, 0.8000, 47.3885, 0.8040, 1, 50),
]
MONTLOUIS = {"type": "Feature",
             "properties": {"code": "montlouis", "name": "Montlouis-des-Prés", "kind": "commune",
                            "postcode": "37154", "citycode": "37993"},
             "geometry": {"type": "Polygon",
                          "coordinates": [[[0.78, 47.37], [0.83, 47.37], [0.83, 47.41], [0.78, 47.41], [0.78, 47.37]]]}}


def ban_config(folder: Path) -> Path:
    """A config for the BAN stand-in: the demo's streets, and a few more the gazetteer does not have."""
    shutil.copy(CONFIG_DIR / "gazetteer.csv", folder / "gazetteer.csv")
    with (folder / "gazetteer.csv").open("a", encoding="utf-8", newline="") as rows:
        writer = csv.writer(rows)
        for row in BAN_ONLY:
            writer.writerow([*row, ""])
    territories = json.loads((CONFIG_DIR / "territories.geojson").read_text(encoding="utf-8"))
    territories["features"].append(MONTLOUIS)
    (folder / "territories.geojson").write_text(json.dumps(territories), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def ban(tmp_path_factory) -> Iterator[GeocoderStandin]:
    with GeocoderStandin(ban_config(tmp_path_factory.mktemp("ban"))) as running:
        yield running


@pytest.fixture(scope="module")
def with_ban(ban: GeocoderStandin) -> Router:
    return Router(CONFIG_DIR, fallback=GeopyGeocoder("ban", ban.url))


def test_a_commune_we_do_not_serve_places_the_report_there_whatever_street_of_ours_shares_its_name(router):
    located = router.locate_text("rue nationale", commune="tours")

    assert located is not None and located.territory is None
    assert (located.commune.name if located.commune else None, located.near) == ("Tours", False)


def test_a_commune_we_serve_is_preferred_among_the_gazetteer_answers(router):
    located = router.locate_text("la mairie", commune="saint-aubin")

    assert located is not None and located.place.label == "Mairie, Saint-Aubin-sur-Loire"


def test_the_mairie_of_saint_aubin_written_out_is_saint_aubin_s(router):
    located = router.locate_text("devant la mairie de saint aubin")

    assert located is not None and located.place.label == "Mairie, Saint-Aubin-sur-Loire"


@pytest.mark.parametrize("text", ["voiture garé sur le trottoir", "voiture mal garée sur le trottoir",
                                  "véhicule garés devant chez moi"])
def test_parked_is_no_station(router, text):
    assert router.locate_text(text) is None


@pytest.mark.parametrize("text", ["la gare", "devant la gare sncf", "parking de la gare"])
def test_the_station_is_still_the_station(router, text):
    located = router.locate_text(text)
    assert located is not None and "gare" in located.place.label.lower()


@pytest.mark.parametrize(
    "text, label",
    [("8 rue des lila", "8 Rue des Lilas, Valmont"), ("8 rue des lillas", "8 Rue des Lilas, Valmont"),
     ("3 impasse des lila", "3 Impasse des Lilas, Valmont"), ("allée des tilleul", "Allée des Tilleuls, Valmont"),
     ("chemin des platane", "Chemin des Platanes, Valmont")],
)
def test_a_street_name_off_by_its_plural_or_a_letter_is_found(router, text, label):
    located = router.locate_text(text)
    assert located is not None and located.place.label == label


def test_a_plural_is_forgiven_only_in_a_street_name(router):
    assert router.locate_text("tags sous le pont") is None  # no Quai des Ponts


def test_a_position_outside_is_near_the_nearest_neighbour(router):
    located = router.locate_point(47.3885, 0.7990)

    assert located.territory is None
    assert (located.commune.name if located.commune else None, located.near) == ("Montlouis-des-Prés", True)


def test_a_town_hall_inside_our_territory_is_never_the_nearest(router):
    # Real Tours lies under the demo's invented Valmont: a position outside Valmont is no more in Tours.
    assert router.nearest_commune(47.3941, 0.6848) is None or router.nearest_commune(47.3941, 0.6848).code != "tours"


def test_without_the_fallback_a_street_the_gazetteer_does_not_know_is_not_found(router):
    assert router.locate_text("5 rue ossip zadkine") is None


def test_the_ban_finds_a_street_of_ours_the_gazetteer_does_not_know(with_ban, ban):
    located = with_ban.locate_text("5 rue ossip zadkine")

    assert located is not None
    assert (located.place.label, located.territory.commune_code if located.territory else None) == (
        "5 Rue Ossip Zadkine 37150 Valmont", "valmont")
    assert ban.queries[-1] == "5 rue ossip zadkine"


def test_an_address_the_ban_finds_outside_every_territory_names_the_nearest_commune(with_ban):
    located = with_ban.locate_text("12 rue de brocéliande")

    assert located is not None and located.territory is None
    assert (located.commune.name if located.commune else None, located.near) == ("Montlouis-des-Prés", True)


def test_the_gazetteer_answers_first_and_the_ban_is_not_asked(with_ban, ban):
    before = len(ban.queries)
    located = with_ban.locate_text("14 rue Victor Hugo")

    assert located is not None and located.place.label == "14 Rue Victor Hugo, Valmont"
    assert len(ban.queries) == before
