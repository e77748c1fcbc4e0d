"""The phone line asks what is wrong when it only heard a place, reads back speech it is unsure of, and tells the
status of a reference typed on the keypad: scripted calls through the signed voice webhooks, as Twilio makes them."""

from __future__ import annotations

from channels.twilio_voice import spell_reference
from nlu.references import find_references
from tests.channels.voice.test_phone_line import REPORT, calls, cases
from tests.gateway.engine.test_status_privacy import PERSONAL, report_with_personal_place

STRANGER = "+33698765432"


def digits_of(reference: str) -> str:
    return reference.replace("-", "")[2:]


def a_reference_whose_check_digit_fails(reference: str) -> str:
    """The reference's 8 digits with the last (the check digit) changed: a typing mistake the line must catch."""
    digits = digits_of(reference)
    wrong = digits[:7] + str((int(digits[7]) + 1) % 10)
    assert not find_references(wrong)[0].valid
    return wrong


# -- a place, but not what is wrong there --------------------------------------------------------------------


def test_a_caller_who_only_says_an_address_is_asked_what_the_problem_is_then_the_case_has_both(phone, gateway):
    call = phone()
    call.dial()
    call.press("1")

    asked = call.say("14 rue Victor Hugo")

    assert "Quel est le problème à cet endroit ?" in asked.text
    assert asked.gather is not None and cases(gateway.rt) == []
    readback = call.say("le lampadaire est éteint")
    assert "J'ai compris : 14 Rue Victor Hugo, à Valmont" in readback.text
    answer = call.press("1")

    [case] = cases(gateway.rt)
    assert (case.category, case.address, case.service) == ("eclairage", "14 Rue Victor Hugo, Valmont",
                                                          "valmont-eclairage")
    assert "le lampadaire est éteint" in case.description and "14 rue Victor Hugo" in case.description
    assert spell_reference(case.reference) in answer.text


def test_an_address_said_at_the_menu_is_asked_what_not_filed_as_autre(phone, gateway):
    call = phone()
    call.dial()

    asked = call.say("devant le 20 avenue Jean Jaurès")

    assert "Quel est le problème à cet endroit ?" in asked.text
    call.say("un dépôt sauvage de sacs poubelle")
    call.press("1")
    [case] = cases(gateway.rt)
    assert case.category != "autre" and case.address == "20 Avenue Jean Jaurès, Valmont"


def test_a_caller_who_hangs_up_when_asked_what_still_leaves_a_case_at_the_place(phone, gateway):
    call = phone()
    call.dial()
    call.press("1")
    call.say("14 rue Victor Hugo")

    call.hang_up()

    [case] = cases(gateway.rt)
    assert (case.category, case.address) == ("autre", "14 Rue Victor Hugo, Valmont")


def test_an_unknown_address_said_alone_is_asked_what_then_where_again(phone, gateway):
    call = phone()
    call.dial()
    call.press("1")
    assert "Quel est le problème à cet endroit ?" in call.say("12 rue des Inconnus").text

    where = call.say("un nid de poule")

    assert "Je n'ai pas reconnu cet endroit" in where.text and "Où se trouve le problème" in where.text
    call.say("14 rue Victor Hugo")
    call.press("1")
    [case] = cases(gateway.rt)
    assert (case.category, case.address) == ("chaussee", "14 Rue Victor Hugo, Valmont")


# -- speech heard with low confidence ------------------------------------------------------------------------


def test_words_heard_with_low_confidence_are_read_back_and_count_after_1(phone, gateway):
    call = phone()
    call.dial()
    call.press("1")

    readback = call.say("lampadaire éteint rue Balzac", confidence=0.42)

    assert ("J'ai compris : lampadaire éteint rue Balzac. Tapez 1 si c'est juste, 2 pour recommencer."
            in readback.text)
    assert readback.gather is not None
    place = call.press("1")
    assert "J'ai compris : Rue Balzac, à Valmont" in place.text
    call.press("1")
    [case] = cases(gateway.rt)
    assert (case.category, case.address) == ("eclairage", "Rue Balzac, Valmont")
    assert case.description == "lampadaire éteint rue Balzac"


def test_a_low_confidence_readback_refused_with_2_asks_the_question_again(phone, gateway):
    call = phone()
    call.dial()
    call.press("1")
    call.say("la pompe éteinte rue bas sac", confidence=0.3)

    again = call.press("2")

    assert "recommençons" in again.text and "Décrivez le problème" in again.text
    assert cases(gateway.rt) == [] and calls(gateway.rt)[0].step == "what"
    assert "J'ai compris : 14 Rue Victor Hugo" in call.say(REPORT).text  # heard with confidence: no read-back
    call.press("1")
    assert cases(gateway.rt)[0].category == "chaussee"


def test_said_again_instead_of_a_key_the_new_words_are_the_answer(phone, gateway):
    call = phone()
    call.dial()
    call.press("1")
    call.say("nid de poule au 14 rue victor you go", confidence=0.4)

    answer = call.say(REPORT)

    assert "J'ai compris : 14 Rue Victor Hugo, à Valmont" in answer.text


def test_a_whole_report_at_the_menu_heard_with_low_confidence_is_read_back_first(phone, gateway):
    call = phone()
    call.dial()

    readback = call.say(REPORT, confidence=0.5)

    assert f"J'ai compris : {REPORT}. Tapez 1" in readback.text
    assert "J'ai compris : 14 Rue Victor Hugo, à Valmont" in call.press("1").text


def test_an_emergency_heard_with_low_confidence_gets_the_numbers_at_once(phone, gateway):
    call = phone()
    call.dial()
    call.press("1")

    answer = call.say("ça sent le gaz devant le 8 rue Victor Hugo", confidence=0.2)

    assert answer.says[0].startswith("Si une vie est en danger") and "112" in answer.says[0]
    assert "Tapez 1 si c'est juste" not in answer.text


def test_an_idea_heard_with_low_confidence_is_read_back_before_it_is_filed(phone, gateway):
    call = phone()
    call.dial()
    call.press("3")
    readback = call.say("des bancs sur la place", confidence=0.5)
    assert "J'ai compris : des bancs sur la place." in readback.text and cases(gateway.rt) == []

    answer = call.press("1")

    [case] = cases(gateway.rt)
    assert case.kind == "idea" and case.description == "des bancs sur la place"
    assert spell_reference(case.reference) in answer.text


def test_with_the_threshold_set_to_0_3_words_heard_at_0_42_are_not_read_back(phone, gateway, voice_adapter):
    voice_adapter(speech_confidence=0.3)
    call = phone()
    call.dial()
    call.press("1")

    answer = call.say(REPORT, confidence=0.42)

    assert "J'ai compris : 14 Rue Victor Hugo, à Valmont" in answer.text and "Tapez 1 si c'est juste" not in answer.text


def test_a_caller_who_falls_silent_at_a_read_back_leaves_the_uncertain_words_with_the_voicemail(phone, gateway):
    call = phone()
    call.dial()
    call.press("1")
    call.say("lampadaire éteint rue Balzac", confidence=0.3)
    call.silence()
    voicemail = call.silence()
    assert voicemail.record is not None

    call.leave_message()

    [case] = cases(gateway.rt)
    assert case.description.startswith("Message vocal : https://api.twilio.com/")
    assert "Entendu sans certitude : lampadaire éteint rue Balzac" in case.description


# -- the status of a reference typed on the keypad -----------------------------------------------------------


def test_the_menu_offers_the_status_by_reference_on_key_5_or_said(phone, gateway):
    call = phone()
    menu = call.dial()
    assert "tapez 5" in menu.text

    assert "Tapez les 8 chiffres de la référence" in call.say("cinq").text


def test_a_stranger_typing_a_reference_hears_its_public_status_without_personal_data(phone, gateway, worker):
    case = report_with_personal_place(gateway, worker)
    call = phone(STRANGER)
    call.dial()

    asked = call.press("5")

    assert "Tapez les 8 chiffres de la référence" in asked.text
    assert asked.gather is not None and "numDigits" not in asked.gather  # up to the # key
    answer = call.press(digits_of(case.reference))
    assert f"Dossier {spell_reference(case.reference)}" in answer.text and "État : enregistré" in answer.text
    assert [datum for datum in PERSONAL if datum in answer.text] == []
    assert "tapez 1" in answer.text  # back at the menu


def test_the_reporter_typing_their_reference_hears_the_public_status_too(phone, gateway, worker):
    case = report_with_personal_place(gateway, worker)
    call = phone("+33612345678")  # the reporter: digits typed prove nothing about who holds the phone
    call.dial()
    call.press("5")

    answer = call.press(digits_of(case.reference))

    assert f"Dossier {spell_reference(case.reference)}" in answer.text
    assert [datum for datum in PERSONAL if datum in answer.text] == []


def test_a_mistyped_check_digit_is_told_and_the_reference_asked_again(phone, gateway, worker):
    case = report_with_personal_place(gateway, worker)
    call = phone(STRANGER)
    call.dial()
    call.press("5")
    wrong = a_reference_whose_check_digit_fails(case.reference)

    answer = call.press(wrong)

    assert "un chiffre est faux ou deux sont inversés" in answer.text
    assert spell_reference(f"GU-{wrong[:4]}-{wrong[4:]}") in answer.text
    assert "Tapez les 8 chiffres" in answer.text
    assert "Dossier" in call.press(digits_of(case.reference)).text


def test_an_unknown_reference_is_told_clearly(phone, gateway):
    call = phone(STRANGER)
    call.dial()
    call.press("5")

    answer = call.press("48273918")  # a valid check digit, no such case

    assert "Je ne trouve aucun dossier sous la référence G U, 4 8 2 7, 3 9 1 8." in answer.text
    assert "tapez 1" in answer.text


def test_too_few_digits_are_told_and_asked_again(phone, gateway):
    call = phone(STRANGER)
    call.dial()
    call.press("5")

    answer = call.press("4827")

    assert "J'ai reçu 4 chiffres. Une référence en a 8" in answer.text
    assert calls(gateway.rt)[0].step == "reference"


def test_three_wrong_references_lead_to_the_voicemail(phone, gateway):
    call = phone(STRANGER)
    call.dial()
    call.press("5")
    call.press("4827")
    call.press("12")

    answer = call.press("48273917")

    assert answer.record is not None and "laisser un message" in answer.text


def test_a_reference_said_at_the_menu_with_a_wrong_check_digit_is_asked_on_the_keypad(phone, gateway, worker):
    case = report_with_personal_place(gateway, worker)
    wrong = a_reference_whose_check_digit_fails(case.reference)
    call = phone(STRANGER)
    call.dial()

    answer = call.say(f"où en est le dossier GU-{wrong[:4]}-{wrong[4:]}")

    assert "un chiffre est faux ou deux sont inversés" in answer.text and "Tapez les 8 chiffres" in answer.text
    assert "Dossier" in call.press(digits_of(case.reference)).text
