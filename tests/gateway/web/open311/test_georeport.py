"""Open311 GeoReport v2 over real HTTP, read by a third-party client (georeport) in XML and JSON."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree
from datetime import datetime, timedelta

import pytest
import requests
from georeport import GeoReport
from sqlmodel import select

from gateway.cases.flows import change_status
from gateway.cases.privacy import PHONE, PLATE
from store.models import Case, Identity
from tests.images import image_bytes, size_of

RESIDENT = "+33612345678"
API_KEY = "key-of-the-valmont-app"
VALMONT = {"lat": "47.388", "long": "0.6822"}  # rue Victor Hugo
PARIS = {"lat": "48.8566", "long": "2.3522"}  # outside every territory
W3C_WITH_ZONE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2})$")


@pytest.fixture(autouse=True)
def api_keys(rt, monkeypatch):
    monkeypatch.setattr(rt, "settings", rt.settings.replace(open311_api_keys=f"another-key, {API_KEY}"))


def root(gateway) -> str:
    return gateway.url + "/open311/v2"


def client(gateway, fmt: str) -> GeoReport:
    return GeoReport(root(gateway), output_format=fmt)


def as_list(value) -> list:
    """xmltodict gives a dict for one repeated element and a list for several."""
    return value if isinstance(value, list) else [value]


def post_request(gateway, fmt: str = "json", **fields) -> requests.Response:
    form = {"api_key": API_KEY, "service_code": "chaussee", **VALMONT, "description": "Trou dans la chaussée"}
    form.update(fields)
    return requests.post(f"{root(gateway)}/requests.{fmt}", data={k: v for k, v in form.items() if v is not None})


def reported_by_sms(gateway, worker, text: str) -> Case:
    gateway.sms(RESIDENT, text)
    worker.run_once()
    with gateway.rt.db.session() as session:
        return session.exec(select(Case).order_by(Case.id.desc())).first()


def xml_errors(response) -> list[tuple[str, str]]:
    tree = ElementTree.fromstring(response.content)
    assert tree.tag == "errors"
    return [(e.findtext("code"), e.findtext("description")) for e in tree.findall("error")]


def test_a_client_reads_services_and_a_definition_in_both_formats(gateway):
    json_services = client(gateway, "json").get_service_list()
    xml_services = as_list(client(gateway, "xml").get_service_list())

    codes = [s["service_code"] for s in json_services]
    assert codes == [s["service_code"] for s in xml_services]
    assert "chaussee" in codes and "stationnement" in codes
    chaussee = json_services[codes.index("chaussee")]
    assert (chaussee["service_name"], chaussee["type"], chaussee["metadata"], chaussee["group"]) == (
        "Chaussée et trottoirs", "realtime", False, "Voirie")
    assert "nid de poule" in chaussee["keywords"]
    assert xml_services[codes.index("chaussee")]["metadata"] == "false"
    assert client(gateway, "json").get_service_definition("chaussee") == {"service_code": "chaussee",
                                                                          "attributes": []}
    assert client(gateway, "xml").get_service_definition("chaussee")["service_code"] == "chaussee"


def test_a_case_reported_by_sms_is_read_in_both_formats_with_string_ids_zoned_dates_and_masked_text(
        gateway, worker):
    case = reported_by_sms(gateway, worker, "voiture AB-123-CD garée sur le trottoir 12 rue Victor Hugo, "
                                            "rappelez-moi au 06 11 22 33 44")

    [from_json] = client(gateway, "json").get_service_requests()
    from_xml = as_list(client(gateway, "xml").get_service_requests())[0]

    assert from_json["service_request_id"] == case.reference
    for field in ("service_request_id", "service_code", "status", "description", "requested_datetime"):
        assert from_json[field] == from_xml[field]
    assert (from_json["status"], from_json["service_code"], from_json["agency_responsible"]) == (
        "open", "stationnement", "Police municipale")
    assert isinstance(from_json["lat"], float) and isinstance(from_json["long"], float)
    assert float(from_xml["lat"]) == from_json["lat"]
    for field in ("requested_datetime", "updated_datetime", "expected_datetime"):
        assert W3C_WITH_ZONE.match(from_json[field]), from_json[field]
        assert W3C_WITH_ZONE.match(from_xml[field]), from_xml[field]
    description = from_json["description"]
    assert PLATE in description and PHONE in description
    assert "AB-123-CD" not in description and "06 11 22 33 44" not in description
    assert client(gateway, "json").get_service_request(case.reference)["description"] == description
    assert client(gateway, "xml").get_service_request(case.reference)["service_request_id"] == case.reference


def test_post_with_a_good_key_files_a_routed_case_readable_at_once(gateway):
    response = post_request(gateway, email="Resident@Example.fr", first_name="Anne", last_name="Martin",
                            description="Nid de poule, M. Dupont a crevé ici")

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    [answer] = response.json()
    reference = answer["service_request_id"]
    assert isinstance(reference, str) and reference.startswith("GU-")
    assert "token" not in answer
    with gateway.rt.db.session() as session:
        case = session.exec(select(Case)).one()
        identity = session.exec(select(Identity)).one()
    assert (case.reference, case.category, case.service, case.channel) == (
        reference, "chaussee", "valmont-voirie", "open311")
    assert (identity.channel, identity.address) == ("open311", "resident@example.fr")
    assert identity.stopped_at is not None  # updates are read through the API, never sent
    read = client(gateway, "json").get_service_request(reference)
    assert read["description"] == "Nid de poule, M. [nom masqué] a crevé ici"


def test_post_in_xml_by_address_answers_the_spec_shape(gateway):
    response = post_request(gateway, "xml", lat=None, long=None, address_string="14 rue Victor Hugo",
                            device_id="tablet-7")

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/xml; charset=utf-8"
    assert response.text.startswith('<?xml version="1.0" encoding="utf-8"?>')
    tree = ElementTree.fromstring(response.content)
    assert [child.tag for child in tree] == ["request"]
    assert tree.find("request/service_request_id").text.startswith("GU-")
    with gateway.rt.db.session() as session:
        assert session.exec(select(Identity.address)).one() == "anonymous:tablet-7"


def test_a_second_post_at_the_same_place_joins_the_open_case(gateway):
    first = post_request(gateway, phone="06 12 34 56 78").json()[0]
    second = post_request(gateway, email="voisine@example.fr").json()[0]

    assert second["service_request_id"] == first["service_request_id"]
    assert "déjà signalé" in second["service_notice"]
    with gateway.rt.db.session() as session:
        assert len(session.exec(select(Case)).all()) == 1
        assert sorted(session.exec(select(Identity.address)).all()) == ["+33612345678", "voisine@example.fr"]


@pytest.mark.parametrize("key", ["wrong-key", None, ""])
def test_post_with_a_wrong_or_missing_key_is_403_with_the_spec_error_and_files_nothing(gateway, key):
    as_xml = post_request(gateway, "xml", api_key=key)
    as_json = post_request(gateway, "json", api_key=key)

    assert (as_xml.status_code, as_json.status_code) == (403, 403)
    [(code, description)] = xml_errors(as_xml)
    assert code == "403" and "api_key" in description
    assert as_json.json() == [{"code": 403, "description": description}]
    with gateway.rt.db.session() as session:
        assert session.exec(select(Case)).all() == []


@pytest.mark.parametrize("fields, status, words", [
    (PARIS, 400, "outside"),
    ({"service_code": "licorne"}, 404, "service_code"),
    ({"service_code": None}, 400, "service_code"),
    ({"lat": None, "long": None}, 400, "location"),
    ({"lat": "nord", "long": "0.68"}, 400, "lat"),
    ({"description": "<script>alert(1)</script>"}, 400, "HTML"),
    ({"description": "x" * 4001}, 400, "4000"),
])
def test_bad_posts_get_the_spec_error_body(gateway, fields, status, words):
    response = post_request(gateway, "json", **fields)

    assert response.status_code == status
    [error] = response.json()
    assert error["code"] == status and words in error["description"]


def test_paging_and_filters(gateway):
    references = {}
    for category in ("chaussee", "eclairage", "dechets", "graffiti", "signalisation"):
        references[category] = post_request(gateway, service_code=category).json()[0]["service_request_id"]
    with gateway.rt.db.session() as session:
        change_status(gateway.rt, session, reference=references["eclairage"], status="resolved")
    api = root(gateway) + "/requests.json"

    pages = [requests.get(api, params={"page": n, "page_size": 2}).json() for n in (1, 2, 3, 4)]
    assert [len(page) for page in pages] == [2, 2, 1, 0]
    assert len({r["service_request_id"] for page in pages for r in page}) == 5
    assert len(requests.get(api, params={"page_size": 1000}).json()) == 5  # capped at 200, not refused
    assert requests.get(api, params={"page": "zero"}).status_code == 400

    closed = requests.get(api, params={"status": "closed"}).json()
    assert [(r["service_request_id"], r["status"]) for r in closed] == [(references["eclairage"], "closed")]
    assert len(requests.get(api, params={"status": "open"}).json()) == 4
    assert len(requests.get(api, params={"status": "open,closed"}).json()) == 5
    by_code = requests.get(api, params={"service_code": "dechets,graffiti"}).json()
    assert {r["service_code"] for r in by_code} == {"dechets", "graffiti"}
    wanted = f"{references['chaussee']},GU-0000-0000"
    assert [r["service_request_id"] for r in requests.get(api, params={"service_request_id": wanted}).json()] == [
        references["chaussee"]]

    now = datetime.now().astimezone()
    future = {"start_date": (now + timedelta(days=1)).isoformat(), "end_date": (now + timedelta(days=2)).isoformat()}
    assert requests.get(api, params=future).json() == []
    recent = {"start_date": (now - timedelta(hours=1)).isoformat(timespec="seconds")}
    assert len(requests.get(api, params=recent).json()) == 5
    too_long = {"start_date": "2024-01-01T00:00:00Z", "end_date": "2024-06-01T00:00:00Z"}
    too_long_answer = requests.get(api, params=too_long)
    assert too_long_answer.status_code == 400 and "90 days" in too_long_answer.json()[0]["description"]
    assert requests.get(api, params={"status": "pending"}).status_code == 400
    assert requests.get(api, params={"start_date": "yesterday"}).status_code == 400
    for edge in ({"start_date": "9999-12-31T23:59:59Z"}, {"end_date": "0001-01-01T00:00:00-14:00"},
                 {"start_date": "0001-01-01T00:00:00+14:00"}):
        refused = requests.get(api, params=edge)
        assert (refused.status_code, refused.json()[0]["description"].split(" must")[1]) == (
            400, " lie between 1970 and 2999."), edge


def test_a_resolution_with_a_photo_shows_in_the_request_and_in_the_updates(gateway):
    reference = post_request(gateway).json()[0]["service_request_id"]
    photo = gateway.rt.settings.media_dir / f"{reference}-after.jpg"
    photo.parent.mkdir(parents=True, exist_ok=True)
    photo.write_bytes(image_bytes("JPEG", (40, 30)))
    (gateway.rt.settings.media_dir / "private.jpg").write_bytes(image_bytes("JPEG", (20, 10)))
    with gateway.rt.db.session() as session:
        change_status(gateway.rt, session, reference=reference, status="in_progress",
                      message="Équipe prévue mardi, contact 06 99 88 77 66")
        change_status(gateway.rt, session, reference=reference, status="resolved", message="Rebouché.",
                      photo=str(photo))

    [case] = client(gateway, "json").get_service_requests(service_request_id=reference)
    assert (case["status"], case["status_notes"]) == ("closed", "Résolu. Rebouché.")
    assert case["media_url"].endswith(f"/open311/v2/media/{reference}-after.jpg")
    served = requests.get(gateway.url + case["media_url"].split(gateway.rt.settings.public_url, 1)[1])
    assert (served.status_code, size_of(served.content)) == (200, ("JPEG", (40, 30)))  # the public copy
    assert requests.get(root(gateway) + "/media/private.jpg").status_code == 404

    updates = requests.get(root(gateway) + "/servicerequestupdates.json").json()
    assert [(u["service_request_id"], u["status"]) for u in updates] == [
        (reference, "open"), (reference, "in_progress"), (reference, "fixed")]
    assert all(isinstance(u["update_id"], str) and W3C_WITH_ZONE.match(u["updated_datetime"]) for u in updates)
    assert len({u["update_id"] for u in updates}) == 3
    assert updates[1]["description"] == f"Équipe prévue mardi, contact {PHONE}"
    assert updates[2]["media_url"] == case["media_url"]
    xml = ElementTree.fromstring(requests.get(root(gateway) + "/servicerequestupdates.xml").content)
    assert xml.tag == "service_request_updates"
    assert [u.findtext("status") for u in xml.findall("request_update")] == ["open", "in_progress", "fixed"]
    later = {"start_date": (datetime.now().astimezone() + timedelta(minutes=5)).isoformat()}
    assert requests.get(root(gateway) + "/servicerequestupdates.json", params=later).json() == []


def test_tokens_discovery_and_not_found(gateway):
    reference = post_request(gateway).json()[0]["service_request_id"]

    assert requests.get(f"{root(gateway)}/tokens/{reference}.json").json() == [
        {"service_request_id": reference, "token": reference}]
    token_xml = ElementTree.fromstring(requests.get(f"{root(gateway)}/tokens/{reference}.xml").content)
    assert token_xml.findtext("request/service_request_id") == reference
    assert requests.get(f"{root(gateway)}/tokens/GU-0000-0000.json").status_code == 404

    discovery = requests.get(root(gateway) + "/discovery.json").json()
    [endpoint] = discovery["endpoints"]
    assert endpoint["formats"] == ["text/xml", "application/json"]
    assert endpoint["url"].endswith("/open311/v2") and endpoint["type"] == "production"
    assert {"changeset", "contact", "key_service"} <= discovery.keys()
    discovery_xml = ElementTree.fromstring(requests.get(root(gateway) + "/discovery.xml").content)
    assert [f.text for f in discovery_xml.findall("endpoints/endpoint/formats/format")] == [
        "text/xml", "application/json"]

    missing = requests.get(f"{root(gateway)}/requests/GU-0000-0000.xml")
    assert missing.status_code == 404 and xml_errors(missing)[0][0] == "404"
    assert requests.get(f"{root(gateway)}/requests/GU-0000-0000.json").json()[0]["code"] == 404
    assert requests.get(f"{root(gateway)}/services/licorne.json").status_code == 404
    assert xml_errors(requests.get(f"{root(gateway)}/nothing/here"))[0][0] == "404"
    assert requests.get(f"{root(gateway)}/requests.html").status_code == 404
