"""Whole-message commands (STOP, START, help) and bare yes / no answers."""

import pytest

import nlu


@pytest.mark.parametrize(
    "text",
    ["STOP", "stop", "Stop.", " STOP ", "STOP SMS", "ARRET", "Arrêt", "arrêt !", "DESINSCRIPTION", "désinscription",
     "UNSUBSCRIBE", "stop merci", "Arrêtez de m'envoyer des messages"],
)
def test_stop_and_its_variants(understander, text):
    assert understander.analyze(text).said == "stop"


@pytest.mark.parametrize("text", ["START", "start", "Reprise", "REPRISE", "unstop"])
def test_start_and_its_variants(understander, text):
    assert understander.analyze(text).said == "start"


@pytest.mark.parametrize("text", ["AIDE", "aide", "Help", "?", " ? ", "??"])
def test_help(understander, text):
    assert understander.analyze(text).said == "help"


@pytest.mark.parametrize(
    "text, answer",
    [("oui", "yes"), ("Oui !", "yes"), ("ouais", "yes"), ("ok", "yes"), ("OK.", "yes"), ("c'est ça", "yes"),
     ("C’est bien ça", "yes"), ("yes", "yes"), ("exactement", "yes"), ("non", "no"), ("NON", "no"), ("no", "no"),
     ("pas du tout", "no"), ("Non merci", "no"), ("nan", "no")],
)
def test_bare_yes_and_no(understander, text, answer):
    analysis = understander.analyze(text)

    assert (analysis.answer, analysis.intent, analysis.category) == (answer, "other", None)


@pytest.mark.parametrize(
    "text",
    ["oui il y a un trou rue Pasteur", "non", "stop le bruit rue Danton", "le feu est au stop", "bonjour"],
)
def test_no_yes_in_a_message_that_says_more(understander, text):
    assert understander.analyze(text).answer != "yes"


@pytest.mark.parametrize(
    "text, intent",
    [("stop le bruit rue Danton svp", "report"), ("bonjour", "greeting"), ("Merci beaucoup !", "thanks"),
     ("Bonjour, les poubelles débordent rue Pasteur", "report"), ("merci pour la réparation du lampadaire", "thanks")],
)
def test_commands_are_whole_messages_only(understander, text, intent):
    assert understander.analyze(text).said == intent


@pytest.mark.parametrize(
    "text, answer",
    [("ouais c'est ça", "yes"), ("Ouais, c'est bien ça !", "yes"), ("oui exactement", "yes"), ("ok ok", "yes"),
     ("yes that's right", "yes"), ("non non pas du tout", "no"), ("nan c'est pas ça", "no")],
)
def test_an_answer_said_twice_over_is_still_bare(understander, text, answer):
    analysis = understander.analyze(text)

    assert (analysis.answer, analysis.intent, analysis.category) == (answer, "other", None)


@pytest.mark.parametrize("text", ["oui non", "oui il y a un trou rue Pasteur", "ok c'est ça le trou"])
def test_mixed_or_longer_answers_are_not_bare(understander, text):
    assert understander.analyze(text).answer is None


@pytest.mark.parametrize(
    "text", ["merci c'est réparé, super boulot", "Bon boulot pour le lampadaire !", "great job fixing the bench"]
)
def test_praise_for_a_repair_is_thanks(understander, text):
    assert understander.analyze(text).said == "thanks"


@pytest.mark.parametrize("text", ["Merci pour la proposition, bonne journée", "merci pour votre idée du banc"])
def test_thanks_for_an_idea_is_still_thanks(understander, text):
    assert understander.analyze(text).said == "thanks"


@pytest.mark.parametrize(
    "text, intent",
    [
        ("je veux me desabonner", "stop"),
        ("je ne veux plus recevoir de messages", "stop"),
        ("desabonnement svp", "stop"),
        ("STOP merci beaucoup", "stop"),
        ("reprendre les notifications svp", "start"),
        ("start again please", "start"),
        ("reprise stp", "start"),
        ("comment ca marche ce numero ?", "help"),
        ("Je fais comment pour signaler un truc ?", "help"),
        ("bonjour, comment on fait pour signaler un probleme ?", "help"),
        ("how does this work? can I send a photo?", "help"),
        ("bonjour AIDE", "help"),
    ],
)
def test_commands_said_in_a_sentence(understander, text, intent):
    assert understander.analyze(text).said == intent


@pytest.mark.parametrize(
    "text, intent",
    [
        ("arrêt de bus tagué rue Pasteur", "report"),
        ("le panneau stop est tombé", "report"),
        ("stop aux dépôts sauvages rue Pasteur", "report"),
        ("bus stop sign is down", "report"),
        ("comment ça marche pour le trou rue Pasteur ?", "report"),
        ("le lampadaire ne marche plus, vous faites comment ?", "report"),
    ],
)
def test_a_stop_or_help_word_in_a_report_is_no_command(understander, text, intent):
    assert understander.analyze(text).said == intent


@pytest.mark.parametrize(
    "text, intent",
    [
        ("merci beaucoup pour la réparation rapide du lampadaire, bravo aux agents", "thanks"),
        ("un grand merci aux agents pour le banc", "thanks"),
        ("merci vraiment pour le nettoyage de la place", "thanks"),
        ("bravo la mairie, toujours pas réparé le lampadaire", "report"),
        ("Je voudrais proposer du covoiturage solidaire pour les personnes agées", "idea"),
        ("une ligne d'autostop organisé vers la zone d'activités, ca aiderait ceux qui ont pas de voiture", "idea"),
        ("une boîte à livres au parc ça serait sympa", "idea"),
    ],
)
def test_thanks_and_ideas_said_in_many_ways(understander, text, intent):
    assert understander.analyze(text).said == intent


@pytest.mark.parametrize("text", ["non c pas le meme", "nn c pas le meme", "nn", "non finalement c bon",
                                  "c pas pareil"])
def test_a_no_in_sms_spelling_is_a_no(understander, text):
    assert understander.analyze(text).answer == "no"


@pytest.mark.parametrize("text, intent, act", [
    ("Bonjour", "other", "greeting"),
    ("Merci beaucoup !", "other", "thanks"),
    ("START", "stop", "start"),
    ("STOP", "stop", None),
    ("Nid de poule devant le 14 rue Victor Hugo", "report", None),
])
def test_intent_is_one_of_the_six_and_the_finer_label_is_kept_apart(understander, text, intent, act):
    analysis = understander.analyze(text)

    assert (analysis.intent, analysis.act) == (intent, act)
    assert analysis.intent in nlu.INTENTS
    assert analysis.to_json()["intent"] == intent and analysis.to_json()["act"] == act


@pytest.mark.parametrize(
    "text, said",
    [
        ("C'est gratuit d'envoyer des sms à ce numéro ?", "help"),
        ("Vous répondez le week-end ?", "help"),
        ("Can I send a voice message instead of typing?", "help"),
        ("Qu'est-ce que vous faites de mes données personnelles ?", "help"),
        ("supprimez toutes mes données svp", "erase"),
        ("Can you remove my phone number and everything you've got on me", "erase"),
    ],
)
def test_questions_about_the_service_and_erasure_in_whole_sentences(understander, text, said):
    analysis = understander.analyze(text)

    assert (analysis.said, analysis.category) == (said, None)


def test_stop_said_as_an_order(understander):
    said = ("stoppez tout", "ne m envoyez plus rien", "arretez de m envoyer des sms", "je ne veux plus etre contacte")
    assert [understander.analyze(t).said for t in said] == ["stop"] * 4
    assert understander.analyze("I want my data erased").said == "erase"


def test_thanks_for_a_repair_is_no_new_report(understander):
    for text in ("merci beaucoup pour la reparation", "le trou rue pasteur a ete rebouche merci"):
        assert understander.analyze(text).said == "thanks"
