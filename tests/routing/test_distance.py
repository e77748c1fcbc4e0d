"""Great-circle distances and the bounding box used to pre-filter duplicate candidates."""

from __future__ import annotations

import pytest
from geopy.distance import great_circle

from routing.distance import bbox, haversine_m

MAIRIE_VALMONT = (47.3907, 0.6862)


def test_haversine_of_the_same_point_is_zero() -> None:
    assert haversine_m(*MAIRIE_VALMONT, *MAIRIE_VALMONT) == 0.0


def test_haversine_one_degree_of_latitude() -> None:
    assert haversine_m(47.0, 0.69, 48.0, 0.69) == pytest.approx(111_195.08, abs=0.01)


def test_haversine_between_the_two_town_halls_agrees_with_geopy() -> None:
    expected = great_circle(MAIRIE_VALMONT, (47.3892, 0.7446)).m
    assert haversine_m(*MAIRIE_VALMONT, 47.3892, 0.7446) == pytest.approx(expected, abs=0.01)


def test_bbox_holds_every_point_within_the_radius() -> None:
    min_lat, min_lon, max_lat, max_lon = bbox(*MAIRIE_VALMONT, 50)
    for bearing_lat, bearing_lon in ((1, 0), (-1, 0), (0, 1), (0, -1)):
        lat = MAIRIE_VALMONT[0] + bearing_lat * (max_lat - MAIRIE_VALMONT[0]) * 0.999
        lon = MAIRIE_VALMONT[1] + bearing_lon * (max_lon - MAIRIE_VALMONT[1]) * 0.999
        assert min_lat <= lat <= max_lat and min_lon <= lon <= max_lon
        assert haversine_m(*MAIRIE_VALMONT, lat, lon) == pytest.approx(50, abs=0.1)


def test_bbox_is_centred_on_the_point() -> None:
    min_lat, min_lon, max_lat, max_lon = bbox(*MAIRIE_VALMONT, 50)
    assert ((min_lat + max_lat) / 2, (min_lon + max_lon) / 2) == pytest.approx(MAIRIE_VALMONT)
