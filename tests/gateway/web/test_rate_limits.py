"""Limits per client address, over HTTP: past them the public tracking form, the agents' API and Open311's POST
answer 429 with Retry-After, each in its own format."""

from __future__ import annotations

import requests

from tests.conftest import serve_app
from tests.gateway.web.backoffice.conftest import make_agent

API_KEY = "open311-test-key"


def test_the_tracking_form_answers_a_french_page_past_its_rate(rt, make_runtime):
    with serve_app(make_runtime(form_rate_limit="3/minute")) as gateway:
        answers = [requests.get(f"{gateway.url}/suivi/GU-1234-5678", timeout=10) for _ in range(4)]
        other_pages = requests.get(f"{gateway.url}/carte", timeout=10)

    assert [a.status_code for a in answers] == [404, 404, 404, 429]
    assert int(answers[3].headers["Retry-After"]) > 0
    assert "Trop de demandes" in answers[3].text and 'lang="fr"' in answers[3].text
    assert other_pages.status_code == 200


def test_the_api_answers_a_json_problem_past_its_rate(rt, make_runtime):
    limited = make_runtime(api_rate_limit="2/minute")
    token = make_agent(limited, "voirie@mairie.example", services=("valmont-voirie",), token=True)
    with serve_app(limited) as gateway:
        answers = [requests.get(f"{gateway.url}/api/v1/me", headers={"Authorization": f"Bearer {token}"},
                                timeout=10) for _ in range(3)]

    assert [a.status_code for a in answers] == [200, 200, 429]
    assert answers[2].json()["status"] == 429 and answers[2].json()["error"]
    assert 0 < int(answers[2].headers["Retry-After"]) <= 60
    assert "Retry-After" not in answers[0].headers  # an answer within the limit says nothing of waiting


def test_open311_post_answers_its_error_list_past_its_rate(rt, make_runtime):
    limited = make_runtime(open311_rate_limit="2/minute", open311_api_keys=API_KEY)
    with serve_app(limited) as gateway:
        form = {"api_key": API_KEY, "service_code": "chaussee", "description": "Nid de poule",
                "address_string": "14 rue Victor Hugo"}
        answers = [requests.post(f"{gateway.url}/open311/v2/requests.json", data=form, timeout=10) for _ in range(3)]
        reading = requests.get(f"{gateway.url}/open311/v2/services.json", timeout=10)

    assert [a.status_code for a in answers] == [200, 200, 429]
    assert answers[2].json()[0]["code"] == 429
    assert int(answers[2].headers["Retry-After"]) > 0
    assert reading.status_code == 200  # reading is not limited by the POST's rate
