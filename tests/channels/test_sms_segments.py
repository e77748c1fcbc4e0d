"""What an SMS costs: GSM-7 or UCS-2, and how many segments."""

import pytest

from channels.sms import encoding, segments, to_gsm7
from gateway.engine.messages import Messages
from gateway.settings import REPO


@pytest.mark.parametrize(("text", "expected"), [
    ("Votre signalement est enregistré.", ("GSM-7", 1)),
    ("Signalement reçu : merci !", ("UCS-2", 1)),
    ("Votre signalement n°42 a été transmis.", ("UCS-2", 1)),
    ("L’équipe", ("UCS-2", 1)),
    ("a" * 160, ("GSM-7", 1)),
    ("a" * 161, ("GSM-7", 2)),
    ("ç" * 71, ("UCS-2", 2)),
    ("a" * 152 + "€" * 77, ("GSM-7", 3)),  # an escape pair never straddles two segments
])
def test_encoding_and_segments(text, expected):
    assert (encoding(text), segments(text)) == expected


@pytest.mark.parametrize("language", ["fr", "en"])
def test_every_template_stays_gsm7(language):
    templates = Messages(REPO / "config").flat(language)
    ucs2 = {key: text for key, text in templates.items() if encoding(text) != "GSM-7"}
    assert ucs2 == {}


def test_the_acknowledgement_fits_in_two_sms_with_a_long_street_name():
    text = Messages(REPO / "config").render(
        "acknowledged", "fr", reference="GU-4827-3918", category="Chaussée et trottoirs",
        place="114 Avenue du Maréchal de Lattre de Tassigny", service="Voirie de Valmont", delay="15 jours")
    assert segments(text) <= 2


@pytest.mark.parametrize(("text", "expected"), [
    ("Stationnement gênant", "Stationnement genant"),
    ("L’équipe de la Gare – n°3", "L'équipe de la Gare - no3"),  # é and è are GSM-7 already
    ("Chaussée et trottoirs", "Chaussée et trottoirs"),
    ("Merci 👍 ça marche", "Merci 👍 ça marche"),  # an emoji stays: UCS-2 it is, accents kept
])
def test_french_look_alikes_keep_an_sms_in_gsm7(text, expected):
    assert to_gsm7(text) == expected


def test_every_service_and_category_name_keeps_the_acknowledgement_gsm7():
    import nlu
    from routing.services import Services

    messages = Messages(REPO / "config")
    catalogue = nlu.load_catalogue(REPO / "config")
    names = [s.name for s in Services.load(REPO / "config").all()]
    labels = [c.label["fr"] for c in catalogue.categories.values()]
    costly = [text for text in names + labels if encoding(to_gsm7(text)) != "GSM-7"]
    assert costly == []
    assert encoding(to_gsm7(messages.render("acknowledged", "fr", reference="GU-4827-3918", category=labels[0],
                                    place="14 Rue Victor Hugo, Valmont", service=names[0], delay="15 jours"))) == "GSM-7"
