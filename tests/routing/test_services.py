"""Which city service a case goes to."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from routing import Router
from routing.services import Services

from .conftest import CONFIG_DIR
from .test_territories import CENTRE, GARE, SAINT_AUBIN, TILLEULS

CATALOGUE = {
    "chaussee", "obstacle", "stationnement", "dechets", "eclairage", "signalisation", "velo",
    "espaces_verts", "graffiti", "eau", "bruit", "covoiturage", "autre",
}


@pytest.fixture(scope="module")
def services() -> Services:
    return Services.load(CONFIG_DIR)


@pytest.mark.parametrize(
    ("category", "territory", "expected"),
    [
        ("chaussee", GARE, "valmont-voirie"),
        ("obstacle", CENTRE, "valmont-voirie"),
        ("stationnement", TILLEULS, "valmont-police"),
        ("dechets", CENTRE, "valmont-proprete"),
        ("dechets", GARE, "valmont-proprete-gare"),  # the district team wins over the town-wide one
        ("eclairage", TILLEULS, "valmont-eclairage"),
        ("espaces_verts", CENTRE, "valmont-espaces-verts"),
        ("covoiturage", CENTRE, "valmont-mobilite"),
        ("autre", GARE, "valmont-accueil"),
        ("eau", CENTRE, "eau-assainissement"),
        ("eau", SAINT_AUBIN, "eau-assainissement"),  # intercommunal
        ("chaussee", SAINT_AUBIN, "saint-aubin-technique"),
        ("bruit", SAINT_AUBIN, "saint-aubin-police"),
        ("covoiturage", SAINT_AUBIN, "saint-aubin-accueil"),
        ("inconnue", SAINT_AUBIN, "saint-aubin-accueil"),  # unknown category: the commune's accueil
    ],
)
def test_route(services: Services, category: str, territory, expected: str) -> None:
    assert services.route(category, territory).code == expected


def test_every_category_of_the_catalogue_has_a_service_in_every_commune(services: Services) -> None:
    for territory in (CENTRE, TILLEULS, GARE, SAINT_AUBIN):
        unserved = {c for c in CATALOGUE if not any(s.serves(c, territory) for s in services.all())}
        assert (territory.code, unserved) == (territory.code, set())


def test_services_only_name_catalogue_categories(services: Services) -> None:
    assert {c for s in services.all() for c in s.categories} - CATALOGUE == set()


def test_get(services: Services) -> None:
    water = services.get("eau-assainissement")
    assert (water.name, water.communes, water.email) == (
        "Eau et assainissement - Communauté de communes Loire-Valmont",
        ("valmont", "saint-aubin"),
        "eau@cc-loire-valmont.example",
    )


def test_service_for_outside_every_territory(router: Router) -> None:
    assert router.service_for("chaussee", None) is None


def test_a_commune_without_accueil_is_refused_at_start_up(tmp_path: Path) -> None:
    for name in ("territories.geojson", "gazetteer.csv"):
        (tmp_path / name).write_bytes((CONFIG_DIR / name).read_bytes())
    entries = yaml.safe_load((CONFIG_DIR / "services.yaml").read_text(encoding="utf-8"))["services"]
    kept = [entry for entry in entries if entry["code"] != "saint-aubin-accueil"]
    (tmp_path / "services.yaml").write_text(yaml.safe_dump({"services": kept}), encoding="utf-8")
    with pytest.raises(ValueError, match="no service takes 'autre' in saint-aubin"):
        Router(tmp_path)
