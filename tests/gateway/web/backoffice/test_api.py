"""The agents' JSON API: bearer tokens, the same permissions and audit as the back office."""

from __future__ import annotations

import base64

import requests
from sqlmodel import select

from store.models import AuditEntry, Case, CaseEvent
from tests.gateway.web.backoffice.conftest import OTHER, RESIDENT, make_agent, report
from tests.gateway.web.backoffice.test_backoffice import answers, tiny_png


class Api:
    """The API as a client with a token sees it."""

    def __init__(self, base: str, token: str | None):
        self.base = base + "/api/v1"
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def get(self, path: str, **params) -> requests.Response:
        return requests.get(self.base + path, headers=self.headers, params=params, timeout=10)

    def post(self, path: str, body: dict) -> requests.Response:
        return requests.post(self.base + path, headers=self.headers, json=body, timeout=10)


def test_a_good_token_lists_and_shows_the_cases_of_the_agents_service(gateway, worker, voirie):
    parking = report(gateway, worker, OTHER, "voiture garée sur le trottoir devant le 12 rue de la Gare")
    api = Api(gateway.url, make_agent(gateway.rt, "voirie@mairie.example", services=("valmont-voirie",), token=True))

    listed = api.get("/cases", status="received")
    shown = api.get(f"/cases/{voirie.reference}")

    assert listed.status_code == 200
    assert [c["reference"] for c in listed.json()["cases"]] == [voirie.reference]
    assert parking.reference not in listed.text
    body = shown.json()
    assert (body["reference"], body["status"], body["service"], body["followers"]) == (
        voirie.reference, "received", "valmont-voirie", 0)
    assert body["timeline"][0]["kind"] == "created"


def test_a_missing_or_bad_token_gets_401_in_json(gateway, voirie):
    make_agent(gateway.rt, "voirie@mairie.example", services=("valmont-voirie",), token=True)

    missing = Api(gateway.url, None).get("/cases")
    bad = Api(gateway.url, "gu_not-a-token").post(f"/cases/{voirie.reference}/status", {"status": "resolved"})

    assert (missing.status_code, bad.status_code) == (401, 401)
    assert "token" in missing.json()["error"]
    assert bad.headers["WWW-Authenticate"].startswith("Bearer")
    with gateway.rt.db.session() as session:
        assert session.get(Case, voirie.id).status == "received"


def test_another_services_case_is_404_and_unchanged(gateway, worker, voirie, twilio):
    api = Api(gateway.url, make_agent(gateway.rt, "police@mairie.example", services=("valmont-police",), token=True))
    twilio.reset()

    shown = api.get(f"/cases/{voirie.reference}")
    changed = api.post(f"/cases/{voirie.reference}/status", {"status": "resolved", "message": "fini"})
    noted = api.post(f"/cases/{voirie.reference}/notes", {"text": "vu"})
    worker.run_once()

    assert (shown.status_code, changed.status_code, noted.status_code) == (404, 404, 404)
    assert "aucun dossier" in changed.json()["error"]
    with gateway.rt.db.session() as session:
        assert session.get(Case, voirie.id).status == "received"
    assert twilio.messages == []


def test_the_actions_through_the_api_reach_the_resident_and_are_audited(gateway, worker, voirie, twilio):
    api = Api(gateway.url, make_agent(gateway.rt, "voirie@mairie.example", services=("valmont-voirie",), token=True))
    other = report(gateway, worker, OTHER, "Nid de poule devant le 40 rue Balzac")
    twilio.reset()

    status = api.post(f"/cases/{voirie.reference}/status",
                      {"status": "validated", "message": "Intervention jeudi",
                       "photo_base64": base64.b64encode(tiny_png()).decode()})
    message = api.post(f"/cases/{voirie.reference}/messages", {"text": "Merci pour la photo"})
    note = api.post(f"/cases/{voirie.reference}/notes", {"text": "Equipe B"})
    merge = api.post(f"/cases/{other.reference}/merge", {"target": voirie.reference})
    reroute = api.post(f"/cases/{voirie.reference}/reroute", {"service": "valmont-mobilite"})
    worker.run_once()

    assert [r.status_code for r in (status, message, note, merge, reroute)] == [200, 202, 201, 200, 200]
    assert status.json()["status"] == "validated"
    assert reroute.json()["service"] == "valmont-mobilite"
    to_reporter = answers(twilio, RESIDENT)
    assert any("Intervention jeudi" in body for body in to_reporter)
    assert any("Merci pour la photo" in body for body in to_reporter)
    assert any(voirie.reference in body for body in answers(twilio, OTHER))
    with gateway.rt.db.session() as session:
        audit = session.exec(select(AuditEntry.action, AuditEntry.via).order_by(AuditEntry.id)).all()
        photo = session.exec(select(CaseEvent.photo).where(CaseEvent.kind == "status",
                                                           CaseEvent.case_id == voirie.id)).one()
    assert audit == [("status", "api"), ("message", "api"), ("note", "api"), ("merge", "api"), ("reroute", "api")]
    assert photo is not None
    assert api.get(f"/cases/{voirie.reference}").status_code == 404  # rerouted away


def test_bad_input_gets_422_and_a_conflict_409(gateway, voirie):
    api = Api(gateway.url, make_agent(gateway.rt, "voirie@mairie.example", services=("valmont-voirie",), token=True))

    no_status = api.post(f"/cases/{voirie.reference}/status", {"message": "x"})
    unknown = api.post(f"/cases/{voirie.reference}/status", {"status": "fixed"})
    impossible = api.post(f"/cases/{voirie.reference}/status", {"status": "done"})
    bad_service = api.post(f"/cases/{voirie.reference}/reroute", {"service": "nowhere"})
    not_json = requests.post(api.base + f"/cases/{voirie.reference}/notes", headers={
        **api.headers, "Content-Type": "application/json"}, data="[1, 2", timeout=10)

    assert [r.status_code for r in (no_status, unknown, bad_service, not_json)] == [422] * 4
    assert impossible.status_code == 422  # not a problem's status at all
    resolved = api.post(f"/cases/{voirie.reference}/status", {"status": "resolved"})
    again = api.post(f"/cases/{voirie.reference}/status", {"status": "resolved"})
    assert (resolved.status_code, again.status_code) == (200, 409)
    assert "resolved" in again.json()["error"]
