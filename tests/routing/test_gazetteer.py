"""Offline geocoding of what residents type: numbers, abbreviations, typos, landmarks, intersections."""

from __future__ import annotations

import pytest

from routing.geocoders import GazetteerGeocoder, fold
from routing.places import Place


@pytest.mark.parametrize(
    ("query", "expected_label", "expected_precision"),
    [
        # streets and house numbers
        ("rue victor hugo", "Rue Victor Hugo, Valmont", "street"),
        ("14 rue Victor Hugo", "14 Rue Victor Hugo, Valmont", "address"),
        ("14 r victor hugo", "14 Rue Victor Hugo, Valmont", "address"),
        ("14 bis rue Victor-Hugo", "14 bis Rue Victor Hugo, Valmont", "address"),
        ("14ter, RUE VICTOR HUGO", "14 ter Rue Victor Hugo, Valmont", "address"),
        ("devant le 14 de la rue victor hugo", "14 Rue Victor Hugo, Valmont", "address"),
        ("14 rue Victor Hugo, 37150 Valmont", "14 Rue Victor Hugo, Valmont", "address"),
        ("il y a un trou devant le 14 rue victor hugo pres de la boulangerie", "14 Rue Victor Hugo, Valmont", "address"),
        ("300 rue victor hugo", "Rue Victor Hugo, Valmont", "street"),  # no such number: the street
        ("au 3 de la grande rue", "3 Grande Rue, Saint-Aubin-sur-Loire", "address"),
        ("8 rue du 8 mai 1945", "8 Rue du 8 Mai 1945, Valmont", "address"),  # the date is not a house number
        ("rue du 8 mai 1945", "Rue du 8 Mai 1945, Valmont", "street"),
        # the number after the street, said with a word (nlu's places.number_words)
        ("av jean jaures au 20", "20 Avenue Jean Jaurès, Valmont", "address"),
        ("21 Victor Hugo street", "21 Rue Victor Hugo, Valmont", "address"),  # English: the type after the name
        ("Gambetta boulevard", "Boulevard Gambetta, Valmont", "street"),
        ("in front of the town hall", "Mairie, Valmont", "landmark"),  # English landmark words, in French
        ("near the train station", "Gare SNCF, Valmont", "landmark"),
        ("rue des Lilas, au numéro 6", "6 Rue des Lilas, Valmont", "address"),
        ("rue Victor Hugo à hauteur du 33", "33 Rue Victor Hugo, Valmont", "address"),
        ("rue du Stade entre le 40", "40 Rue du Stade, Valmont", "address"),
        # abbreviations and typos
        ("12 av jean jaures", "12 Avenue Jean Jaurès, Valmont", "address"),
        ("av jaures", "Avenue Jean Jaurès, Valmont", "street"),
        ("bd gambeta", "Boulevard Gambetta, Valmont", "street"),
        ("rue victr hugo", "Rue Victor Hugo, Valmont", "street"),
        ("avenu jean jores", "Avenue Jean Jaurès, Valmont", "street"),
        ("ch du moulin", "Chemin du Moulin, Saint-Aubin-sur-Loire", "street"),
        ("pl de la mairie", "Place de la Mairie, Valmont", "street"),
        ("imp des lilas", "Impasse des Lilas, Valmont", "street"),
        ("rue des lilas", "Rue des Lilas, Valmont", "street"),
        ("carrefour Leclerc", "Rond-point Leclerc, Valmont", "street"),
        ("rond point leclerc", "Rond-point Leclerc, Valmont", "street"),
        ("rdpt leclerc", "Rond-point Leclerc, Valmont", "street"),
        # landmarks
        ("devant la mairie", "Mairie, Valmont", "landmark"),
        ("hôtel de ville", "Mairie, Valmont", "landmark"),
        ("à côté de la gare", "Gare SNCF, Valmont", "landmark"),
        ("la poste", "La Poste, Valmont", "landmark"),
        ("rue de la poste", "Rue de la Poste, Valmont", "street"),
        ("pres de la piscine", "Piscine municipale, Valmont", "landmark"),
        ("école Jules Ferry", "École élémentaire Jules Ferry, Valmont", "landmark"),
        ("eglise", "Église Saint-Martin, Valmont", "landmark"),
        ("médiathèque", "Médiathèque Louise Michel, Valmont", "landmark"),
        ("stade", "Stade municipal Pierre de Coubertin, Valmont", "landmark"),
        # the same name in both communes
        ("rue de la gare", "Rue de la Gare, Valmont", "street"),
        ("rue de la gare a saint aubin", "Rue de la Gare, Saint-Aubin-sur-Loire", "street"),
        ("5 rue de la gare, St-Aubin", "5 Rue de la Gare, Saint-Aubin-sur-Loire", "address"),
        ("place de la mairie à Saint-Aubin-sur-Loire", "Place de la Mairie, Saint-Aubin-sur-Loire", "street"),
        ("mairie de saint aubin", "Mairie, Saint-Aubin-sur-Loire", "landmark"),
        ("cimetière à saint-aubin", "Cimetière de Saint-Aubin, Saint-Aubin-sur-Loire", "landmark"),
        ("route de valmont", "Route de Valmont, Saint-Aubin-sur-Loire", "street"),  # a street, not the commune
        # intersections
        ("angle rue Victor Hugo et avenue Jean Jaurès", "Angle Rue Victor Hugo et Avenue Jean Jaurès, Valmont", "address"),
        ("au coin de la rue victor hugo et de l'av jaures", "Angle Rue Victor Hugo et Avenue Jean Jaurès, Valmont", "address"),
        ("carrefour Grande Rue / Rue de la Gare", "Angle Grande Rue et Rue de la Gare, Saint-Aubin-sur-Loire", "address"),
        # nothing to find
        ("rue inconnue", None, None),
        ("la rue", None, None),
        ("devant chez moi", None, None),
        ("", None, None),
    ],
)
def test_geocode(gazetteer: GazetteerGeocoder, query: str, expected_label: str | None, expected_precision: str | None) -> None:
    place = gazetteer.geocode(query)
    actual = (place.label, place.precision) if place else (None, None)
    assert actual == (expected_label, expected_precision)


def test_house_numbers_are_interpolated_along_the_street(gazetteer: GazetteerGeocoder) -> None:
    # Rue Victor Hugo runs from 47.388 N 0.680 E (no 1) to 47.388 N 0.690 E (no 60).
    assert [gazetteer.geocode(f"{n} rue victor hugo") for n in (1, 60)] == [
        Place(47.388, 0.680, "1 Rue Victor Hugo, Valmont", "address"),
        Place(47.388, 0.690, "60 Rue Victor Hugo, Valmont", "address"),
    ]
    middle = gazetteer.geocode("30 bis rue victor hugo")
    assert middle is not None
    assert (round(middle.lat, 6), round(middle.lon, 6)) == (47.388, round(0.680 + 0.010 * 29 / 59, 6))


def test_a_street_without_number_is_its_middle(gazetteer: GazetteerGeocoder) -> None:
    assert gazetteer.geocode("rue victor hugo") == Place(47.388, 0.685, "Rue Victor Hugo, Valmont", "street")


def test_an_intersection_is_where_the_streets_cross(gazetteer: GazetteerGeocoder) -> None:
    place = gazetteer.geocode("angle rue Victor Hugo et avenue Jean Jaurès")
    assert place is not None
    assert (round(place.lat, 6), round(place.lon, 6)) == (47.388, 0.685)


def test_streets_that_do_not_cross_meet_halfway(gazetteer: GazetteerGeocoder) -> None:
    # Rue des Lilas and Rond-point Leclerc are about 360 m apart.
    place = gazetteer.geocode("carrefour rue des lilas / rond-point leclerc")
    assert place is not None
    assert (round(place.lat, 4), round(place.lon, 4)) == (47.4040, 0.6874)


def test_commune_given_by_the_caller_wins_a_tie(gazetteer: GazetteerGeocoder) -> None:
    place = gazetteer.geocode("rue de la gare", commune="saint-aubin")
    by_name = gazetteer.geocode("rue de la gare", commune="Saint-Aubin-sur-Loire")
    assert place is not None and by_name == place
    assert place.label == "Rue de la Gare, Saint-Aubin-sur-Loire"


def test_nearest_street_labels_a_shared_position(gazetteer: GazetteerGeocoder) -> None:
    assert gazetteer.nearest_street(47.38805, 0.68224) == Place(
        47.38805, 0.68224, "près du 14 Rue Victor Hugo, Valmont", "point"
    )
    assert gazetteer.nearest_street(47.30, 0.60) is None


def test_fold() -> None:
    assert fold("14bis, Av. J.-Jaurès / Bd Gambetta") == [
        "14", "bis", "avenue", "j", "jaures", "/", "boulevard", "gambetta",
    ]

