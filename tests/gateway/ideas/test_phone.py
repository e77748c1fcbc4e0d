"""Ideas on the phone line: "tapez 3", a similar idea offered and supported by one key, counted once with the SMS."""

from __future__ import annotations

from sqlmodel import select

from store import cases as case_store
from store.models import Case, Registration, Support
from tests.channels.voice.conftest import Phone
from tests.gateway.ideas.test_channels import SIMILAR, on_file, sms

CALLER = "+33611000201"


def test_a_similar_idea_is_offered_on_the_phone_and_supported_by_key_1(front):
    reference = on_file(front)
    call = Phone(front.http, CALLER)
    call.dial()
    call.press("3")
    offer = call.say(SIMILAR)
    assert "Une idée proche existe déjà" in offer.text and "piste cyclable" in offer.text
    assert "Pour la soutenir, tapez 1" in offer.text
    supported = call.press("1")
    assert "Merci, votre soutien est compté. Cette idée a maintenant 1 soutien." in supported.text
    assert supported.hangup
    # The same person by SMS afterwards: already counted.
    assert sms(front, f"je soutiens {reference}", sender=CALLER).startswith(f"Vous soutenez déjà {reference}")
    with front.rt.db.session() as session:
        case = case_store.by_reference(session, reference)
        assert [s.channel for s in session.exec(select(Support).where(Support.case_id == case.id)).all()] == ["voice"]
        assert len(session.exec(select(Case)).all()) == 1


def test_key_2_files_the_callers_own_idea(front):
    reference = on_file(front)
    call = Phone(front.http, CALLER)
    call.dial()
    call.press("3")
    call.say(SIMILAR)
    heard = call.press("2")
    assert "Merci pour votre idée" in heard.text
    with front.rt.db.session() as session:
        [new] = [c for c in session.exec(select(Case)).all() if c.reference != reference]
    assert new.kind == "idea"


def test_an_idea_filed_by_phone_is_acknowledged_with_its_theme_and_who_studies_it(front):
    call = Phone(front.http, CALLER)
    call.dial()
    call.press("3")
    heard = call.say("Il faudrait des bancs au parc du château pour les personnes âgées")
    if "Une idée proche" in heard.text:  # a demo idea close to it: this caller files their own
        heard = call.press("2")
    with front.rt.db.session() as session:
        [idea] = session.exec(select(Case).where(Case.kind == "idea")).all()
        theme = front.rt.category_label(idea.category)
    assert "Merci pour votre idée, sur le thème : " + theme in heard.text
    assert "Elle sera étudiée par" in heard.text


def test_a_caller_silent_on_the_idea_question_is_asked_for_an_idea_and_their_message_is_filed_as_one(front):
    call = Phone(front.http, CALLER)
    call.dial()
    call.press("3")
    call.silence()
    prompt = call.silence()
    assert "décrivez votre idée" in prompt.text and "ce qui ne va pas" not in prompt.text
    call.leave_message()
    with front.rt.db.session() as session:
        [case] = session.exec(select(Case)).all()
    assert case.kind == "idea" and case.description.startswith("Message vocal : ")


def test_a_caller_registers_to_an_event_by_key_6_and_gets_the_confirmation_by_sms(front, time_machine):
    from tests.conftest import paris_at
    from tests.gateway.ideas.test_events import a_cafe

    time_machine.move_to(paris_at(10, 0), tick=True)
    event = a_cafe(front.rt, capacity=1, days=2)
    call = Phone(front.http, CALLER)
    call.dial()
    read = call.press("6")
    assert f"Tapez 1 pour : {event.title}" in read.text and "Salle des fêtes" in read.text
    done = call.press("1")
    assert f"C'est noté : vous êtes inscrit à {event.title}" in done.text and done.hangup
    front.settle()
    [text] = front.twilio.texts_to(CALLER)
    assert text.startswith(f"Inscription confirmée : {event.title}") and f"ANNULER {event.reference}" in text

    other = Phone(front.http, "+33611000202")
    other.dial()
    other.press("6")
    assert "complet : vous êtes sur la liste d'attente, numéro 1" in other.press("1").text
    with front.rt.db.session() as session:
        rows = session.exec(select(Registration)).all()
    assert sorted((r.channel, r.status) for r in rows) == [("voice", "registered"), ("voice", "waiting")]
