"""A caller reporting an emergency hears that the on-call team is alerted, never a delay in days; the team gets the SMS."""

from __future__ import annotations


def test_a_caller_smelling_gas_hears_the_on_call_team_is_alerted_and_no_delay_in_days(phone, gateway, worker,
                                                                                      twilio):
    call = phone()
    call.dial()
    call.press("1")
    call.say("ça sent le gaz devant le 8 rue Victor Hugo")
    answer = call.press("1")
    worker.run_once()

    assert "L'équipe d'astreinte de la mairie est alertée à l'instant." in answer.text
    assert "Délai prévu" not in answer.text
    [alert] = twilio.texts_to("+33600000101")
    assert alert.startswith("ASTREINTE Urgence GU-")


def test_a_caller_smelling_gas_hears_the_gas_operators_number_after_112(phone, gateway, worker):
    call = phone()
    call.dial()
    call.press("1")
    heard = call.say("ça sent le gaz devant le 8 rue Victor Hugo")

    assert "appelez le 112 ou le 18 maintenant. GRDF urgence gaz : 0 800 47 33 33." in heard.text


def test_one_digit_typed_for_a_reference_is_said_in_the_singular(phone, gateway):
    call = phone()
    call.dial()
    call.press("5")
    heard = call.press("7#")

    assert "J'ai reçu un seul chiffre." in heard.text and "1 chiffres" not in heard.text
