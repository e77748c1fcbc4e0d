"""A reporter's answer to "Écrire au déclarant": on the case, and unread in the back office until an agent opens it."""

from __future__ import annotations

from sqlmodel import select

from store.models import Case, CaseEvent
from tests.gateway.web.backoffice.conftest import RESIDENT, Browser, make_agent

UNREAD = "réponse non lue"


def page_of(case: Case) -> str:
    return f"/agents/dossiers/{case.reference}"


def answers(twilio, number: str) -> list[str]:
    return [m["body"] for m in twilio.messages if m["to"] == number]


def test_the_reporters_answer_shows_unread_in_the_queue_and_on_the_case_until_the_agent_opens_it(
        gateway, worker, agent, voirie, twilio):
    agent.post(page_of(voirie) + "/message", {"text": "Quel numero exactement ?"}, form=page_of(voirie))
    worker.run_once()
    assert UNREAD not in agent.get("/agents/").text

    gateway.sms(RESIDENT, "c'est devant le 16, cote pair")
    worker.run_once()

    assert answers(twilio, RESIDENT)[-1] == f"Merci, votre réponse est transmise au service ({voirie.reference})."
    queue = agent.get("/agents/").text
    assert UNREAD in queue and voirie.reference in queue
    first_visit = agent.get(page_of(voirie)).text
    assert 'id="non-lu"' in first_visit and "c&#39;est devant le 16, cote pair" in first_visit
    second_visit = agent.get(page_of(voirie)).text
    assert 'id="non-lu"' not in second_visit and "c&#39;est devant le 16, cote pair" in second_visit
    assert UNREAD not in agent.get("/agents/").text
    with gateway.rt.db.session() as session:
        [case] = session.exec(select(Case)).all()
        kinds = session.exec(select(CaseEvent.kind).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)).all()
    assert kinds == ["created", "agent_message", "resident_message"]


def test_an_agent_of_another_service_does_not_clear_the_marker(gateway, worker, agent, voirie):
    agent.post(page_of(voirie) + "/message", {"text": "Quel numero exactement ?"}, form=page_of(voirie))
    worker.run_once()
    gateway.sms(RESIDENT, "au 16")
    worker.run_once()
    make_agent(gateway.rt, "eclairage@mairie.example", services=("valmont-eclairage",))
    other = Browser(gateway.url)
    other.login("eclairage@mairie.example")

    assert other.get(page_of(voirie)).status_code == 404

    assert UNREAD in agent.get("/agents/").text
