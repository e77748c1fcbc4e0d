"""The catalogue is the town's: a new category or keyword works without touching code."""

import shutil
from pathlib import Path

import pytest
import yaml

import nlu
from nlu.catalogue import CatalogueError, load_catalogue

CONFIG_DIR = Path(__file__).resolve().parents[2] / "config"


def test_the_default_catalogue_has_the_thirteen_categories_of_the_spec():
    catalogue = load_catalogue(CONFIG_DIR)

    assert list(catalogue.categories) == [
        "chaussee", "obstacle", "stationnement", "dechets", "eclairage", "signalisation", "velo",
        "espaces_verts", "graffiti", "eau", "bruit", "covoiturage", "autre",
    ]  # fmt: skip
    obstacle = catalogue.categories["obstacle"]
    assert (obstacle.label["fr"], obstacle.urgency, obstacle.delay_days) == ("Obstacle ou danger sur la voie", "high", 1)
    assert catalogue.reference_prefix == "GU"


@pytest.fixture
def town_config(tmp_path) -> Path:
    """A copy of the catalogue with a snow category and one more keyword, and no gazetteer."""
    raw = yaml.safe_load((CONFIG_DIR / "catalogue.yaml").read_text(encoding="utf-8"))
    raw["categories"].insert(
        -1,
        {
            "code": "deneigement",
            "label": {"fr": "Neige et verglas", "en": "Snow and ice"},
            "urgency": "normal",
            "delay_days": 1,
            "keywords": {"fr": ["neige", "chasse-neige", "déneigement"], "en": ["snow"]},
        },
    )
    dechets = next(c for c in raw["categories"] if c["code"] == "dechets")
    dechets["keywords"]["fr"].append("trottinette abandonnée")
    (tmp_path / "catalogue.yaml").write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return tmp_path


def test_a_town_adds_a_category_and_a_keyword_in_config_only(town_config):
    understander = nlu.Understander(town_config)

    snow = understander.analyze("la rue des Lilas n'est pas déneigée, il y a 20 cm de neige")
    scooter = understander.analyze("une trottinette abandonnée devant le 3 rue Pasteur")

    assert (snow.intent, snow.category, snow.address) == ("report", "deneigement", "rue des Lilas")
    assert (scooter.category, scooter.address) == ("dechets", "3 rue Pasteur")
    assert understander.catalogue.categories["deneigement"].delay_days == 1


def test_the_gazetteer_adds_landmarks_by_name(tmp_path):
    shutil.copy(CONFIG_DIR / "catalogue.yaml", tmp_path)
    (tmp_path / "gazetteer.csv").write_text(
        "kind,name,commune,district,lat_start,lon_start,lat_end,lon_end,first_number,last_number,aliases\n"
        "landmark,Moulin de la Tour,valmont,,47.1,0.6,,,,,le vieux moulin|moulin\n",
        encoding="utf-8",
    )

    analysis = nlu.Understander(tmp_path).analyze("des tags partout près du vieux moulin")

    assert (analysis.category, analysis.address) == ("graffiti", "vieux moulin")


def test_an_unreadable_catalogue_says_what_to_fix(tmp_path):
    (tmp_path / "catalogue.yaml").write_text("categories:\n  - code: x\n    urgency: asap\n", encoding="utf-8")

    with pytest.raises(CatalogueError, match="urgency must be one of normal, high, emergency"):
        load_catalogue(tmp_path)


def test_a_bare_yes_in_yaml_is_refused_with_advice(tmp_path):
    (tmp_path / "catalogue.yaml").write_text("categories:\n  - code: x\n    keywords: [oui, yes]\n", encoding="utf-8")

    with pytest.raises(CatalogueError, match="in quotes"):
        load_catalogue(tmp_path)


def test_the_default_config_dir_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("GUICHET_CONFIG_DIR", str(tmp_path))

    assert nlu.default_config_dir() == tmp_path
