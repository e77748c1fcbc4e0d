"""Communes a message names ("à Tours", "Tours 37000", "37100"), and the street names that only look like one."""

from pathlib import Path

import pytest

from nlu.communes import CommuneFinder, load_communes

from .conftest import CONFIG_DIR


@pytest.mark.parametrize(
    "text, commune",
    [
        ("nid de poule énorme rue nationale à Tours devant la FNAC", "tours"),
        ("à Saumur rue d'Orléans", "saumur"),
        ("place de la Bastille à Paris", "paris"),
        ("Broken street light on place de la Bastille in Paris", "paris"),
        ("tag sur un mur a paris", "paris"),
        ("A PARIS LAMPADAIRE ETEINT", "paris"),
        ("lampadaire en panne Tours 37000", "tours"),
        ("trou dans la chaussée 37100", "tours"),
        ("37100 Tours, nid de poule", "tours"),
        ("nid de poule sur Saumur", "saumur"),
        ("dépôt sauvage dans Angers", "angers"),
        ("nid de poule rue Nationale, Tours", "tours"),
        ("lampadaire éteint devant la mairie de Tours", "tours"),
        ("trou à la sortie de Blois", "blois"),
        ("nid de poule près de Chinon", "chinon"),
        ("lampadaire éteint dans le centre-ville de Tours", "tours"),
        ("tags sur la gare de Tours", "tours"),
        ("feu rouge en panne devant l'hôtel de ville de Nantes", "nantes"),
        ("nid de poule au Mans", "le-mans"),
        ("poubelles renversées à Orleans", "orleans"),
        ("poubelles renversées à Orléans", "orleans"),
        ("feu rouge en panne à Marseille 13008", "marseille"),
        ("arbre tombé à Montlouis", "montlouis-des-pres"),
        ("arbre tombé à Montlouis-des-Prés", "montlouis-des-pres"),
        ("chien errant aux Essarts-sur-Loire", "les-essarts-sur-loire"),
        ("chien errant aux essarts", "les-essarts-sur-loire"),
        ("devant la mairie de saint aubin", "saint-aubin"),
        ("devant la mairie de St-Aubin", "saint-aubin"),
        ("rue de la gare à Saint-Aubin-sur-Loire", "saint-aubin"),
        ("lampadaire éteint à Valmont", "valmont"),
        ("trou 37151", "saint-aubin"),
        ("je travaille à Tours mais le trou est à Valmont", "valmont"),
    ],
)
def test_the_commune_named_is_found(understander, text, commune):
    assert understander.analyze(text).commune == commune


@pytest.mark.parametrize(
    "text",
    [
        "nid de poule rue de Paris",
        "nid de poule route d'Orléans",
        "nid de poule avenue de Tours",
        "arbre tombé route de Tours",
        "poubelle place de Saumur",
        "trou rue de Chinon",
        "tags ruelle de Loches",
        "nid de poule route du Mans",
        "lampadaire éteint impasse de Paris",
        "NID DE POULE ROUTE DE TOURS",
        "il a fait trois tours de manège devant chez moi",
        "les paris sportifs au bar font du bruit",
        "voiture garée sur le trottoir",
        "nid de poule devant le 14 rue Victor Hugo",
        "trou de 37 cm rue Victor Hugo",
        "appelez moi au 06 12 34 56 78",
        "covoiturage de Valmont à Tours demain matin",
        "je vais tous les jours à Saumur en voiture, je peux prendre des gens",
        "je suis de Tours mais le trou est devant le 14 rue Victor Hugo",
        "mon fils revient de Paris, il a vu un nid de poule rue Victor Hugo",
    ],
)
def test_a_street_named_after_a_town_or_a_common_word_is_no_commune(understander, text):
    analysis = understander.analyze(text)
    assert analysis.commune in (None, "valmont"), analysis


def test_the_street_keeps_its_name_when_a_town_is_named_after_it(understander):
    analysis = understander.analyze("à Saumur rue d'Orléans")
    assert (analysis.address, analysis.commune) == ("rue d'Orléans", "saumur")


def test_postcodes_and_names_come_from_both_files():
    communes = load_communes(CONFIG_DIR)
    tours, valmont = communes.get("tours"), communes.get("valmont")
    assert tours is not None and valmont is not None
    assert (tours.served, "37100" in tours.postcodes, tours.insee, tours.contact) == (
        False, True, "37261", "02 47 21 60 00, tours.fr")
    assert (valmont.served, valmont.postcodes) == (True, ("37150",))


def test_a_commune_without_a_way_to_reach_its_town_hall_is_refused_at_start_up(tmp_path: Path):
    (tmp_path / "communes.yaml").write_text("communes:\n  - {code: nulle-part, name: Nulle-Part}\n", encoding="utf-8")
    with pytest.raises(ValueError, match="needs a phone, a website or an email"):
        load_communes(tmp_path)


def test_a_postcode_written_as_a_number_is_refused_with_a_hint(tmp_path: Path):
    (tmp_path / "communes.yaml").write_text(
        "communes:\n  - {code: x, name: X, postcodes: [3700], phone: '01'}\n", encoding="utf-8")
    with pytest.raises(ValueError, match="five digits"):
        load_communes(tmp_path)


def test_without_a_communes_file_only_the_served_ones_are_known(tmp_path: Path):
    assert CommuneFinder(load_communes(tmp_path).communes).find("à Tours") is None
