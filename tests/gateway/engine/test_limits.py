"""Flood limits per person: through the real webhook and worker, cases and answers stop at the town's limits,
every message is still stored, one notice is sent, and supervisors see who was held."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from sqlmodel import func, select

from channels.standins.twilio import inbound_whatsapp_params
from gateway.outbound.worker import Worker
from store.models import Case, Contact, OutboxEntry, ReceivedMessage
from tests.conftest import ACCOUNT_SID, GATEWAY_NUMBER, serve_app
from tests.gateway.web.backoffice.conftest import Browser, make_agent

FLOODER = "+33612121212"
NOTICE = ("Vous avez envoyé beaucoup de messages en peu de temps. Nous les gardons tous et un agent va les "
          "regarder ; nous vous répondrons de nouveau demain.")
STREETS = ["rue Victor Hugo", "avenue Jean Jaurès", "boulevard Gambetta", "rue de la République", "Grande Rue"]
PROBLEMS = ["Nid de poule devant le {n} {s}", "Lampadaire éteint au {n} {s}", "Dépôt sauvage {n} {s}",
            "tag sur le mur au {n} {s}", "Nid de poule devant le {n} {s}"]


def report(i: int) -> str:
    """The i-th of many different reports: other problems, other streets, numbers far apart."""
    return PROBLEMS[i % len(PROBLEMS)].format(n=1 + (i * 7) % 50, s=STREETS[(i // len(PROBLEMS)) % len(STREETS)])


def counted(rt, model, *where) -> int:
    with rt.db.session() as session:
        return session.exec(select(func.count()).select_from(model).where(*where)).one()


def to(twilio, number: str) -> list[str]:
    return [m["body"] for m in twilio.messages if m["to"] in (number, f"whatsapp:{number}")]


def whatsapp(gateway, sender: str, body: str):
    params = inbound_whatsapp_params(from_=sender, to=GATEWAY_NUMBER, body=body, account_sid=ACCOUNT_SID)
    return gateway.post_signed("/webhooks/twilio/messages", params)


def test_one_number_sending_100_reports_in_a_minute_gets_the_configured_cases_and_one_notice(
        rt, make_runtime, twilio, time_machine):
    flood = make_runtime(max_cases_per_hour=5, max_replies_per_hour=20)
    start = datetime.now(UTC).replace(microsecond=0)
    with serve_app(flood) as gateway:
        worker = Worker(flood)
        statuses = []
        for i in range(100):
            time_machine.move_to(start + timedelta(seconds=0.5 * i), tick=False)  # 100 reports within 50 s
            statuses.append(gateway.sms(FLOODER, report(i)).status_code)
            worker.run_once()

    answers = to(twilio, FLOODER)
    print(f"\nflood of 100 SMS in 50 s: {counted(rt, Case)} cases, {len(answers)} answers sent to Twilio, "
          f"{counted(rt, ReceivedMessage)} messages stored")
    assert statuses == [200] * 100
    assert counted(rt, Case) == 5
    assert len(answers) == 6 and all("GU-" in answer for answer in answers[:5])
    assert answers[5] == NOTICE
    assert counted(rt, ReceivedMessage) == 100
    assert counted(rt, ReceivedMessage, ReceivedMessage.status == "done") == 100  # nothing left failing or retried


def test_sms_and_whatsapp_from_one_number_count_once(rt, make_runtime, twilio):
    limited = make_runtime(max_cases_per_hour=2)
    with serve_app(limited) as gateway:
        worker = Worker(limited)
        for i in range(6):
            sent = gateway.sms(FLOODER, report(i)) if i % 2 == 0 else whatsapp(gateway, FLOODER, report(i))
            assert sent.status_code == 200
            worker.run_once()

    answers = to(twilio, FLOODER)
    assert counted(rt, Case) == 2
    assert answers.count(NOTICE) == 1 and len(answers) == 3
    assert counted(rt, Contact) == 1


def test_workers_handling_both_channels_at_once_still_stop_at_the_limit(rt, make_runtime, twilio):
    limited = make_runtime(max_cases_per_hour=3)
    with serve_app(limited) as gateway:
        for i in range(12):
            sent = gateway.sms(FLOODER, report(i)) if i % 2 == 0 else whatsapp(gateway, FLOODER, report(i))
            assert sent.status_code == 200
        workers = [Worker(limited) for _ in range(4)]
        threads = [threading.Thread(target=w.handle_inbound) for w in workers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        workers[0].send_due()

    assert counted(rt, Case) == 3
    assert counted(rt, ReceivedMessage, ReceivedMessage.status == "done") == 12
    assert to(twilio, FLOODER).count(NOTICE) == 1


def test_past_the_answers_limit_silence_until_the_next_day(rt, make_runtime, twilio, time_machine):
    limited = make_runtime(max_replies_per_hour=3, max_replies_per_day=3)
    start = datetime.now(UTC).replace(microsecond=0)
    with serve_app(limited) as gateway:
        worker = Worker(limited)
        for minute in range(6):
            time_machine.move_to(start + timedelta(minutes=minute), tick=False)
            gateway.sms(FLOODER, "Bonjour")
            worker.run_once()
        held = to(twilio, FLOODER)
        time_machine.move_to(start + timedelta(hours=24, minutes=10), tick=False)
        gateway.sms(FLOODER, "Bonjour")
        worker.run_once()

    assert held[3:] == [NOTICE] and len(held) == 4
    assert len(to(twilio, FLOODER)) == 5 and to(twilio, FLOODER)[4] != NOTICE
    assert counted(rt, OutboxEntry, OutboxEntry.body == NOTICE) == 1


def test_a_supervisor_sees_who_was_held_and_lets_them_through(rt, make_runtime, twilio):
    limited = make_runtime(max_replies_per_hour=1)
    with serve_app(limited) as gateway:
        worker = Worker(limited)
        for text in ("Bonjour", "Bonjour encore", "Allô ?"):
            gateway.sms(FLOODER, text)
            worker.run_once()
        make_agent(limited, "chef@mairie.example", role="supervisor")
        make_agent(limited, "voirie@mairie.example", services=("valmont-voirie",))
        chief, agent = Browser(gateway.url), Browser(gateway.url)
        chief.login("chef@mairie.example")
        agent.login("voirie@mairie.example")
        banner = chief.get("/agents/").text
        page = chief.get("/agents/limites").text
        refused = agent.get("/agents/limites").status_code
        with rt.db.session() as session:
            contact_id = session.exec(select(Contact.id)).one()
        lifted = chief.post(f"/agents/limites/{contact_id}/lever", {}, form="/agents/limites")
        gateway.sms(FLOODER, "Nid de poule devant le 14 rue Victor Hugo")
        worker.run_once()

    assert "1 personne a atteint la limite de messages" in banner
    assert FLOODER in page and "Allô ?" in page and "3 message(s)" in page
    assert refused == 403
    assert lifted.status_code == 200 and "Personne n'a atteint" in lifted.text
    assert "GU-" in to(twilio, FLOODER)[-1]
    assert counted(rt, Case) == 1


def test_a_person_held_by_a_limit_can_still_have_their_data_erased(rt, make_runtime, twilio):
    flood = make_runtime(max_cases_per_hour=1, max_replies_per_hour=2)
    with serve_app(flood) as gateway:
        worker = Worker(flood)
        for i in range(4):
            gateway.sms(FLOODER, report(i))
            worker.run_once()
        held = len(to(twilio, FLOODER))
        gateway.sms(FLOODER, "SUPPRIMER MES DONNÉES")
        worker.run_once()
        gateway.sms(FLOODER, "OUI")
        worker.run_once()

    answers = to(twilio, FLOODER)
    assert held == 2  # the first reference, then the notice
    assert answers[held].startswith(flood.messages.text("erase_confirm")[:30])
    assert answers[held + 1] == flood.messages.text("erased")
