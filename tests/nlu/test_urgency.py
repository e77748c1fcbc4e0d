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


@pytest.mark.parametrize(
    "text",
    [
        "ça sent très fort le gaz devant le 14 rue Victor Hugo",
        "ça sent vraiment très fort le gaz",
        "ça sent un peu le gaz dans l'escalier",
        "odeur de gaz",
        "une forte odeur de gaz",
        "il y a une odeur de gaz vraiment très forte",
        "ça pue le gaz",
        "il y a une fuite de gaz",
        "il y a une grosse fuite de gaz rue Pasteur",
        "je sens le gaz",
        "ça sent pas le gaz ici ?",  # a resident who wonders is taken at their word
        "smells of gas",
        "it smells really strongly of gas",
        "there is a strong smell of gas near the school",
    ],
)
def test_a_gas_smell_is_an_emergency_however_it_is_said(understander, text):
    analysis = understander.analyze(text)

    assert (analysis.intent, analysis.category, analysis.urgency, analysis.emergency_numbers) == (
        "report", "autre", "emergency", ("112", "18"),
    )  # fmt: skip


@pytest.mark.parametrize(
    "text",
    [
        "Cycliste renversé par une voiture au carrefour Leclerc, il saigne beaucoup",
        "un cycliste renversé au carrefour",
        "un piéton renversé rue Pasteur",
        "une personne renversée devant l'école",
    ],
)
def test_someone_knocked_down_is_an_emergency(understander, text):
    analysis = understander.analyze(text)

    assert (analysis.urgency, analysis.emergency_numbers) == ("emergency", ("112", "15"))


@pytest.mark.parametrize(
    "text, category, urgency",
    [
        ("le gazon n'est pas tondu au parc", "espaces_verts", "normal"),
        ("il y a encore le feu rouge en panne", "signalisation", "high"),
        ("il y a un problème avec le feu rouge", "signalisation", "normal"),
        ("accident de trottinette au feu rouge, rien de grave", "signalisation", "normal"),
        ("il y a le feu d'artifice tous les soirs, on ne peut pas dormir", "bruit", "normal"),
        ("les feux d'artifice me réveillent toutes les nuits", "bruit", "normal"),
        ("les voitures brûlent le feu rouge devant l'école", "signalisation", "normal"),
        ("il n'y a pas vraiment de blessé mais un arbre est tombé sur la route", "obstacle", "high"),
        ("the fire hydrant is really broken", "eau", "normal"),
        ("the gas station sign is broken", "signalisation", "normal"),
        ("ça pue vraiment trop les poubelles", "dechets", "normal"),
        ("le compteur de gaz est tagué", "graffiti", "normal"),
    ],
)
def test_an_emergency_word_inside_another_name_is_no_emergency(understander, text, category, urgency):
    analysis = understander.analyze(text)

    assert (analysis.category, analysis.urgency, analysis.emergency_numbers) == (category, urgency, ())


def test_the_poubelle_still_burns_next_to_a_traffic_light(understander):
    analysis = understander.analyze("la poubelle est en feu au feu rouge")

    assert (analysis.urgency, analysis.emergency_numbers) == ("emergency", ("112", "18"))


@pytest.mark.parametrize(
    "text",
    [
        "l'alarme incendie de l'immeuble sonne toute la nuit",
        "il y a le feu de camp des jeunes au parc tous les soirs",
        "au feu rouge de la rue Pasteur il y a un trou",
        "la pelouse est brûlée par le soleil",
        "a fire truck is blocking the road",
    ],
)
def test_no_emergency_is_invented(understander, text):
    assert understander.analyze(text).emergency_numbers == ()


@pytest.mark.parametrize(
    "text, urgency",
    [
        ("grosse branche sur la chaussée avenue Jean Jaurès, les voitures montent sur le trottoir pour l'éviter", "high"),
        ("Hi, there's a massive pothole outside 21 Victor Hugo street, cars swerve into the other lane", "high"),
        ("Le feu de la rue Jules Ferry est vert dans les deux sens en même temps, ça va mal finir", "high"),
        ("un gars en scooter est tombé rue Balzac, il répond plus", "emergency"),
        ("Alors, le dossier de l'arbre dangereux, ça avance ?", "normal"),  # a status question follows a case
        ("des jeunes font crisser les pneus jusqu'à 3h sur le parking", "normal"),
        ("Quelqu'un a écrit son blaze en lettres géantes sur le château d'eau", "normal"),
    ],
)
def test_what_can_hurt_soon_and_what_cannot(understander, text, urgency):
    assert understander.analyze(text).urgency == urgency


@pytest.mark.parametrize(
    "text",
    [
        "le trottoir est défoncé devant l'église, plein de personnes âgées passent là, une dame a failli chuter",
        "deep rut in the cycle lane on Quai de la Loire, my front wheel got stuck and I went over the handlebars",
    ],
)
def test_someone_easily_hurt_and_what_would_hurt_them_is_high(understander, text):
    assert understander.analyze(text).urgency == "high"
