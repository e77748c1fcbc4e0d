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


def log_in(page, url: str) -> None:
    page.goto(url + "/agents/connexion")
    page.fill("#email", REFERENT)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/agents/")


def answer_and_publish_a_step(page) -> None:
    """On an idea's back-office page: take it, adopt it with reasons and a cost, publish a step at 40 %."""
    page.click("text=Prendre cette idée")
    page.select_option("#decision-choix", "go")
    page.fill("#decision-motifs", "Retenue : le parc manque d'assises.")
    page.fill("#decision-cout", "1800")
    page.click("text=Publier la réponse")
    page.fill("#etape-titre", "Commande des bancs")
    page.fill("#etape-avancement", "40")
    page.click("text=Publier l'étape")


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
        log_in(page, gateway.url)
        page.goto(gateway.url + "/agents/idees/", wait_until="networkidle")
        found["list"] = violations(page)
        page.click(f"text={reference}")
        found["idea"] = violations(page)
        answer_and_publish_a_step(page)
        found["after"] = violations(page)
        shown = page.locator("main").inner_text()
        progress = page.locator("#avancement").get_attribute("value")
        browser.close()

    assert {label: problems for label, problems in found.items() if problems} == {}
    assert "Paul Durand" in shown and "Retenue : le parc manque d'assises." in shown
    assert "Commande des bancs" in shown and progress == "40"


def test_the_idea_page_shows_the_decision_the_step_the_progress_and_the_event_a_resident_registered_to(
        front, time_machine):
    """The whole path in one browser: the référent answers and publishes a step in the back office, a resident
    registers to the idea's café citoyen on the public page (proving their phone by the code sent by SMS), and
    the idea's public page shows the decision, the step, the progress and the event."""
    import re

    from playwright.sync_api import sync_playwright

    from tests.gateway.ideas.test_events import a_cafe

    time_machine.move_to(paris_at(10, 0), tick=True)
    make_agent(front.rt, REFERENT, role="referent")
    with front.rt.db.session() as session:
        idea = case_store.create(session, prefix="GU", kind="idea", category="espaces_verts", territory="valmont",
                                 description="Des bancs à l'ombre au parc du château", channel="sms")
        session.exec(select(Agent).where(Agent.email == REFERENT)).one().name = "Paul Durand"
        reference = idea.reference
    event = a_cafe(front.rt, capacity=10, days=3, ideas=(reference,))
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        agent = browser.new_page(locale="fr-FR")
        agent.route(lambda url: not url.startswith(front.url), lambda route: route.abort())
        log_in(agent, front.url)
        agent.goto(f"{front.url}/agents/idees/{reference}")
        answer_and_publish_a_step(agent)

        resident = browser.new_context(locale="fr-FR").new_page()  # another person, without the agent's cookies
        resident.route(lambda url: not url.startswith(front.url), lambda route: route.abort())
        resident.goto(f"{front.url}/idees/{reference}")
        resident.click(f"#evenements a:has-text('{event.title}')")
        resident.fill("#address", "06 12 00 00 31")
        resident.click("text=Recevoir un code")
        resident.wait_for_selector("#code")
        front.settle()
        [text] = front.twilio.texts_to("+33612000031")
        resident.fill("#code", re.search(r"\b(\d{6})\b", text).group(1))
        resident.click("text=Confirmer mon inscription")
        registered = resident.locator("main").inner_text()
        resident.goto(f"{front.url}/idees/{reference}")
        shown = resident.locator("main").inner_text()
        progress = resident.locator("#avancement").get_attribute("value")
        cost = resident.locator("#cout").inner_text()
        browser.close()

    assert "Inscription confirmée" in registered and event.title in registered
    assert "Retenue : le parc manque d'assises." in shown  # the decision and its reasons
    assert re.sub(r"\s", "", cost).startswith("1800")
    assert "Commande des bancs" in shown and progress == "40"
    assert event.title in shown and "Paul Durand" in shown
