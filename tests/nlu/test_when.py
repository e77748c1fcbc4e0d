"""An agent's message that says when the work is done replaces the category's delay: which messages say it."""

from __future__ import annotations

import pytest

from nlu.when import mentions_when


@pytest.mark.parametrize("text", [
    "Nous intervenons sous 5 jours.", "Rebouchage prévu jeudi matin.", "Passage le 12 décembre.",
    "Intervention le 3/01.", "L'équipe passe demain.", "Fixed within two weeks.", "d'ici deux semaines",
])
def test_a_message_with_a_day_or_a_delay_says_when(text):
    assert mentions_when(text)


@pytest.mark.parametrize("text", [None, "", "Merci pour votre signalement.", "Le service a bien reçu la demande.",
                                  "Nous avons 5 camions en service."])
def test_a_message_without_one_does_not(text):
    assert not mentions_when(text)
