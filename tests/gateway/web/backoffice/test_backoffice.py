"""The agents' back office over HTTP: what an agent sees of their services, what residents receive from it."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

from sqlmodel import select

from store.models import Attachment, AuditEntry, Case, CaseEvent, Follower, OutboxEntry
from tests.gateway.web.backoffice.conftest import NEIGHBOUR, OTHER, RESIDENT, Browser, make_agent, report


def answers(twilio, number: str) -> list[str]:
    return [m["body"] for m in twilio.messages if m["to"] == number]


def audit_actions(rt, case: Case | None = None) -> list[str]:
    with rt.db.session() as session:
        query = select(AuditEntry).order_by(AuditEntry.id)
        if case is not None:
            query = query.where(AuditEntry.case_id == case.id)
        return [entry.action for entry in session.exec(query).all()]


def tiny_png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + chunk(b"IEND", b""))


def page_of(case: Case) -> str:
    return f"/agents/dossiers/{case.reference}"


def test_login_is_required_and_a_wrong_password_is_refused(gateway):
    make_agent(gateway.rt, "voirie@mairie.example", services=("valmont-voirie",))
    browser = Browser(gateway.url)

    assert browser.get("/agents/", allow_redirects=False).status_code == 302
    refused = browser.login("voirie@mairie.example", "not the password")
    accepted = browser.login("voirie@mairie.example")

    assert refused.status_code == 401
    assert "incorrect" in refused.text
    assert accepted.status_code == 200
    assert 'lang="fr"' in accepted.text
    assert audit_actions(gateway.rt) == ["login_failed", "login"]


def test_the_queue_lists_the_cases_of_the_agents_service_only(gateway, worker, agent, voirie):
    parking = report(gateway, worker, OTHER, "voiture garée sur le trottoir devant le 12 rue de la Gare")
    assert parking.service == "valmont-police"

    listed = agent.get("/agents/")
    mapped = agent.get("/agents/carte.json").json()

    assert voirie.reference in listed.text
    assert parking.reference not in listed.text
    assert "badge--red" in listed.text  # received is red
    assert [c["reference"] for c in mapped["cases"]] == [voirie.reference]
    assert mapped["cases"][0]["colour"] == "red"
    assert agent.get("/agents/carte").status_code == 200


def test_the_queue_filters_by_status_category_territory_urgency_and_overdue(gateway, worker, agent, voirie):
    assert voirie.reference in agent.get("/agents/?status=received&category=chaussee&territory=valmont").text
    assert voirie.reference in agent.get("/agents/?territory=valmont-centre&urgency=normal").text
    assert voirie.reference not in agent.get("/agents/?status=resolved").text
    assert voirie.reference not in agent.get("/agents/?territory=valmont-gare").text
    assert voirie.reference not in agent.get("/agents/?urgency=high").text
    assert voirie.reference not in agent.get("/agents/?overdue=1").text


def test_an_agent_of_another_service_can_neither_see_nor_change_the_case(gateway, worker, voirie, twilio):
    make_agent(gateway.rt, "police@mairie.example", services=("valmont-police",))
    police = Browser(gateway.url)
    police.login("police@mairie.example")
    twilio.reset()

    page = police.get(page_of(voirie))
    token = police.csrf("/agents/")
    change = police.http.post(gateway.url + page_of(voirie) + "/statut",
                              data={"csrf_token": token, "status": "resolved", "message": "fini"})
    note = police.http.post(gateway.url + page_of(voirie) + "/note", data={"csrf_token": token, "text": "vu"})
    worker.run_once()

    assert (page.status_code, change.status_code, note.status_code) == (404, 404, 404)
    assert voirie.reference not in police.get("/agents/?status=all").text
    assert police.get("/agents/carte.json").json() == {"cases": []}
    with gateway.rt.db.session() as session:
        assert session.get(Case, voirie.id).status == "received"
    assert twilio.messages == []


def test_a_supervisor_sees_every_service(gateway, worker, voirie):
    parking = report(gateway, worker, OTHER, "voiture garée sur le trottoir devant le 12 rue de la Gare")
    make_agent(gateway.rt, "chef@mairie.example", role="supervisor")
    chief = Browser(gateway.url)
    chief.login("chef@mairie.example")

    listed = chief.get("/agents/").text

    assert voirie.reference in listed and parking.reference in listed


def test_a_form_without_its_csrf_token_is_refused_and_nothing_changes(gateway, worker, agent, voirie, twilio):
    twilio.reset()
    missing = agent.http.post(gateway.url + page_of(voirie) + "/statut", data={"status": "resolved"})
    forged = agent.http.post(gateway.url + page_of(voirie) + "/statut",
                             data={"status": "resolved", "csrf_token": "forged"})
    worker.run_once()

    assert (missing.status_code, forged.status_code) == (400, 400)
    with gateway.rt.db.session() as session:
        assert session.get(Case, voirie.id).status == "received"
    assert twilio.messages == []
    assert "status" not in audit_actions(gateway.rt)


def test_a_status_change_with_a_message_and_a_photo_reaches_the_reporter(gateway, worker, agent, voirie, twilio):
    twilio.reset()
    photo = tiny_png()

    response = agent.post(page_of(voirie) + "/statut", {"status": "resolved", "message": "Trou rebouché ce matin"},
                          form=page_of(voirie), files={"photo": ("apres.png", io.BytesIO(photo), "image/png")})
    worker.run_once()

    assert response.status_code == 200
    assert "Statut modifié" in response.text
    assert "badge--green" in response.text  # resolved is green
    [sent] = answers(twilio, RESIDENT)
    assert voirie.reference in sent and "Trou rebouché ce matin" in sent
    with gateway.rt.db.session() as session:
        [kept] = session.exec(select(Attachment).where(Attachment.case_id == voirie.id)).all()
        event = session.exec(select(CaseEvent).where(CaseEvent.case_id == voirie.id, CaseEvent.kind == "status")).one()
    assert kept.source == "agent"
    assert Path(kept.path).read_bytes() == photo
    assert Path(kept.path).is_relative_to(gateway.rt.settings.media_dir)
    assert event.photo == kept.path and event.status_to == "resolved"
    assert agent.get(f"/agents/photos/{kept.id}").content == photo
    assert audit_actions(gateway.rt, voirie) == ["status"]


def test_an_impossible_transition_is_explained_and_changes_nothing(gateway, worker, agent, voirie):
    response = agent.post(page_of(voirie) + "/statut", {"status": "done"}, form=page_of(voirie))

    assert "Action impossible" in response.text
    with gateway.rt.db.session() as session:
        assert session.get(Case, voirie.id).status == "received"


def test_writing_to_the_reporter_sends_on_their_channel_to_them_only(gateway, worker, agent, voirie, twilio):
    report(gateway, worker, NEIGHBOUR, "gros trou dans la chaussée au 16 rue Victor Hugo")
    twilio.reset()

    agent.post(page_of(voirie) + "/message", {"text": "Pouvez-vous dire de quel cote de la rue ?"},
               form=page_of(voirie))
    worker.run_once()

    [sent] = answers(twilio, RESIDENT)
    assert "Pouvez-vous dire de quel cote de la rue ?" in sent and voirie.reference in sent
    assert answers(twilio, NEIGHBOUR) == []
    with gateway.rt.db.session() as session:
        message = session.exec(select(OutboxEntry).where(OutboxEntry.purpose == "agent_message")).one()
        entry = session.exec(select(AuditEntry).where(AuditEntry.action == "message")).one()
    assert message.meta["reference"] == voirie.reference
    assert entry.detail["channel"] == "sms"
    assert RESIDENT not in str(entry.detail)


def test_rerouting_hands_the_case_to_the_other_service_silently(gateway, worker, agent, voirie, twilio):
    twilio.reset()

    response = agent.post(page_of(voirie) + "/reorienter", {"service": "valmont-police", "reason": "stationnement"},
                          form=page_of(voirie))
    worker.run_once()

    assert response.url.endswith("/agents/")  # no longer theirs
    with gateway.rt.db.session() as session:
        assert session.get(Case, voirie.id).service == "valmont-police"
        event = session.exec(select(CaseEvent).where(CaseEvent.case_id == voirie.id, CaseEvent.kind == "rerouted")).one()
    assert event.public is False
    assert agent.get(page_of(voirie)).status_code == 404
    assert twilio.messages == []
    assert audit_actions(gateway.rt, voirie) == ["reroute"]


def test_merging_makes_a_duplicate_whose_followers_join_the_other_case(gateway, worker, agent, voirie, twilio):
    other = report(gateway, worker, OTHER, "Nid de poule devant le 40 rue Balzac")
    assert other.id != voirie.id and other.service == "valmont-voirie"
    twilio.reset()

    response = agent.post(page_of(other) + "/fusionner", {"target": voirie.reference}, form=page_of(other))
    worker.run_once()

    assert response.url.endswith(page_of(voirie))
    with gateway.rt.db.session() as session:
        merged = session.get(Case, other.id)
        joined = session.exec(select(Follower).where(Follower.case_id == voirie.id)).all()
    assert (merged.status, merged.merged_into_id) == ("duplicate", voirie.id)
    assert len(joined) == 2
    [told] = answers(twilio, OTHER)
    assert voirie.reference in told
    assert "abonnés" in response.text and ">1 personne(s)" in response.text
    assert audit_actions(gateway.rt, other) == ["merge"]


def test_an_internal_note_is_never_public_nor_sent(gateway, worker, agent, voirie, twilio):
    twilio.reset()

    response = agent.post(page_of(voirie) + "/note", {"text": "Voir avec l'entreprise Durand"}, form=page_of(voirie))
    worker.run_once()

    assert "Voir avec l&#39;entreprise Durand" in response.text
    with gateway.rt.db.session() as session:
        note = session.exec(select(CaseEvent).where(CaseEvent.kind == "note")).one()
    assert note.public is False
    assert twilio.messages == []
    assert audit_actions(gateway.rt, voirie) == ["note"]
    journal = agent.get("/agents/journal").text
    assert "Note interne" in journal and voirie.reference in journal


def test_a_residents_script_shows_as_text(gateway, worker, agent):
    case = report(gateway, worker, RESIDENT, "Nid de poule <script>alert(1)</script> devant le 14 rue Victor Hugo")
    report(gateway, worker, NEIGHBOUR, "gros trou <script>alert(2)</script> au 16 rue Victor Hugo")

    page = agent.get(page_of(case)).text

    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert(2)" not in page
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in page  # the neighbour's report of the same problem


def test_the_case_page_shows_the_residents_messages_followers_and_reporter(gateway, worker, agent, voirie):
    report(gateway, worker, NEIGHBOUR, "gros trou dans la chaussée au 16 rue Victor Hugo")

    page = agent.get(page_of(voirie)).text

    assert "Nid de poule devant le 14 rue Victor Hugo" in page
    assert "gros trou dans la chaussée au 16 rue Victor Hugo" in page
    assert ">1 personne(s)" in page
    assert RESIDENT in page  # agents need the reporter's number


def test_only_admins_manage_users_and_tokens(gateway, agent):
    make_agent(gateway.rt, "admin@mairie.example", role="admin")
    admin = Browser(gateway.url)
    admin.login("admin@mairie.example")

    assert agent.get("/agents/utilisateurs").status_code == 403
    created = admin.post("/agents/utilisateurs", {"email": "neuf@mairie.example", "name": "Neuf",
                                                  "password": "un mot de passe long", "role": "agent",
                                                  "services": ["valmont-eclairage"]}, form="/agents/utilisateurs")
    assert "Compte créé pour neuf@mairie.example" in created.text
    assert Browser(gateway.url).login("neuf@mairie.example", "un mot de passe long").status_code == 200


def test_the_journal_reads_in_french_for_a_change_and_an_erasure_made_from_the_command_line(gateway, voirie):
    from click.testing import CliRunner

    from gateway.cli import main
    from tests.conftest import gateway_env

    env = gateway_env(gateway.rt)
    for words in (["case", "update", voirie.reference, "--status", "validated", "--message", "Intervention jeudi",
                   "--cost", "120"], ["contact", "erase", RESIDENT, "--yes"]):
        assert CliRunner().invoke(main, words, env=env).exit_code == 0
    make_agent(gateway.rt, "chef@mairie.example", role="supervisor")
    chief = Browser(gateway.url)
    assert chief.login("chef@mairie.example").status_code == 200

    journal = chief.get("/agents/journal").text

    assert "Effacement d&#39;un habitant" in journal and "identités : 1 ; messages : 1 ; dossiers : 1" in journal
    assert "statut : validé par le service" in journal and "photo : non" in journal and "coût estimé : 120 €" in journal
    assert "ligne de commande" in journal
    for raw in ("contact_erase", "identities :", "status :", "False", ">cli<"):
        assert raw not in journal
