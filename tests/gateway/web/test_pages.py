"""The public pages' frame: French, the town's own stylesheet, the npm packages served and nothing else."""

from __future__ import annotations

import requests
from sqlmodel import select

from gateway.cases.flows import change_status
from store.models import Case
from tests.conftest import serve_app


def test_home_is_french_and_tells_how_to_reach_the_town(gateway):
    page = requests.get(gateway.url + "/", timeout=5)

    assert page.status_code == 200
    assert '<html lang="fr"' in page.text
    assert "/static/town/town.css" in page.text
    assert "Envoyez un SMS au 07 00 00 00 01." in page.text  # as residents write it, not +33700000001
    assert "Appelez le" in page.text and "24 h sur 24" in page.text


def test_the_map_library_is_served_from_npm_and_nothing_else_is(gateway):
    css = requests.get(gateway.url + "/static/vendor/leaflet/leaflet.css", timeout=5)
    outside = requests.get(gateway.url + "/static/vendor/typescript/lib.d.ts", timeout=5)
    axe = requests.get(gateway.url + "/static/vendor/axe-core/axe.min.js", timeout=5)  # a test tool, never served
    escape = requests.get(gateway.url + "/static/vendor/leaflet/../../../../package.json", timeout=5)

    assert (css.status_code, css.headers["Content-Type"].split(";")[0]) == (200, "text/css")
    assert ".leaflet-container" in css.text
    assert outside.status_code == 404
    assert axe.status_code == 404
    assert escape.status_code == 404


def test_the_telegram_card_names_the_towns_bot_and_links_to_it(rt, make_runtime):
    town = make_runtime(telegram_bot_token="123456:town-bot-token", telegram_bot_name="@ValmontGuichetBot")

    with serve_app(town) as served:
        page = requests.get(served.url + "/", timeout=5)

    assert "Écrivez à @ValmontGuichetBot et partagez votre position." in page.text
    assert '<a href="https://t.me/ValmontGuichetBot">Ouvrir @ValmontGuichetBot dans Telegram</a>' in page.text


def test_the_statistics_say_1_resolu_in_the_singular(gateway, worker):
    assert gateway.sms("+33612345678", "Nid de poule devant le 20 rue Victor Hugo").status_code == 200
    worker.run_once()
    with gateway.rt.db.session() as session:
        reference = session.exec(select(Case)).one().reference
        change_status(gateway.rt, session, reference=reference, status="resolved", message="Rebouché", actor="test")

    page = requests.get(gateway.url + "/statistiques", timeout=5)

    assert 'data-figure="cases">1</span> signalement</p>' in page.text
    assert 'data-figure="resolved">1</span> résolu</p>' in page.text


def test_an_address_that_leads_nowhere_gets_the_towns_page_in_french(gateway):
    import requests

    page = requests.get(gateway.url + "/nope", timeout=10)
    api = requests.get(gateway.url + "/api/v1/nope", timeout=10)

    assert page.status_code == 404 and "Page introuvable" in page.text and "Not Found" not in page.text
    assert "mentions-legales" in page.text  # the footer of every page
    assert api.status_code == 404 and api.headers["Content-Type"].startswith("application/json")
