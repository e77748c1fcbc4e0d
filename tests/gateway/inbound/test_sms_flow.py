"""The spine, end to end over HTTP: a resident's SMS in, a case opened, answers out through the local Twilio."""

from __future__ import annotations

import threading

from sqlmodel import select

from store.models import Case, Follower, OutboxEntry, ReceivedMessage

RESIDENT = "+33612345678"
NEIGHBOUR = "+33698765432"


def answers(twilio, number: str) -> list[str]:
    """What the local Twilio received for one resident, in order."""
    return [m["body"] for m in twilio.messages if m["to"] == number]


def all_cases(rt) -> list[Case]:
    with rt.db.session() as session:
        return list(session.exec(select(Case).order_by(Case.id)).all())


def test_one_sms_with_what_and_where_opens_a_routed_case_and_answers_with_reference_and_delay(gateway, worker, twilio):
    response = gateway.sms(RESIDENT, "Nid de poule devant le 14 rue Victor Hugo")
    worker.run_once()

    assert response.status_code == 200
    assert "<Response" in response.text
    [case] = all_cases(gateway.rt)
    assert (case.category, case.service, case.territory, case.district) == (
        "chaussee", "valmont-voirie", "valmont", "valmont-centre")
    assert case.lat is not None and case.lon is not None
    [answer] = answers(twilio, RESIDENT)
    assert case.reference in answer
    assert "15 jours" in answer
    assert twilio.messages[0]["from"] == "+33700000001"


def test_what_then_where_makes_one_case_in_two_turns(gateway, worker, twilio):
    gateway.sms(RESIDENT, "voiture garée sur le trottoir")
    worker.run_once()
    assert all_cases(gateway.rt) == []
    [question] = answers(twilio, RESIDENT)
    assert "Où" in question

    gateway.sms(RESIDENT, "12 rue Victor Hugo")
    worker.run_once()

    [case] = all_cases(gateway.rt)
    assert (case.category, case.service) == ("stationnement", "valmont-police")
    assert case.description == "voiture garée sur le trottoir"
    assert case.reference in answers(twilio, RESIDENT)[1]


def test_the_same_message_sid_four_times_three_at_once_makes_one_case_and_one_answer(gateway, worker, twilio):
    sid = "SM" + "a" * 32
    first = gateway.sms(RESIDENT, "Nid de poule devant le 14 rue Victor Hugo", message_sid=sid)
    responses = []
    threads = [
        threading.Thread(target=lambda: responses.append(
            gateway.sms(RESIDENT, "Nid de poule devant le 14 rue Victor Hugo", message_sid=sid)))
        for _ in range(3)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    worker.run_once()

    assert [first.status_code] + [r.status_code for r in responses] == [200] * 4
    assert len(all_cases(gateway.rt)) == 1
    assert len(answers(twilio, RESIDENT)) == 1
    with gateway.rt.db.session() as session:
        assert len(session.exec(select(ReceivedMessage)).all()) == 1


def test_a_forged_signature_gets_403_and_nothing_is_stored(gateway, worker, twilio):
    response = gateway.sms(RESIDENT, "Nid de poule devant le 14 rue Victor Hugo", token="not-the-auth-token")
    worker.run_once()

    assert response.status_code == 403
    with gateway.rt.db.session() as session:
        assert session.exec(select(ReceivedMessage)).all() == []
    assert all_cases(gateway.rt) == []
    assert twilio.messages == []


def test_a_second_resident_20_m_away_follows_the_existing_case(gateway, worker, twilio):
    gateway.sms(RESIDENT, "Nid de poule devant le 14 rue Victor Hugo")
    worker.run_once()
    gateway.sms(NEIGHBOUR, "gros trou dans la chaussée au 16 rue Victor Hugo")
    worker.run_once()

    [case] = all_cases(gateway.rt)
    [answer] = answers(twilio, NEIGHBOUR)
    assert case.reference in answer
    assert "enregistré" in answer  # the existing case's status
    with gateway.rt.db.session() as session:
        roles = session.exec(select(Follower.role).where(Follower.case_id == case.id).order_by(Follower.id)).all()
    assert roles == ["reporter", "follower"]


def test_gas_smell_gives_112_and_18_in_the_very_first_reply(gateway, worker, twilio):
    gateway.sms(RESIDENT, "ça sent le gaz devant le 8 rue Victor Hugo")
    worker.run_once()

    first = answers(twilio, RESIDENT)[0]
    assert first.startswith("URGENCE")
    assert "112" in first and "18" in first
    with gateway.rt.db.session() as session:
        first_queued = session.exec(select(OutboxEntry).order_by(OutboxEntry.id)).first()
    assert first_queued.purpose == "emergency"


def test_stop_is_confirmed_once_and_nothing_more_goes_out_until_start(gateway, worker, twilio):
    gateway.sms(RESIDENT, "Nid de poule devant le 14 rue Victor Hugo")
    worker.run_once()
    [case] = all_cases(gateway.rt)

    gateway.sms(RESIDENT, "STOP")
    worker.run_once()
    gateway.sms(RESIDENT, "stop")
    worker.run_once()
    with gateway.rt.db.session() as session:
        from gateway.cases.flows import change_status

        change_status(gateway.rt, session, reference=case.reference, status="validated")
    worker.run_once()
    gateway.sms(RESIDENT, "où en est " + case.reference)
    worker.run_once()

    sent = answers(twilio, RESIDENT)
    assert len(sent) == 2  # the acknowledgement, then one STOP confirmation
    assert "START" in sent[1]

    gateway.sms(RESIDENT, "START")
    worker.run_once()
    assert len(answers(twilio, RESIDENT)) == 3
    assert "de nouveau" in answers(twilio, RESIDENT)[2]


def test_status_question_answers_with_the_case_status_and_detects_a_mistyped_reference(gateway, worker, twilio):
    gateway.sms(RESIDENT, "Nid de poule devant le 14 rue Victor Hugo")
    worker.run_once()
    [case] = all_cases(gateway.rt)

    gateway.sms(NEIGHBOUR, f"où en est {case.reference} ?")
    worker.run_once()
    digits = case.reference.replace("-", "")[2:]
    wrong_last = str((int(digits[-1]) + 1) % 10)
    mistyped = f"GU-{digits[:4]}-{digits[4:7]}{wrong_last}"
    gateway.sms(NEIGHBOUR, f"où en est {mistyped}")
    worker.run_once()

    status_answer, mistyped_answer = answers(twilio, NEIGHBOUR)
    assert case.reference in status_answer and "enregistré" in status_answer
    assert mistyped in mistyped_answer and "mal recopiée" in mistyped_answer


def test_logs_at_info_hold_neither_the_phone_number_nor_the_message(gateway, worker, twilio, caplog):
    import logging

    caplog.set_level(logging.INFO)
    gateway.sms(RESIDENT, "Nid de poule devant le 14 rue Victor Hugo")
    worker.run_once()
    gateway.sms(RESIDENT, "STOP")
    worker.run_once()

    assert len(answers(twilio, RESIDENT)) == 2
    logged = caplog.text + " ".join(str(r.__dict__) for r in caplog.records)
    assert RESIDENT not in logged and RESIDENT[1:] not in logged
    assert "Nid de poule" not in logged
