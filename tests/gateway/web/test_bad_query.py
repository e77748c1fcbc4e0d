"""Bad input on the pages, the API and Open311 (issue 10): a clear 400 in each surface's format, never a 500."""

from __future__ import annotations

import json

import pytest
import requests

from tests.gateway.web.backoffice.conftest import Browser, make_agent

API_KEY = "key-of-the-valmont-app"
REFUSED = "La requête contient des caractères de contrôle ou invalides"


@pytest.fixture
def open311_key(rt, monkeypatch):
    monkeypatch.setattr(rt, "settings", rt.settings.replace(open311_api_keys=API_KEY))


@pytest.mark.parametrize("path", ["/carte?categorie=%00", "/carte/cas.geojson?statut=%00", "/carte?commune=a%01b",
                                  "/suivi?reference=GU-%00", "/suivi/GU-%00", "/statistiques?x=%1F",
                                  "/flux/resolus.atom?q=%00"])
def test_a_control_character_in_a_public_page_query_is_a_400(gateway, path):
    response = requests.get(gateway.url + path, timeout=10)

    assert response.status_code == 400
    assert REFUSED in response.text


def test_public_filters_keep_working_with_ordinary_and_unknown_values(gateway):
    pages = [requests.get(gateway.url + path, timeout=10).status_code
             for path in ("/carte?categorie=chaussee", "/carte?categorie=%E2%82%AC'%22--", "/carte?statut=%FF",
                          "/carte/cas.geojson?commune=" + "x" * 5000)]

    assert pages == [200, 200, 200, 200]


def test_back_office_filters_with_a_nul_are_a_400_for_a_logged_in_agent(gateway):
    make_agent(gateway.rt, "voirie@mairie.example", services=("valmont-voirie",))
    agent = Browser(gateway.url)
    agent.login("voirie@mairie.example")

    answers = [agent.get(path).status_code for path in ("/agents/?status=%00", "/agents/carte.json?category=%00",
                                                        "/agents/dossiers/GU-%00", "/agents/?territory=ok")]

    assert answers == [400, 400, 400, 200]


def test_the_api_refuses_a_nul_a_lone_surrogate_or_deep_nesting_with_a_json_400(gateway):
    token = make_agent(gateway.rt, "voirie@mairie.example", services=("valmont-voirie",), token=True)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    api = gateway.url + "/api/v1"

    answers = [
        requests.get(api + "/cases?status=%00", headers=headers, timeout=10),
        requests.get(api + "/cases/GU-%00", headers=headers, timeout=10),
        requests.post(api + "/cases/GU-0000-0000/notes", data='{"text": "a\\ud800"}', headers=headers, timeout=10),
        requests.post(api + "/cases/GU-0000-0000/notes", data='{"text": "a\\u0000"}', headers=headers, timeout=10),
        requests.post(api + "/cases/GU-0000-0000/notes", data="[" * 5000 + "]" * 5000, headers=headers, timeout=10),
    ]

    assert [(r.status_code, r.headers["Content-Type"]) for r in answers] == [(400, "application/json")] * 5
    assert all(r.json()["status"] == 400 for r in answers)


def test_open311_refuses_a_nul_in_get_and_post_and_coordinates_that_are_no_place(gateway, open311_key):
    root = gateway.url + "/open311/v2"
    form = {"api_key": API_KEY, "service_code": "chaussee", "description": "Nid de poule"}

    answers = [
        requests.get(root + "/requests.json?service_code=%00", timeout=10),
        requests.get(root + "/requests/GU-%00.json", timeout=10),
        requests.post(root + "/requests.json", data=form | {"description": "Nid\x00"}, timeout=10),
        requests.post(root + "/requests.json", data=form | {"lat": "NaN", "long": "0.68"}, timeout=10),
        requests.post(root + "/requests.json", data=form | {"lat": "47.388", "long": "Infinity"}, timeout=10),
        requests.post(root + "/requests.json", data=form | {"lat": "1e400", "long": "-inf"}, timeout=10),
    ]

    assert [r.status_code for r in answers] == [400] * 6
    assert all(json.loads(r.text)[0]["code"] == 400 for r in answers)


def test_an_agents_text_longer_than_any_channel_carries_is_refused_with_422(gateway):
    token = make_agent(gateway.rt, "voirie@mairie.example", services=("valmont-voirie",), token=True)
    headers = {"Authorization": f"Bearer {token}"}

    response = requests.post(gateway.url + "/api/v1/cases/GU-0000-0000/messages", json={"text": "x" * 70_000},
                             headers=headers, timeout=10)

    assert (response.status_code, response.json()["error"]) == (422, "le message dépasse 4000 caractères")
