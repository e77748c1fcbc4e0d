"""The facade the conversation engine uses: text or position in, place, territory and service out."""

from __future__ import annotations

from routing import Located, Router
from routing.places import Place

from .test_territories import CENTRE, GARE, SAINT_AUBIN


def test_locate_text_gives_the_place_and_its_territory(router: Router) -> None:
    located = router.locate_text("14 rue Victor Hugo")
    assert located is not None
    assert (located.place.label, located.place.precision, located.territory) == (
        "14 Rue Victor Hugo, Valmont", "address", CENTRE,
    )


def test_locate_text_of_a_landmark_in_the_neighbour_commune(router: Router) -> None:
    located = router.locate_text("devant la mairie de Saint-Aubin")
    assert located is not None
    assert (located.place.label, located.territory) == ("Mairie, Saint-Aubin-sur-Loire", SAINT_AUBIN)


def test_locate_text_of_nothing_known(router: Router) -> None:
    assert router.locate_text("quelque part") is None


def test_locate_point_labels_it_with_the_nearest_street(router: Router) -> None:
    assert router.locate_point(47.3775, 0.6916) == Located(
        Place(47.3775, 0.6916, "près du 33 Rue de la Gare, Valmont", "point"), GARE
    )


def test_locate_point_keeps_the_label_given(router: Router) -> None:
    assert router.locate_point(47.3907, 0.6862, label="devant la mairie") == Located(
        Place(47.3907, 0.6862, "devant la mairie", "point"), CENTRE
    )


def test_locate_point_outside_every_territory_is_near_the_nearest_known_commune(router: Router) -> None:
    assert router.locate_point(48.8566, 2.3522) == Located(
        Place(48.8566, 2.3522, "48.85660, 2.35220", "point"), None, router.communes.get("paris"), near=True
    )


def test_locate_point_far_from_every_known_commune_names_none(router: Router) -> None:
    assert router.locate_point(48.0, 3.0) == Located(Place(48.0, 3.0, "48.00000, 3.00000", "point"), None)


def test_service_for_a_located_report(router: Router) -> None:
    located = router.locate_text("rue de la gare")
    assert located is not None
    service = router.service_for("chaussee", located.territory)
    assert (located.territory, service.code if service else None) == (GARE, "valmont-voirie")
