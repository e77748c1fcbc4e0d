"""On the phone line, a caller asking about a case they neither reported nor follow hears its public facts only."""

from __future__ import annotations

from channels.twilio_voice import spell_reference
from tests.gateway.engine.test_status_privacy import PERSONAL, REPORTER, report_with_personal_place

STRANGER = "+33698765432"


def test_a_stranger_saying_a_reference_hears_the_masked_place_not_the_reporters_words(phone, gateway, worker):
    case = report_with_personal_place(gateway, worker)

    call = phone(STRANGER)
    call.dial()
    answer = call.say(case.reference)

    assert f"Dossier {spell_reference(case.reference)}" in answer.text
    assert "[nom masqué]" in answer.text or "nom masqué" in answer.text
    assert [datum for datum in PERSONAL if datum in answer.text] == []


def test_the_reporter_saying_the_reference_hears_their_own_words(phone, gateway, worker):
    case = report_with_personal_place(gateway, worker)

    call = phone(REPORTER)
    call.dial()
    answer = call.say(case.reference)

    assert "Jean Dupont" in answer.text


def test_a_caller_asking_for_erasure_is_told_to_send_it_by_sms(phone, gateway):
    call = phone()
    call.dial()
    answer = call.say("supprimer mes données")

    assert "par SMS" in answer.text and "supprimer mes données" in answer.text
    assert "tapez 1" in answer.text  # back at the menu
