"""A référent in a real browser (Chromium, Playwright): answers an idea and publishes a step in the back office;
the ideas' pages pass axe-core (WCAG 2.1 A and AA) at desktop width and at 390 px."""

from __future__ import annotations

import pytest
from sqlmodel import select

from gateway.ideas.supports import support
from store import cases as case_store
from store import contacts
from store.models import Agent
from tests.conftest import paris_at
from tests.gateway.web.backoffice.conftest import PASSWORD, make_agent
from tests.gateway.web.test_accessibility import CHROMIUM, LAUNCH_ARGS, violations

REFERENT = "parcs@valmont.localhost"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium is not installed at /usr/bin/chromium"),
]


@pytest.mark.parametrize("width", (1280, 390))
def test_a_referent_answers_an_idea_and_publishes_a_step_on_accessible_pages(gateway, time_machine, width):
    from playwright.sync_api import sync_playwright

    time_machine.move_to(paris_at(10, 0), tick=True)
    make_agent(gateway.rt, REFERENT, role="referent")
    with gateway.rt.db.session() as session:
        idea = case_store.create(session, prefix="GU", kind="idea", category="espaces_verts", territory="valmont",
                                 description="Des bancs à l'ombre au parc du château", channel="sms")
        support(session, idea, contacts.identity_for(session, channel="sms", address="+33611000001",
                                                     gateway_address=None))
        session.exec(select(Agent).where(Agent.email == REFERENT)).one().name = "Paul Durand"
        reference = idea.reference
    found: dict[str, list[str]] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        page = browser.new_page(viewport={"width": width, "height": 900}, locale="fr-FR")
        page.route(lambda url: not url.startswith(gateway.url), lambda route: route.abort())
        page.goto(gateway.url + "/agents/connexion")
        page.fill("#email", REFERENT)
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url("**/agents/")
        page.goto(gateway.url + "/agents/idees/", wait_until="networkidle")
        found["list"] = violations(page)
        page.click(f"text={reference}")
        found["idea"] = violations(page)
        page.click("text=Prendre cette idée")
        page.select_option("#decision-choix", "go")
        page.fill("#decision-motifs", "Retenue : le parc manque d'assises.")
        page.fill("#decision-cout", "1800")
        page.click("text=Publier la réponse")
        page.fill("#etape-titre", "Commande des bancs")
        page.fill("#etape-avancement", "40")
        page.click("text=Publier l'étape")
        found["after"] = violations(page)
        shown = page.locator("main").inner_text()
        progress = page.locator("#avancement").get_attribute("value")
        browser.close()

    assert {label: problems for label, problems in found.items() if problems} == {}
    assert "Paul Durand" in shown and "Retenue : le parc manque d'assises." in shown
    assert "Commande des bancs" in shown and progress == "40"
