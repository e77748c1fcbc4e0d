"""Urgency: an emergency is never missed and never invented."""

import pytest


@pytest.mark.parametrize(
    "text, numbers",
    [
        ("ça sent le gaz devant le 8 rue Danton", ("112", "18")),
        ("Il y a le feu dans une poubelle rue Pasteur", ("112", "18")),
        ("une voiture est en feu sur le parking", ("112", "18")),
        ("un câble fait des étincelles au pied du lampadaire", ("112", "18")),
        ("une dame est tombée et n'arrive pas à se relever", ("112", "15")),
        ("un cycliste blessé au carrefour Leclerc", ("112", "15")),
        ("un homme inconscient sur le trottoir", ("112", "15")),
        ("bagarre au couteau devant la gare", ("112", "17")),
        ("I can smell gas in the street", ("112", "18")),
        ("An old man fell and can't get up", ("112", "15")),
    ],
)
def test_emergencies_give_their_numbers_in_order(understander, text, numbers):
    analysis = understander.analyze(text)

    assert (analysis.urgency, analysis.emergency_numbers) == ("emergency", numbers)


@pytest.mark.parametrize(
    "text, urgency",
    [
        ("le feu rouge est cassé", "high"),
        ("feu rouge en panne carrefour leclerc", "high"),
        ("urgent svp le lampadaire", "normal"),
        ("URGENT lampadaire éteint rue Voltaire", "normal"),
        ("fire hydrant leaking", "normal"),
        ("la bouche à incendie fuit rue Balzac", "normal"),
        ("plaque d'égout ouverte, quelqu'un va se blesser", "high"),
        ("personne n'est blessé mais un arbre est tombé sur la route", "high"),
        ("feux d'artifice tous les soirs au parc", "normal"),
        ("Broken traffic light, someone could get hurt", "high"),
        ("des voitures grillent le feu rouge devant l'école", "normal"),
    ],
)
def test_traps_are_no_emergencies(understander, text, urgency):
    analysis = understander.analyze(text)

    assert (analysis.urgency, analysis.emergency_numbers) == (urgency, ())


@pytest.mark.parametrize(
    "text",
    [
        "arbre tombé sur la route de Tours",
        "plaque d'égout ouverte rue Danton",
        "des seringues dans l'aire de jeux",
        "la route est inondée sous le pont",
        "les feux tricolores sont en panne au carrefour",
        "câble électrique au sol rue du Bois",
    ],
)
def test_someone_can_get_hurt_soon(understander, text):
    assert understander.analyze(text).urgency == "high"
