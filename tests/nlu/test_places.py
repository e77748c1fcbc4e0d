"""Places as the resident wrote them: numbers, street types, intersections, landmarks."""

import pytest


@pytest.mark.parametrize(
    "text, address",
    [
        ("Nid de poule devant le 14 rue Victor Hugo", "14 rue Victor Hugo"),
        ("trou au 14bis rue Balzac", "14bis rue Balzac"),
        ("trou au 3 ter, allée des Tilleuls", "3 ter, allée des Tilleuls"),
        ("lampadr eteint rue balzac", "rue balzac"),
        ("NID DE POULE 27 RUE DE LA REPUBLIQUE", "27 RUE DE LA REPUBLIQUE"),
        ("fuite 6 imp des lilas", "6 imp des lilas"),
        ("trottoir cassé 19 r. Victor Hugo", "19 r. Victor Hugo"),
        ("poubelles av jean jaures depuis lundi", "av jean jaures"),
        ("nid de poule av jean jaures au 20", "av jean jaures au 20"),  # the number after, with its word
        ("lampadaire éteint rue des Lilas, au numéro 6", "rue des Lilas, au numéro 6"),
        ("poubelle renversée rue Victor Hugo à hauteur du 33", "rue Victor Hugo à hauteur du 33"),
        ("voiture garée rue du Stade entre le 40 et le 60", "rue du Stade entre le 40 et le 60"),  # a stretch
        ("trou rue du Stade entre le 40 et la mairie", "rue du Stade entre le 40"),
        ("feu rouge en panne carrefour leclerc", "carrefour leclerc"),
        ("trou quai de la Résistance", "quai de la Résistance"),
        ("tags place Lamartine", "place Lamartine"),
        ("arbre tombé route de Tours", "route de Tours"),
        ("trou rue du 8 Mai 1945", "rue du 8 Mai 1945"),
        ("à l'angle de la rue Pasteur et de la rue Danton", "angle de la rue Pasteur et de la rue Danton"),
        ("feux HS carrefour rue Pasteur / av Marceau", "carrefour rue Pasteur / av Marceau"),
        ("Street light out at the corner of rue Voltaire and rue Danton", "corner of rue Voltaire and rue Danton"),
        ("tags devant la mairie", "la mairie"),
        ("poubelles près de la gare", "la gare"),
        ("bruit à côté du stade", "stade"),
        ("tags devant l'école Jean Moulin", "l'école Jean Moulin"),
        ("voiture garée devant Monoprix", "Monoprix"),
    ],
)
def test_the_place_is_given_as_written(understander, text, address):
    assert understander.analyze(text).address == address


@pytest.mark.parametrize(
    "text",
    [
        "voiture garée sur le trottoir",
        "la route est inondée",
        "voiture mal garé sur la place handicapé",
        "il faudrait mettre en place du covoiturage",
        "ya des ordures partout devant chez moi",
    ],
)
def test_no_place_is_invented(understander, text):
    assert understander.analyze(text).address is None


def test_a_street_name_is_no_keyword(understander):
    analysis = understander.analyze("12 rue de la Gare")

    assert (analysis.intent, analysis.category, analysis.address) == ("other", None, "12 rue de la Gare")


@pytest.mark.parametrize(
    "text, address",
    [
        ("il faudrait reboucher les trous sur le parking de la salle des fetes", "le parking de la salle des fetes"),
        ("Voiture ventouse abandonnée depuis 2 mois parking de la gare, pneus crevés", "parking de la gare"),
        ("Rodéo de motos tous les soirs sur le parking du centre commercial", "le parking du centre commercial"),
        ("3 lampadaires HS d'affilée bd francois 1er, on voit rien", "bd francois 1er"),
        ("Grille bouchée par les feuilles chemin de la Croix Blanche, l'eau stagne", "chemin de la Croix Blanche"),
        ("arrêt de bus route d orleans a la sortie du bourg", "route d orleans"),
        ("Je propose une zone bleue dans la Grande Rue", "la Grande Rue"),
        ("The swing in the playground next to the town hall is broken", "the playground next to the town hall"),
        ("Someone sprayed graffiti all over the wall of the sports hall last night", "the sports hall"),
        ("We need more bike racks near the covered market", "the covered market"),
    ],
)
def test_landmarks_and_names_are_kept_whole(understander, text, address):
    assert understander.analyze(text).address == address


@pytest.mark.parametrize(
    "text",
    [
        "idée : un groupe de covoiturage pour ceux qui bossent a Tours, on est plein a faire le trajet seuls",
        "et si on mettait en place de l'autostop organisé vers Saint-Aubin ?",
    ],
)
def test_a_car_pooling_destination_is_no_address(understander, text):
    assert understander.analyze(text).address is None


def test_an_english_street_with_its_type_after_its_name(understander):
    found = {text: understander.analyze(text).address for text in (
        "pothole at 21 Victor Hugo street", "Street light out at 4 Mill Lane", "the bin on Church Street is full",
        "big hole at 21 victor hugo street",
    )}  # fmt: skip

    assert found == {
        "pothole at 21 Victor Hugo street": "21 Victor Hugo street", "Street light out at 4 Mill Lane": "4 Mill Lane",
        "the bin on Church Street is full": "Church Street", "big hole at 21 victor hugo street": "21 victor hugo street",
    }  # fmt: skip


def test_an_english_landmark_named_before_its_head(understander):
    found = {text: understander.analyze(text).address for text in (
        "Broken bench in Chateau park", "Graffiti on the wall of Saint-Martin church",
        "No lights at all in the leisure centre car park", "Road completely flooded outside the stadium",
    )}  # fmt: skip

    assert found == {
        "Broken bench in Chateau park": "Chateau park", "Graffiti on the wall of Saint-Martin church": "Saint-Martin church",
        "No lights at all in the leisure centre car park": "the leisure centre car park",
        "Road completely flooded outside the stadium": "the stadium",  # "Road completely" is no street
    }  # fmt: skip


def test_a_question_about_the_service_names_no_place(understander):
    analysis = understander.analyze("Vous êtes qui exactement ? C'est la mairie ce numéro ?")

    assert (analysis.intent, analysis.address) == ("help", None)
