"""The database down (issue 10): every route that needs it answers 503 with Retry-After, in its surface's format.

Two outages: a SQLite database file that cannot be opened, and a PostgreSQL server that refuses connections.
"""

from __future__ import annotations

import json
import re

import pytest
import requests

from channels.standins.telegram import post_update, text_update
from channels.standins.twilio import inbound_call_params
from tests.conftest import GATEWAY_NUMBER, serve_app

SECRET = "outage-webhook-secret"
RESIDENT = "+33612345678"
REFERENCE = "GU-4827-3918"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture(params=["sqlite-unopenable", "postgresql-refused"])
def down(request, make_runtime, tmp_path):
    """The gateway served over HTTP on a runtime whose database cannot be used."""
    (tmp_path / "guichet.db").mkdir()  # SQLite cannot open a directory as its database file
    url = {"sqlite-unopenable": f"sqlite:///{tmp_path / 'guichet.db'}",
           "postgresql-refused": "postgresql+psycopg://postgres@127.0.0.1:1/guichet"}[request.param]
    runtime = make_runtime(database_url=url, telegram_bot_token="123456:TEST", telegram_webhook_secret=SECRET,
                           media_dir=tmp_path / "media", open311_api_keys="outage-key")
    with serve_app(runtime) as served:
        yield served
    runtime.db.dispose()


def unavailable(response: requests.Response) -> tuple[int, str | None, str]:
    return response.status_code, response.headers.get("Retry-After"), response.headers["Content-Type"]


@pytest.mark.parametrize("path", ["/", "/carte", "/statistiques", f"/suivi/{REFERENCE}"])
def test_a_public_page_is_a_french_503_page_with_retry_after(down, path):
    response = requests.get(down.url + path, timeout=10)

    assert unavailable(response) == (503, "30", "text/html; charset=utf-8")
    assert "Service momentanément indisponible" in response.text
    assert "ne sont pas perdus" in response.text


@pytest.mark.parametrize("path, kind", [("/carte/cas.geojson", "application/json"),
                                        ("/statistiques.json", "application/json"),
                                        ("/flux/resolus.atom", "text/plain; charset=utf-8")])
def test_the_public_data_and_feed_are_503_with_retry_after(down, path, kind):
    response = requests.get(down.url + path, timeout=10)

    assert (response.status_code, response.headers["Retry-After"], response.headers["Content-Type"]) == (
        503, "30", kind)  # a script or a feed reader gets data it can read, not a page


def test_the_back_office_login_is_a_503_page_with_retry_after(down):
    browser = requests.Session()
    form = browser.get(down.url + "/agents/connexion", timeout=10)
    for cookie in browser.cookies:  # the town's URL is https, so the session cookie is Secure; this is plain http
        cookie.secure = False
    token = CSRF.search(form.text).group(1)
    response = browser.post(down.url + "/agents/connexion", timeout=10,
                            data={"csrf_token": token, "email": "voirie@mairie.example", "password": "x" * 12})

    assert form.status_code == 200  # the form itself needs no database
    assert unavailable(response) == (503, "30", "text/html; charset=utf-8")


def test_the_api_answers_its_json_problem_with_retry_after(down):
    response = requests.get(down.url + "/api/v1/cases", headers={"Authorization": "Bearer gu_any"}, timeout=10)

    assert unavailable(response) == (503, "30", "application/json")
    assert response.json() == {"error": "storage unavailable; try again later", "status": 503}


@pytest.mark.parametrize("fmt, kind", [("json", "application/json; charset=utf-8"),
                                       ("xml", "text/xml; charset=utf-8")])
def test_open311_answers_the_specs_error_list_with_503_and_retry_after(down, fmt, kind):
    read = requests.get(f"{down.url}/open311/v2/requests.{fmt}", timeout=10)
    filed = requests.post(f"{down.url}/open311/v2/requests.{fmt}", timeout=10,
                          data={"api_key": "outage-key", "service_code": "chaussee", "lat": "47.388",
                                "long": "0.6822", "description": "Nid de poule"})

    assert unavailable(read) == unavailable(filed) == (503, "30", kind)
    if fmt == "json":
        assert json.loads(read.text) == [{"code": 503, "description": "Le service est momentanément indisponible. "
                                                                      "Réessayez plus tard."}]
    else:
        assert "<code>503</code>" in read.text


def test_every_webhook_answers_a_plain_503_with_retry_after(down):
    receipt = {"MessageSid": "SM" + "1" * 32, "MessageStatus": "delivered", "From": GATEWAY_NUMBER, "To": RESIDENT}
    answers = [
        down.sms(RESIDENT, "Nid de poule devant le 14 rue Victor Hugo"),
        down.post_signed("/webhooks/twilio/status?out=1", receipt),
        post_update(down.url + "/webhooks/telegram", text_update(70707070, "Lampadaire éteint"), SECRET),
    ]

    assert [unavailable(r) for r in answers] == [(503, "30", "text/plain; charset=utf-8")] * 3
    assert [r.text for r in answers] == ["storage unavailable"] * 3


def test_metrics_are_a_plain_503_and_health_says_unreachable(down):
    metrics = requests.get(down.url + "/metrics", timeout=10)
    health = requests.get(down.url + "/healthz", timeout=10)

    assert unavailable(metrics) == (503, "30", "text/plain; charset=utf-8")
    assert (health.status_code, health.headers["Retry-After"], health.json()["database"]) == (503, "30",
                                                                                            "unreachable")


def test_a_caller_still_hears_the_phone_line_and_is_offered_a_voicemail(down):
    # Twilio plays its own English error and hangs up on a 5xx: the phone line answers TwiML instead.
    call = inbound_call_params(from_=RESIDENT, to=GATEWAY_NUMBER)
    response = down.post_signed("/webhooks/twilio/voice", call)

    assert (response.status_code, response.headers["Content-Type"]) == (200, "text/xml; charset=utf-8")
    assert "<Record" in response.text
