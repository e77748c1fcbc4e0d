"""The phone line end to end over HTTP: scripted calls (speech and keys) against the gateway, as Twilio makes them."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from sqlmodel import select

from channels.twilio_voice import OfficeHours, spell_reference
from gateway.cases.flows import change_status
from store.models import Call, Case, Follower, Identity
from tests.channels.voice.conftest import LANDLINE, MOBILE
from tests.conftest import PARIS

REPORT = "Il y a un nid de poule devant le 14 rue Victor Hugo"


def cases(rt) -> list[Case]:
    with rt.db.session() as session:
        return list(session.exec(select(Case).order_by(Case.id)).all())


def calls(rt) -> list[Call]:
    with rt.db.session() as session:
        return list(session.exec(select(Call).order_by(Call.id)).all())


def following(rt, case: Case) -> list[str]:
    """The channels of the identities following `case`."""
    with rt.db.session() as session:
        return list(session.exec(
            select(Identity.channel).join(Follower, Follower.identity_id == Identity.id)
            .where(Follower.case_id == case.id).order_by(Follower.id)).all())


def report_pothole(call) -> None:
    call.dial()
    call.press("1")
    call.say(REPORT)
    call.press("1")


def test_a_scripted_call_makes_a_routed_case_and_reads_its_reference_digit_by_digit(phone, gateway):
    call = phone()
    menu = call.dial()
    assert menu.gather["input"] == "speech dtmf" and menu.gather["language"] == "fr-FR"
    assert "tapez 1" in menu.text and menu.redirect.endswith("&silence=1")

    assert "Décrivez le problème" in call.press("1").text
    readback = call.say(REPORT)
    assert "J'ai compris : 14 Rue Victor Hugo, à Valmont. Tapez 1 si c'est exact, 2 pour recommencer." in readback.text
    assert cases(gateway.rt) == []

    answer = call.press("1")

    [case] = cases(gateway.rt)
    assert (case.category, case.service, case.channel, case.address) == (
        "chaussee", "valmont-voirie", "voice", "14 Rue Victor Hugo, Valmont")
    digits = case.reference.replace("-", "")[2:]
    spoken = f"G U, {' '.join(digits[:4])}, {' '.join(digits[4:])}"
    assert spoken in answer.text
    assert "15 jours" in answer.text
    assert "par SMS" in answer.text and answer.gather is not None
    [stored] = calls(gateway.rt)
    assert (stored.step, stored.case_id, stored.caller) == ("sms_offer", case.id, MOBILE)
    # How long each answer takes is measured by bench/phone_bench.py, not here.


def test_a_replayed_step_gets_the_same_answer_and_does_not_advance_twice(phone, gateway):
    call = phone()
    call.dial()
    call.press("1")
    call.say(REPORT)
    confirm_action = call.last.gather["action"]
    first = call.press("1")
    turn = calls(gateway.rt)[0].turn

    replayed = call.press("1", at=confirm_action)  # Twilio posts the same answer again

    assert replayed.twiml == first.twiml
    assert len(cases(gateway.rt)) == 1
    assert calls(gateway.rt)[0].turn == turn
    assert "C'est noté" in call.press("1").text  # the call goes on from where it was


def test_the_same_incoming_call_twice_is_one_call(phone, gateway):
    call = phone()
    assert call.dial().twiml == call.dial().twiml
    assert len(calls(gateway.rt)) == 1


def test_a_silent_caller_is_asked_again_then_reaches_the_voicemail_which_makes_a_case(phone, gateway):
    call = phone()
    call.dial()
    again = call.silence()
    assert again.text.startswith("Je ne vous ai pas entendu") and again.gather is not None
    voicemail = call.silence()
    assert voicemail.record is not None and voicemail.gather is None
    assert "/webhooks/twilio/voice/recording?turn=" in voicemail.record
    assert cases(gateway.rt) == []

    answer = call.leave_message()

    [case] = cases(gateway.rt)
    assert case.category == "autre" and case.lat is None
    assert case.description.startswith("Message vocal : https://api.twilio.com/2010-04-01/Accounts/")
    assert spell_reference(case.reference) in answer.text
    recording_sid = case.description.rsplit("/", 1)[1]
    replayed = call.leave_message(at=voicemail.record, recording=recording_sid)
    assert replayed.twiml == answer.twiml  # the recording callback replayed
    assert len(cases(gateway.rt)) == 1


def test_the_reference_goes_by_sms_only_after_the_caller_pressed_1(phone, gateway, worker, twilio):
    call = phone()
    report_pothole(call)
    worker.run_once()
    assert twilio.messages == []

    goodbye = call.press("1")
    worker.run_once()

    [case] = cases(gateway.rt)
    [sms] = twilio.messages
    assert sms["to"] == MOBILE and case.reference in sms["body"]
    assert goodbye.hangup and "par SMS" in goodbye.text
    assert following(gateway.rt, case) == ["sms"]  # updates go by SMS, not by a call

    with gateway.rt.db.session() as session:
        change_status(gateway.rt, session, reference=case.reference, status="validated")
    worker.run_once()
    assert [m["to"] for m in twilio.messages] == [MOBILE, MOBILE] and twilio.calls == []


def test_no_sms_when_the_caller_declines_and_an_update_then_comes_as_a_call(phone, gateway, worker, twilio,
                                                                              voice_adapter):
    voice_adapter()
    call = phone()
    report_pothole(call)
    goodbye = call.press("2")
    worker.run_once()
    assert goodbye.hangup and twilio.messages == [] and twilio.calls == []
    [case] = cases(gateway.rt)
    assert following(gateway.rt, case) == ["voice"]

    with gateway.rt.db.session() as session:
        change_status(gateway.rt, session, reference=case.reference, status="validated")
    worker.run_once()

    [placed] = twilio.calls
    assert (placed["to"], placed["from"]) == (MOBILE, "+33700000001")
    assert spell_reference(case.reference) in placed["twiml"] and "validé" in placed["twiml"]
    assert placed["status_callback"].startswith("https://guichet.valmont.example/webhooks/twilio/voice/status?out=")
    assert twilio.messages == []


def test_a_landline_is_not_offered_the_sms(phone, gateway, worker, twilio):
    call = phone(LANDLINE)
    call.dial()
    call.press("1")
    call.say(REPORT)
    answer = call.press("1")
    worker.run_once()

    assert answer.hangup and "par SMS" not in answer.text and "appellerons" in answer.text
    assert twilio.messages == []


def test_silence_at_the_sms_offer_is_a_no(phone, gateway, worker, twilio):
    call = phone()
    report_pothole(call)
    call.silence()
    goodbye = call.silence()
    worker.run_once()
    assert goodbye.hangup and goodbye.record is None
    assert twilio.messages == []


def test_a_forged_signature_gets_403_and_no_call_is_stored(phone, gateway):
    response = phone().dial(token="not-the-auth-token")
    assert response.status == 403
    assert calls(gateway.rt) == []


def test_without_a_place_the_line_asks_where_and_a_refused_readback_asks_again(phone, gateway):
    call = phone()
    call.dial()
    call.press("1")
    where = call.say("une voiture est garée sur le trottoir")
    assert "Où se trouve le problème" in where.text
    assert "J'ai compris : 12 Rue Victor Hugo" in call.say("au 12 rue Victor Hugo").text
    assert "recommençons" in call.press("2").text
    call.say("devant la mairie")
    call.press("1")

    [case] = cases(gateway.rt)
    assert (case.category, case.address) == ("stationnement", "Mairie, Valmont")


def test_a_caller_reporting_a_street_in_tours_hears_the_town_hall_of_tours_and_no_case_opens(phone, gateway):
    call = phone()
    call.dial()
    call.press("1")
    answer = call.say("un nid de poule rue Nationale à Tours")

    assert "Cet endroit est à Tours, hors de Valmont et Saint-Aubin-sur-Loire" in answer.text
    assert "02 47 21 60 00" in answer.text
    assert cases(gateway.rt) == []


def test_a_whole_report_said_at_the_menu_needs_no_key(phone, gateway):
    call = phone()
    call.dial()
    assert "J'ai compris : 14 Rue Victor Hugo, à Valmont" in call.say(REPORT).text


def test_an_emergency_gets_the_emergency_numbers_first(phone, gateway):
    call = phone()
    call.dial()
    call.press("1")
    answer = call.say("ça sent le gaz devant le 8 rue Victor Hugo")
    assert answer.says[0].startswith("Si une vie est en danger") and "112" in answer.says[0]


def test_hanging_up_before_confirming_the_place_still_opens_the_case(phone, gateway):
    call = phone()
    call.dial()
    call.press("1")
    call.say(REPORT)

    response = call.hang_up()

    assert response.status_code == 200
    [case] = cases(gateway.rt)
    assert case.category == "chaussee" and case.lat is not None
    [stored] = calls(gateway.rt)
    assert (stored.status, stored.case_id) == ("completed", case.id)
    call.hang_up()
    assert len(cases(gateway.rt)) == 1


def test_my_cases_reads_the_cases_of_the_same_number_on_sms(phone, gateway, worker):
    gateway.sms(MOBILE, "Nid de poule devant le 14 rue Victor Hugo")
    worker.run_once()
    [case] = cases(gateway.rt)

    call = phone()
    call.dial()
    answer = call.press("2")

    assert f"Dossier {spell_reference(case.reference)}" in answer.text
    assert "enregistré" in answer.text
    assert "tapez 1" in answer.text  # back at the menu


def test_an_idea_is_filed_with_its_theme(phone, gateway):
    call = phone()
    call.dial()
    call.press("3")
    answer = call.say("il faudrait plus de pistes cyclables pour aller au lycée")
    [case] = cases(gateway.rt)
    assert (case.kind, case.category) == ("idea", "velo")
    assert "votre idée" in answer.text


def test_a_person_during_office_hours_else_the_hours_are_told(phone, gateway, voice_adapter, time_machine):
    adapter = voice_adapter(operator="+33247000000", office_hours=None)
    call = phone()
    call.dial()
    connect = call.press("4")
    assert connect.dial == "+33247000000"
    voicemail = call.operator_gone("no-answer")
    assert "Personne n'est disponible" in voicemail.text and voicemail.record

    adapter.office_hours = OfficeHours.parse("mon-fri 09:00-12:00,13:30-17:00")
    today = datetime.now(UTC).astimezone(PARIS).date()  # one reading of the clock: no midnight in between
    sunday = today + timedelta(days=(6 - today.weekday()) % 7 or 7)
    time_machine.move_to(datetime.combine(sunday, time(10, 0), tzinfo=PARIS), tick=True)  # next Sunday, 10:00
    closed = phone()
    closed.dial()
    told = closed.press("4")
    assert told.dial is None
    assert "ouvert du lundi au vendredi, de 9 h à 12 h et de 13 h 30 à 17 h" in told.text
    assert "tapez 1" in told.text  # back at the menu


def test_a_failure_inside_the_line_is_still_spoken_twiml_with_a_voicemail(phone, gateway, monkeypatch):
    from gateway.engine.ivr import PhoneLine

    def broken(*args, **kwargs):
        raise RuntimeError("database on fire")

    monkeypatch.setattr(PhoneLine, "incoming", broken)
    heard = phone().dial()
    assert heard.status == 200 and heard.record == "/webhooks/twilio/voice/recording"


def test_the_same_step_three_times_at_once_advances_once(phone, gateway):
    import threading

    call = phone()
    call.dial()
    call.press("1")
    call.say(REPORT)
    action = call.last.gather["action"]
    heard = []
    threads = [threading.Thread(target=lambda: heard.append(call.press("1", at=action))) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len({h.twiml for h in heard}) == 1 and heard[0].status == 200
    assert len(cases(gateway.rt)) == 1
    assert calls(gateway.rt)[0].turn == 4


def test_logs_at_info_hold_neither_the_phone_number_nor_what_was_said(phone, gateway, worker, caplog):
    import logging

    caplog.set_level(logging.INFO)
    call = phone()
    report_pothole(call)
    call.press("1")
    worker.run_once()

    logged = caplog.text + " ".join(str(r.__dict__) for r in caplog.records)
    assert MOBILE not in logged and MOBILE[1:] not in logged
    assert "nid de poule" not in logged.lower()


def test_a_refusal_said_in_words_asks_for_the_place_again(phone, gateway):
    call = phone()
    call.dial()
    call.press("1")
    call.say("une voiture est garée sur le trottoir")
    call.say("au 12 rue Victor Hugo")
    assert "recommençons" in call.say("Non, merci.").text  # read as the chat reads a bare "non merci"
    call.say("devant la mairie")
    assert "par SMS" in call.say("Oui, c'est exact.").text

    [case] = cases(gateway.rt)
    assert case.address == "Mairie, Valmont"
