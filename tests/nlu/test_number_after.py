"""The house number a resident gives after the street ("impasse des Lilas, au 4")."""

import pytest

from nlu.places import with_number_after


@pytest.mark.parametrize(("address", "text", "expected"), [
    ("impasse des lilas", "pardon je voulais dire impasse des lilas, au 4", "4 impasse des lilas"),
    ("rue Balzac", "c'est rue Balzac au n° 12 en fait", "12 rue Balzac"),
    ("20 rue Balzac", "je voulais dire 20 rue Balzac, au 4", "20 rue Balzac"),
    ("rue Balzac", "je voulais dire rue Balzac depuis 4 jours", "rue Balzac"),
    ("rue Balzac", "au 4 je voulais dire rue Balzac", "rue Balzac"),
])
def test_the_number_said_after_the_street_goes_before_it(address, text, expected):
    assert with_number_after(address, text) == expected
