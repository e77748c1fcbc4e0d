"""The theme of a report: what is wrong, not where it is."""

import pytest


@pytest.mark.parametrize(
    "text, category",
    [
        ("scooter stationné sur la piste cyclable avenue Marceau", "stationnement"),
        ("une voiture garée sur la piste cyclable rue Pasteur", "stationnement"),
        ("camion stationné sur le trottoir devant l'école", "stationnement"),
        ("car parked in the bike lane on rue Danton", "stationnement"),
        ("la piste cyclable est pleine de trous", "velo"),
        ("someone sprayed graffiti on the bus shelter", "graffiti"),
        ("des tags sur l'abribus rue Pasteur", "graffiti"),
        ("nid de guêpes dans l'abribus", "autre"),
        ("l'abribus est cassé", "autre"),
    ],
)
def test_the_category_is_the_problem_not_the_place(understander, text, category):
    analysis = understander.analyze(text)

    assert (analysis.intent, analysis.category) == ("report", category)


@pytest.mark.parametrize(
    "text, category, urgency",
    [
        ("trottoir soulevé par les racines devant le 52 rue du docteur roux", "chaussee", "normal"),
        ("des gravillons partout dans le virage apres les travaux, en velo on part a la faute", "obstacle", "high"),
        ("y a une bouche d'égout sans couvercle au carrefour Pasteur / Voltaire", "obstacle", "high"),
        ("camping car stationné devant la bouche a incendie au 19 rue des Peupliers", "stationnement", "normal"),
        ("la bouche à incendie fuit en continu rue Jean Mermoz", "eau", "normal"),
        ("mon velo a ete volé devant la mediatheque hier", "autre", "normal"),
        ("someone stole my bike outside the library", "autre", "normal"),
        ("le platane devant l'école est malade, plein de champignons sur le tronc", "espaces_verts", "normal"),
        ("incendie dans un local à vélos 3 allée des Acacias", "velo", "emergency"),
        ("Un cable electrique pend jusqu'au sol devant le 3 allee des tilleuls", "obstacle", "high"),
        ("a dangling wire outside the school", "obstacle", "high"),
    ],
)
def test_the_thing_wrong_names_the_category(understander, text, category, urgency):
    analysis = understander.analyze(text)

    assert (analysis.intent, analysis.category, analysis.urgency) == ("report", category, urgency)


@pytest.mark.parametrize(
    "text, category",
    [
        ("Je propose une zone bleue dans la Grande Rue", "stationnement"),
        ("Je propose une boite a livres devant la poste", "autre"),
        ("idee: un marché de producteurs le vendredi soir sur la place de l'europe", "autre"),
        # the thanks that closes the letter does not make it a thank-you
        ("j'ai une idee : installer des bancs le long du Quai de Loire.\nMerci de votre attention,\nPaul", "espaces_verts"),
    ],
)
def test_an_idea_has_the_category_of_its_theme(understander, text, category):
    analysis = understander.analyze(text)

    assert (analysis.intent, analysis.category) == ("idea", category)


def test_a_tree_in_a_place_name_is_no_keyword(understander):
    analysis = understander.analyze("ça sent le gaz près de l'école maternelle les Tilleuls")

    assert (analysis.category, analysis.urgency) == ("autre", "emergency")


def test_a_million_characters_are_understood_from_their_start(understander):
    pasted = "nid de poule devant le 14 rue victor hugo " + "bla " * 260_000  # spaCy refuses over 1,000,000

    analysis = understander.analyze(pasted)

    assert analysis.category == "chaussee" and analysis.address


def test_a_bin_fire_that_is_out_is_about_the_bin_not_the_lights(understander):
    analysis = understander.analyze("y avait un feu de poubelle hier devant le 3 rue victor hugo mais c'est eteint maintenant")

    assert (analysis.category, analysis.urgency) == ("dechets", "normal")


def test_what_residents_saw_that_no_keyword_held_before(understander):
    said = {
        "yo ya un mec ki a taguer tt le mur du gymnase": ("report", "graffiti"),
        "des chevaux en liberté sur la route de tours": ("report", "obstacle"),
        "tout le quartier est dans le noir ya plus d eclairage place de la mairie": ("report", "eclairage"),
    }
    analyses = understander.analyze_many(list(said))
    assert {text: (a.intent, a.category) for text, a in zip(said, analyses, strict=True)} == said
