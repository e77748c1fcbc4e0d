"""Ideas in Open311 GeoReport v2 over real HTTP: listed only when asked (`kind`), with their official answer in
`status_notes`, their own statuses, supports and référent; problems' listings stay as they were."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree

import requests

from tests.gateway.ideas.test_public_pages import PERSONAL, Ideas, ideas  # noqa: F401 (the fixture)


def listing(gateway, resource: str = "requests.json", **params) -> requests.Response:
    return requests.get(f"{gateway.url}/open311/v2/{resource}", params=params, timeout=10)


def test_requests_list_problems_only_unless_ideas_are_asked_for(gateway, ideas: Ideas):  # noqa: F811
    default = listing(gateway).json()
    only_ideas = listing(gateway, kind="idea").json()
    both = listing(gateway, kind="all").json()
    open_ideas = listing(gateway, kind="idea", status="open").json()

    assert [(r["service_request_id"], r["kind"]) for r in default] == [(ideas.pothole, "problem")]
    assert [r["service_request_id"] for r in only_ideas] == [ideas.cycle_lane, ideas.fountain, ideas.benches,
                                                             ideas.garden]
    assert {r["kind"] for r in only_ideas} == {"idea"}
    assert len(both) == 5
    assert [r["service_request_id"] for r in open_ideas] == [ideas.cycle_lane, ideas.benches]


def test_an_idea_carries_its_decision_text_its_own_status_supports_and_referent(gateway, ideas: Ideas):  # noqa: F811
    entries = {r["service_request_id"]: r for r in listing(gateway, kind="idea").json()}
    benches, cycle, fountain, garden = (entries[ref] for ref in (ideas.benches, ideas.cycle_lane, ideas.fountain,
                                                                   ideas.garden))

    assert benches["status_notes"] == ("Retenue. Les bancs seront posés près de l'aire de jeux. Renseignements : "
                                       "[téléphone masqué]. Coût prévu : 4 500 €. "
                                       "Réalisation du 01/03/2027 au 30/06/2027.")
    assert (benches["status"], benches["idea_status"], benches["referent"], benches["progress"]) == (
        "open", "go", "Paul Durand", 60)
    assert benches["service_code"] == "espaces_verts"
    assert (cycle["status"], cycle["idea_status"], cycle["supports"]) == ("open", "under_study", 2)
    assert cycle["service_notice"] == "Décision attendue le 15/01/2027."
    assert cycle["expected_datetime"].startswith("2027-01-15T00:00:00")
    assert (fountain["status"], fountain["status_notes"]) == ("closed", "Non retenue. Le réseau d'eau ne le permet pas.")
    assert (garden["status"], garden["idea_status"], garden["supports"]) == ("closed", "done", 2)
    assert [datum for datum in PERSONAL if datum in str(entries)] == []


def test_one_idea_by_its_id_in_xml_and_the_updates_of_ideas_when_asked(gateway, ideas: Ideas):  # noqa: F811
    one = listing(gateway, f"requests/{ideas.benches}.xml")
    default_updates = listing(gateway, "servicerequestupdates.json").json()
    idea_updates = listing(gateway, "servicerequestupdates.json", kind="idea").json()
    refused = listing(gateway, kind="everything")

    request = ElementTree.fromstring(one.content).find("request")
    assert (request.findtext("kind"), request.findtext("idea_status"), request.findtext("referent")) == (
        "idea", "go", "Paul Durand")
    assert request.findtext("status_notes").startswith("Retenue. Les bancs seront posés")
    assert ideas.benches not in {u["service_request_id"] for u in default_updates}
    assert [(u["service_request_id"], u["status"]) for u in idea_updates] == [(ideas.benches, "planned")]
    assert refused.status_code == 400 and refused.json()[0]["description"] == "kind must be problem, idea or all."


def test_the_agents_api_lists_ideas_apart_with_supports_referent_answer_and_steps(gateway, ideas: Ideas):  # noqa: F811
    from tests.gateway.web.backoffice.conftest import make_agent

    token = make_agent(gateway.rt, "superviseur@valmont.localhost", role="supervisor", token=True)
    headers = {"Authorization": f"Bearer {token}"}
    listed = requests.get(f"{gateway.url}/api/v1/ideas", params={"theme": "espaces_verts"}, headers=headers,
                          timeout=10).json()
    one = requests.get(f"{gateway.url}/api/v1/ideas/{ideas.benches}", headers=headers, timeout=10).json()
    problem = requests.get(f"{gateway.url}/api/v1/ideas/{ideas.pothole}", headers=headers, timeout=10)
    anonymous = requests.get(f"{gateway.url}/api/v1/ideas", timeout=10)

    assert [(i["reference"], i["kind"]) for i in listed["ideas"]] == [(ideas.benches, "idea"), (ideas.garden, "idea")]
    assert (one["status"], one["referent"], one["cost_eur"], one["period_end"], one["progress"]) == (
        "go", "Paul Durand", 4500.0, "2027-06-30", 60)
    assert one["events"] == ["EV-1234"]
    assert [(s["title"], s["progress"]) for s in one["timeline"] if s["kind"] == "step"] == [
        ("Commande des bancs", 40), ("Pose des premiers bancs", 60)]
    assert problem.status_code == 404 and anonymous.status_code == 401


def test_an_idea_is_described_as_its_page_shows_it_without_the_words_that_named_it_an_idea(gateway):
    from store import cases as case_store

    with gateway.rt.db.session() as session:
        idea = case_store.create(session, prefix="GU", kind="idea", category="sport", territory="valmont",
                                 description="j'ai une idée : un pumptrack au stade, appelez-moi au 06 98 76 54 32")
        reference = idea.reference

    [entry] = listing(gateway, f"requests/{reference}.json").json()
    assert entry["description"] == "Un pumptrack au stade, appelez-moi au [téléphone masqué]"
