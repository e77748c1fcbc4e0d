"""Emergencies said in many ways are never missed; past, figurative or negated ones are never invented."""

import pytest


@pytest.mark.parametrize(
    "text, numbers",
    [
        # someone fallen who cannot get up, lying still, unwell or trapped
        ("mon voisin est tombé dans l'escalier il peut plus se lever", ("112", "15")),
        ("papi a chuté dans la rue il arrive pas a se relever", ("112", "15")),
        ("un monsieur est tombé sur le trottoir, il n'arrive plus à se lever", ("112", "15")),
        ("une vieille dame par terre devant la boulangerie, elle ne bouge plus", ("112", "15")),
        ("un homme allongé par terre inanimé devant la gare", ("112", "15")),
        ("quelqu'un fait un malaise a l'arret de bus", ("112", "15")),
        ("quelqu'un est coincé dans l'ascenseur de la mairie et respire mal", ("112", "15")),
        ("un enfant coincé dans le grillage du parc", ("112", "15")),
        ("il a perdu connaissance devant la pharmacie", ("112", "15")),
        ("un homme est tombé hier soir, il est toujours par terre et ne peut plus se relever", ("112", "15")),
        ("il est tombé hier et ne peut plus se lever", ("112", "15")),
        ("a man collapsed outside the pharmacy and isn't moving", ("112", "15")),
        ("an old lady fell and can't get up near the church", ("112", "15")),
        ("someone is trapped in their car after a crash", ("112", "15")),
        ("a woman is lying on the ground unconscious", ("112", "15")),
        ("a man is chokng outside the bakery", ("112", "15")),  # a typo of an emergency's word is still read
        ("my friend came off her bike and hit her head, there's blood everywhere", ("112", "15")),
        ("un gamin est tombé dans le bassin du parc, il arrive pas à sortir", ("112", "15")),
        ("une dame âgée est par terre sur le trottoir devant la pharmacie, elle répond pas", ("112", "15")),
        # smoke or fire in a building
        ("de la fumée sort de la fenêtre du 3e étage rue Pasteur", ("112", "18")),
        ("ya de la fumee qui sort du toit de la maison au 5 rue Balzac", ("112", "18")),
        ("ça brûle dans le garage de mon voisin", ("112", "18")),
        ("des flammes dans la cage d'escalier", ("112", "18")),
        ("le feu a pris dans la haie du parc", ("112", "18")),
        ("ça brûle depuis hier soir dans le champ derrière chez moi", ("112", "18")),
        ("hier soir le feu a pris dans la poubelle et ça brûle encore", ("112", "18")),
        ("there's smoke coming from a window on rue Pasteur", ("112", "18")),
        ("the house on rue Danton is on fire", ("112", "18")),
        # gas, in all its forms
        ("je sens une odeur bizarre comme le gaz pres de l'ecole", ("112", "18")),
        ("ça sent bizarre, on dirait du gaz", ("112", "18")),
        ("sa sent le gaz dans la cage d escalier", ("112", "18")),
        ("ODEUR DE GAZ RUE PASTEUR", ("112", "18")),
        ("odeur de gaz depuis ce matin", ("112", "18")),
        ("it smells like gas outside number 4", ("112", "18")),
        ("there is a faint smell, I think it's gas, near the school", ("112", "18")),
        # a sparking or bare cable
        ("un câble électrique à nu pend du poteau", ("112", "18")),
        ("fils electriques denudes qui pendent du lampadaire", ("112", "18")),
        ("le cable fait des etincelles", ("112", "18")),
        ("a live wire is hanging from the pole", ("112", "18")),
        # someone injured
        ("un piéton a été fauché par une voiture, il est au sol", ("112", "15")),
        ("he fell off his bike and is bleeding", ("112", "15")),
    ],
)
def test_an_emergency_is_never_missed(understander, text, numbers):
    analysis = understander.analyze(text)

    assert (analysis.intent, analysis.urgency, analysis.emergency_numbers) == ("report", "emergency", numbers)


@pytest.mark.parametrize(
    "text",
    [
        # the danger is over
        "la poubelle qui a brulé la semaine derniere devant le college a jamais ete remplacee",
        "hier il y a eu le feu dans la poubelle rue Pasteur, elle est toute fondue",
        "les pompiers sont passés cette nuit pour le feu de voiture, la carcasse est encore là",
        "la carcasse de la voiture brûlée est toujours là rue Danton",
        "la voiture qui a brûlé hier soir est toujours sur le parking de la gare",
        "il y avait une odeur de gaz hier mais plus rien aujourd'hui",
        "the bin that burned last week has not been replaced",
        "there was a fire last night, the burnt car is still there",
        # figurative
        "ça brûle les yeux ces tags sur le mur de la médiathèque",
        "les yeux qui saignent avec ces affiches partout",
        "c'est mortel ce trou",
        "on respire mal avec l'odeur des poubelles",
        "this noise is killing me",
        # a cry for help about something else
        "Alarme de magasin qui sonne depuis 2h du mat, au secours on en peut plus",
        "au secours il y a des rats partout",
        # negations, and a word inside another name
        "pas de blessé mais le feu tricolore est tombé",
        "nobody was hurt but the tree is blocking the road",
        "le compteur de gaz est cassé",
        "ça sent l'essence devant la station service",
        "fumée du barbecue des voisins tous les soirs",
        "ça sent les gaz d'échappement dans la rue",
        "ma voiture est coincée dans la boue du chemin",
        "la porte du local poubelle est coincée",
        "le feu est tombé en panne au carrefour",
        # an English word is not corrected into an emergency's ("checking" is no "choking"), water "shooting" no gun
        "Hi, just checking on case GU-4014-4831, any progress?",
        "Burst water main on Boulevard Blaise Pascal, water shooting up out of the road",
        "le feu reste au vert dans les deux sens, deux voitures ont failli se percuter",
        "une caisse cramée abandonnée derrière la halle des sports depuis des semaines",
    ],
)
def test_no_emergency_is_invented(understander, text):
    analysis = understander.analyze(text)

    assert analysis.urgency != "emergency" and analysis.emergency_numbers == ()


@pytest.mark.parametrize(
    "text, category",
    [
        ("Strong smell of gas near the train station, I think a pipe is leaking", "autre"),  # no water leak
        ("un monsieur agé est tombé sur le trottoir il arrive pas a se relever", "autre"),  # the pavement is where
        ("Poubelle en feu devant le 45 avenue des Sports", "dechets"),
        ("fils à nu dans la trappe ouverte du lampadaire", "eclairage"),
    ],
)
def test_an_emergency_names_its_category_or_its_own(understander, text, category):
    analysis = understander.analyze(text)

    assert (analysis.category, analysis.urgency) == (category, "emergency")


def test_a_past_fire_leaves_the_report_it_is(understander):
    analysis = understander.analyze(
        "les pompiers sont passés cette nuit pour le feu de voiture, maintenant la carcasse brulée est garée "
        "sur la place de la mairie"
    )

    assert (analysis.intent, analysis.category, analysis.urgency) == ("report", "stationnement", "normal")


@pytest.mark.parametrize(
    "text, urgency",
    [
        ("alarme incendie qui sonne depuis 2h dans l'immeuble 4 rue Pasteur", "normal"),  # noise, inside a longer phrase
        ("Trou dans la route rue Balzac, un cône dedans mais ça fait 3 semaines que ça bouge pas", "normal"),
        ("un motard est au sol il bouge pas", "emergency"),
        ("Il y a un trou béant au carrefour Leclerc", "high"),
    ],
)
def test_what_is_said_around_an_emergency_word_decides(understander, text, urgency):
    assert understander.analyze(text).urgency == urgency


@pytest.mark.parametrize(
    "text, emergency",
    [
        ("un enfant est tombé dans la Loire pres du pont, il arrive pas a remonter", "injured"),
        ("mon chien a pris une décharge en touchant le lampadaire, ya du jus qui sort", "electricity"),
        ("odeur d'oeuf pourri tres forte dans la cage d'escalier", "gas"),
        ("c chaud ca fume sous le capot d une voiture garée rue Balzac", "fire"),
    ],
)
def test_emergencies_said_by_what_one_sees(understander, text, emergency):
    analysis = understander.analyze(text)

    assert (analysis.urgency, analysis.emergencies) == ("emergency", (emergency,))


def test_the_firemen_already_there_end_the_emergency(understander):
    analysis = understander.analyze("les pompiers sont deja la, c etait juste un petit feu de poubelle devant le 16 rue"
                                    " victor hugo, faudrait remplacer le bac")

    assert (analysis.intent, analysis.category, analysis.urgency) == ("report", "dechets", "normal")


@pytest.mark.parametrize(
    "text, emergency",
    [
        ("un papy est tombé dans les escaliers, il a le crâne ouvert", "injured"),
        ("un gars allongé dans le square, il a les lèvres bleues", "injured"),
        ("le fil du lampadaire est à nu et ça fait des arcs bleus", "electricity"),
        ("the wiring is hanging out of the lamp post and it's live, it sparked when my son's bike touched it",
         "electricity"),
    ],
)
def test_an_emergency_told_by_what_one_sees(understander, text, emergency):
    analysis = understander.analyze(text)

    assert (analysis.urgency, analysis.emergencies) == ("emergency", (emergency,))


@pytest.mark.parametrize(
    "text",
    [
        "the tarmac crumbled into a crater, my tyre took a beating",
        "on aurait dit des coups de feu toute la nuit avec les pétards",
        "il y a des fils par terre mais rien ne crépite",
        "une voiture toute cramée rue des Lilas depuis trois semaines",
        "il n y a pas le feu mais le lampadaire est cassé rue Pasteur",
        "pas d odeur de gaz mais le trottoir est défoncé",
        "no one is hurt, just a car in the ditch on route de Tours",
        "un bus a failli renverser un enfant devant l'école",
        "pas de fumée pas de flammes mais le lampadaire clignote rue Pasteur",
        "c etait pas un incendie finalement juste un barbecue rue Pasteur",
        "Si un jour il y a un incendie dans la cité les pompiers peuvent pas passer",
        "the wire on the pavement isn't sparking, no sparks at all",
    ],
)
def test_words_that_only_sound_like_an_emergency(understander, text):
    assert understander.analyze(text).urgency != "emergency"


def test_a_control_character_or_a_byte_that_was_not_utf8_hides_no_gas(understander):
    for text in ("ca sent le gaz\x07 rue Pasteur", "ca sent le gaz\x00 rue Pasteur", "ca sent le gaz \udcff rue Pasteur"):
        assert understander.analyze(text).emergencies == ("gas",)


def test_a_lot_of_smoke_is_not_a_negation(understander):
    assert understander.analyze("il y a pas mal de fumée qui sort du toit rue Pasteur").emergencies == ("fire",)


def test_a_word_that_takes_no_room_splits_no_keyword(understander):
    assert understander.analyze("tr\u200bou énorme rue Pasteur").category == "chaussee"
