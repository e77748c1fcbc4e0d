"""Whole-message commands (STOP, START, help) and bare yes / no answers."""

import pytest


@pytest.mark.parametrize(
    "text",
    ["STOP", "stop", "Stop.", " STOP ", "STOP SMS", "ARRET", "Arrêt", "arrêt !", "DESINSCRIPTION", "désinscription",
     "UNSUBSCRIBE", "stop merci", "Arrêtez de m'envoyer des messages"],
)
def test_stop_and_its_variants(understander, text):
    assert understander.analyze(text).intent == "stop"


@pytest.mark.parametrize("text", ["START", "start", "Reprise", "REPRISE", "unstop"])
def test_start_and_its_variants(understander, text):
    assert understander.analyze(text).intent == "start"


@pytest.mark.parametrize("text", ["AIDE", "aide", "Help", "?", " ? ", "??"])
def test_help(understander, text):
    assert understander.analyze(text).intent == "help"


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
    assert understander.analyze(text).intent == intent
