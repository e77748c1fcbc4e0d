"""The conversation's other paths: asking twice for the place, outside the territory, ideas, bad input."""

from __future__ import annotations

from sqlmodel import select

from store.models import Conversation, ReceivedMessage
from tests.gateway.inbound.test_sms_flow import RESIDENT, all_cases, answers


def test_a_place_not_recognised_twice_still_opens_a_case_for_an_agent_to_call_back(gateway, worker, twilio):
    for text in ("lampadaire éteint", "chez moi", "là-bas au fond"):
        gateway.sms(RESIDENT, text)
        worker.run_once()

    [case] = all_cases(gateway.rt)
    assert (case.category, case.lat, case.service) == ("eclairage", None, None)
    first, second, third = answers(twilio, RESIDENT)
    assert "Où" in first
    assert "pas reconnu" in second
    assert case.reference in third and "recontactera" in third


def test_a_place_outside_both_communes_gets_told_who_is_in_charge(gateway, worker, twilio):
    gateway.sms(RESIDENT, "Nid de poule devant le 14 rue de Rivoli à Paris")
    worker.run_once()

    assert all_cases(gateway.rt) == []
    [answer] = answers(twilio, RESIDENT)
    assert "hors de Valmont et Saint-Aubin-sur-Loire" in answer
    assert "Contactez la mairie de Paris : 3975, paris.fr" in answer


def test_an_idea_opens_an_idea_case(gateway, worker, twilio):
    gateway.sms(RESIDENT, "Je propose une piste cyclable sur le quai de Loire")
    worker.run_once()

    [case] = all_cases(gateway.rt)
    assert (case.kind, case.status) == ("idea", "received")
    assert case.reference in answers(twilio, RESIDENT)[0]
    assert "idée" in answers(twilio, RESIDENT)[0]


def test_a_greeting_alone_is_greeted_and_the_conversation_stays_open(gateway, worker, twilio):
    gateway.sms(RESIDENT, "Bonjour")
    worker.run_once()
    gateway.sms(RESIDENT, "Nid de poule devant le 14 rue Victor Hugo")
    worker.run_once()

    greeting, ack = answers(twilio, RESIDENT)
    assert greeting.startswith("Bonjour")
    assert len(all_cases(gateway.rt)) == 1 and all_cases(gateway.rt)[0].reference in ack


def test_english_is_answered_in_english(gateway, worker, twilio):
    gateway.sms(RESIDENT, "There is a big pothole in front of 14 rue Victor Hugo")
    worker.run_once()

    [answer] = answers(twilio, RESIDENT)
    assert answer.startswith("Thank you!")


def test_a_webhook_without_message_sid_is_a_clear_400_and_nothing_is_stored(gateway):
    response = gateway.post_signed("/webhooks/twilio/messages", {"From": RESIDENT, "Body": "bonjour"})

    assert response.status_code == 400
    assert "MessageSid" in response.text
    with gateway.rt.db.session() as session:
        assert session.exec(select(ReceivedMessage)).all() == []


def test_a_huge_body_is_refused_with_413(gateway):
    import requests

    response = requests.post(gateway.url + "/webhooks/twilio/messages", data={"Body": "x" * 2_000_000}, timeout=10)
    assert response.status_code == 413


def test_health_says_ok_with_the_database_reachable(gateway):
    import requests

    response = requests.get(gateway.url + "/healthz", timeout=5)
    assert (response.status_code, response.json()) == (200, {"status": "ok", "database": "ok"})


def test_the_home_page_lists_cases_without_personal_data(gateway, worker):
    import requests

    gateway.sms(RESIDENT, "Nid de poule devant le 14 rue Victor Hugo")
    worker.run_once()
    page = requests.get(gateway.url + "/", timeout=5).text

    [case] = all_cases(gateway.rt)
    assert case.reference in page
    assert RESIDENT not in page and "0612345678" not in page


def test_conversation_state_is_kept_in_the_database(gateway, worker):
    gateway.sms(RESIDENT, "voiture garée sur le trottoir")
    worker.run_once()

    with gateway.rt.db.session() as session:
        conversation = session.exec(select(Conversation)).one()
    assert conversation.state == "awaiting_where"
    assert conversation.draft["category"] == "stationnement"


def test_a_category_guessed_from_examples_is_confirmed_before_the_case_opens(gateway, worker, twilio):
    gateway.sms(RESIDENT, "des cartons entassés au pied de l'immeuble du 3 rue Pasteur depuis une semaine")
    worker.run_once()
    asked = all_cases(gateway.rt)
    gateway.sms(RESIDENT, "oui")
    worker.run_once()

    question, ack = answers(twilio, RESIDENT)
    assert asked == []
    assert question == "C'est bien au sujet de : Propreté et déchets ? Répondez OUI ou NON."
    [case] = all_cases(gateway.rt)
    assert (case.category, case.reference in ack) == ("dechets", True)
