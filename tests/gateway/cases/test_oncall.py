"""Emergencies and high urgency end to end: the resident's answers, the on-call alert and its acknowledgement,
the escalation down the on-call list, the daily digest of overdue cases (gateway/cases/oncall.py, digest.py)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import requests
from sqlmodel import select

from gateway.cases.agents import add_agent
from gateway.cases.flows import change_status
from gateway.errors import ConfigurationError
from store.models import Case, CaseEvent
from tests.conftest import paris_at

RESIDENT = "+33612345678"
# config/oncall.yaml, Valmont's list: an SMS, then a phone (call + SMS), then an e-mail.
FIRST, SECOND, THIRD = "+33600000101", "+33600000102", "dgs@mairie-valmont.example"
LINK = re.compile(r"https://guichet\.valmont\.example(/astreinte/\S+)")


def the_case(rt) -> Case:
    with rt.db.session() as session:
        [case] = session.exec(select(Case)).all()
        return case


def private_timeline(rt, case: Case) -> list[str]:
    with rt.db.session() as session:
        events = session.exec(select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.kind == "oncall")
                              .order_by(CaseEvent.id)).all()
        assert all(not event.public for event in events)
        return [event.message or "" for event in events]


def test_a_gas_smell_gets_112_and_grdf_first_then_the_on_call_team_gets_the_alert_and_its_ok_stops_escalation(
        front, time_machine):
    time_machine.move_to(paris_at(23, 10), tick=False)
    front.http.sms(RESIDENT, "CA SENT LE GAZ TRES FORT devant le 8 rue Victor Hugo !!!")
    front.settle()

    case = the_case(front.rt)
    first, acknowledgement = front.twilio.texts_to(RESIDENT)
    assert first.startswith("URGENCE : appelez le 112 ou le 18 maintenant.")
    assert "GRDF urgence gaz : 0 800 47 33 33." in first
    assert case.reference in acknowledgement and "astreinte" in acknowledgement
    assert "Délai" not in acknowledgement and "jours" not in acknowledgement and "Service :" not in acknowledgement

    [alert] = front.twilio.texts_to(FIRST)
    assert alert.startswith(f"ASTREINTE Urgence {case.reference} : ")
    assert case.address and case.address in alert and "Répondez OK" in alert

    front.http.sms(FIRST, "OK")
    front.settle()
    [_, thanks] = front.twilio.texts_to(FIRST)
    assert thanks.startswith(f"Merci : prise en charge de {case.reference} notée.")
    assert len(front.twilio.texts_to(RESIDENT)) == 2  # the "OK" opened no case and answered no resident
    assert the_case(front.rt).reference == case.reference  # and no second case

    time_machine.move_to(paris_at(23, 40), tick=False)
    front.worker.escalate_oncall()
    front.settle()
    assert front.twilio.texts_to(SECOND) == []
    assert private_timeline(front.rt, case) == [
        "Astreinte alertée : Astreinte technique de Valmont (démo) (SMS)",
        "Prise en charge par l'astreinte : Astreinte technique de Valmont (démo) (SMS)",
    ]


def test_without_an_ok_the_next_on_call_contact_is_called_and_texted_after_the_delay_then_the_third_by_mail(
        front, time_machine):
    time_machine.move_to(paris_at(14, 0), tick=False)
    front.http.sms(RESIDENT, "un homme est tombé il ne peut pas se relever devant le 20 rue Victor Hugo")
    front.settle()
    case = the_case(front.rt)
    assert front.twilio.texts_to(RESIDENT)[0].startswith("URGENCE : appelez le 112 ou le 15 maintenant.")
    assert len(front.twilio.texts_to(FIRST)) == 1

    time_machine.move_to(paris_at(14, 10), tick=False)
    front.worker.escalate_oncall()
    front.settle()
    assert front.twilio.texts_to(SECOND) == []  # 10 minutes: still the first contact's turn

    time_machine.move_to(paris_at(14, 16), tick=False)
    front.worker.escalate_oncall()
    front.settle()
    [alert] = front.twilio.texts_to(SECOND)
    assert case.reference in alert
    assert [call["to"] for call in front.twilio.calls] == [SECOND]

    time_machine.move_to(paris_at(14, 32), tick=False)
    front.worker.escalate_oncall()
    front.settle()
    [mail] = front.relay.to(THIRD)
    assert mail["Subject"].startswith(f"[{case.reference}] ASTREINTE")
    assert case.reference in mail.get_content()

    # The third contact opens the link of the mail and takes the case; the list stops there.
    path = LINK.search(mail.get_content()).group(1)
    page = requests.get(front.url + path, timeout=10)
    assert page.status_code == 200 and "Je prends en charge" in page.text
    taken = requests.post(front.url + path, timeout=10)
    assert "Prise en charge notée" in taken.text
    assert requests.get(front.url + path[:-3] + "xyz", timeout=10).status_code == 404
    assert private_timeline(front.rt, case) == [
        "Astreinte alertée : Astreinte technique de Valmont (démo) (SMS)",
        "Pas de prise en charge par Astreinte technique de Valmont (démo) en 15 min. "
        "Astreinte alertée : Cadre d'astreinte de Valmont (démo) (appel et SMS)",
        "Pas de prise en charge par Cadre d'astreinte de Valmont (démo) en 15 min. "
        "Astreinte alertée : Direction générale des services de Valmont (démo) (e-mail)",
        "Prise en charge par l'astreinte : Direction générale des services de Valmont (démo) (lien)",
    ]


def test_a_fallen_tree_is_treated_as_a_priority_and_the_on_call_team_is_alerted(front):
    front.http.sms(RESIDENT, "arbre tombé sur la route devant le 14 rue Victor Hugo")
    front.settle()
    case = the_case(front.rt)
    [acknowledgement] = front.twilio.texts_to(RESIDENT)
    assert acknowledgement.startswith(f"Merci ! Signalement {case.reference}")
    assert "traité en priorité" in acknowledgement and "astreinte est alertée" in acknowledgement
    [alert] = front.twilio.texts_to(FIRST)
    assert alert.startswith(f"ASTREINTE Prioritaire {case.reference} : ")


def test_an_on_call_contacts_ok_by_mail_acknowledges_the_alert_it_answers(front, time_machine):
    time_machine.move_to(paris_at(10, 0), tick=False)
    front.http.sms(RESIDENT, "câble électrique à terre devant le 30 rue Victor Hugo")
    front.settle()
    case = the_case(front.rt)
    time_machine.move_to(paris_at(10, 16), tick=False)
    front.worker.escalate_oncall()
    time_machine.move_to(paris_at(10, 32), tick=False)
    front.worker.escalate_oncall()
    front.settle()
    [alert] = front.relay.to(THIRD)

    reply = (f"From: {THIRD}\r\nTo: guichet@valmont.example\r\nSubject: Re: {alert['Subject']}\r\n"
             f"Message-ID: <ok-1@mairie-valmont.example>\r\nIn-Reply-To: {alert['Message-ID']}\r\n"
             "Content-Type: text/plain; charset=utf-8\r\n\r\nOK\r\n").encode()
    assert front.mail(reply, mail_from=THIRD)[0] == 250
    front.settle()
    [_, thanks] = front.relay.to(THIRD)
    assert f"prise en charge de {case.reference}" in thanks.get_content()
    assert private_timeline(front.rt, case)[-1].endswith("(e-mail)")


def test_a_stranger_writing_ok_is_a_resident_like_any_other(front):
    front.http.sms(RESIDENT, "OK")
    front.settle()
    [answer] = front.twilio.texts_to(RESIDENT)
    assert "astreinte" not in answer.lower()


def test_overdue_cases_reach_their_service_and_the_supervisors_in_one_daily_mail(front, time_machine):
    reported, digest_time, next_day = paris_at(9, 0, days=-20), paris_at(8, 0), paris_at(8, 0, days=1)
    time_machine.move_to(reported, tick=False)
    front.http.sms(RESIDENT, "Nid de poule devant le 14 rue Victor Hugo")
    front.settle()
    case = the_case(front.rt)
    with front.rt.db.session() as session:
        add_agent(session, email="chef@valmont.example", name="Chef", password="correct horse battery",
                  role="supervisor", services=[], known_services={s.code for s in front.rt.router.services.all()})

    time_machine.move_to(digest_time - timedelta(minutes=5), tick=False)
    assert front.worker.digest() == 0  # not before its hour
    time_machine.move_to(digest_time, tick=False)
    assert front.worker.digest() == 2
    assert front.worker.digest() == 0  # once a day, whichever worker runs it
    front.settle()
    [to_service] = front.relay.to("voirie@mairie-valmont.example")
    [to_supervisor] = front.relay.to("chef@valmont.example")
    assert to_service["Subject"] == "Dossiers en retard"
    for mail in (to_service, to_supervisor):
        text = mail.get_content()
        assert f"- {case.reference} : " in text and "Voirie (1)" in text
        assert "Nid de poule" not in text  # the resident's words stay in the back office

    time_machine.move_to(next_day, tick=False)
    assert front.worker.digest() == 2  # the next day, again, while the case is overdue


def test_a_case_resolved_before_anyone_answered_wakes_no_further_on_call_contact(front, time_machine):
    time_machine.move_to(paris_at(15, 0), tick=False)
    front.http.sms(RESIDENT, "plaque d'égout arrachée devant le 14 rue Victor Hugo")
    front.settle()
    case = the_case(front.rt)
    assert len(front.twilio.texts_to(FIRST)) == 1
    with front.rt.db.session() as session:
        change_status(front.rt, session, reference=case.reference, status="resolved")

    time_machine.move_to(paris_at(15, 20), tick=False)
    assert front.worker.escalate_oncall() == 0
    front.settle()
    assert front.twilio.texts_to(SECOND) == []
    assert private_timeline(front.rt, case)[-1].endswith("dossier clos, astreinte arrêtée.")


def test_a_malformed_on_call_list_stops_the_start_with_a_sentence_naming_the_contact(config_dir, make_runtime):
    (config_dir / "oncall.yaml").write_text(
        "communes:\n  valmont:\n    - {name: Astreinte, channel: pigeon, address: '+33600000101'}\n", encoding="utf-8")
    with pytest.raises(ConfigurationError, match="contact 'Astreinte' of valmont has channel 'pigeon'"):
        make_runtime(config_dir=config_dir)
