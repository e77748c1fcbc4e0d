"""Every public page and the back office's main pages in a real browser (Debian's Chromium driven by Playwright),
checked by axe-core (npm, pinned in package.json) against WCAG 2.1 A and AA, at desktop width and at 390 px.
The accessibility statement (/accessibilite) names these pages and the figure they give."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from gateway.ideas import events
from gateway.settings import REPO
from gateway.web.legal import CHECKED_PAGES, CHECKED_WIDTHS
from tests.gateway.ideas.test_public_pages import seed as seed_ideas
from tests.gateway.web.backoffice.conftest import PASSWORD, make_agent
from tests.gateway.web.public.conftest import Town, town  # noqa: F401 (the fixture)

CHROMIUM = Path("/usr/bin/chromium")
AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
AXE_SOURCE = AXE.read_text(encoding="utf-8") if AXE.exists() else ""
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
               "--disable-sync", "--no-first-run"]
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
SUPERVISOR = "superviseur@valmont.localhost"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium is not installed at /usr/bin/chromium"),
]


def violations(page) -> list[str]:
    """What axe-core finds against WCAG 2.1 A/AA on the page as shown: `rule: target` per failing node."""
    assert AXE_SOURCE, "node_modules/axe-core is missing: run make install"
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.evaluate(AXE_SOURCE)  # evaluated by the DevTools protocol: the page's CSP (no inline script) stays on
    found = page.evaluate("""async (tags) => {
        const result = await axe.run(document, {runOnly: {type: "tag", values: tags}});
        return result.violations.flatMap(v => v.nodes.map(n => v.id + ": " + n.target.join(" ")));
    }""", WCAG_21_AA)
    return list(found)


@pytest.mark.parametrize("width", CHECKED_WIDTHS)
def test_every_page_a_resident_or_an_agent_opens_has_no_wcag_violation(gateway, worker, town: Town,  # noqa: F811
                                                                        width):
    from playwright.sync_api import sync_playwright

    make_agent(gateway.rt, SUPERVISOR, role="supervisor")
    idea = seed_ideas(gateway, worker).benches  # decided, with steps, progress, an event and a contribution
    with gateway.rt.db.session() as session:  # ideas: events, an upcoming café citoyen with its page
        cafe = events.create(gateway.rt, session, title="Café citoyen du parc", kind="cafe_citoyen",
                             starts_local=datetime.now() + timedelta(days=3), place="Salle des fêtes", capacity=20,
                             theme="espaces_verts", invite=False)
        session.commit()
        event_reference = cafe.reference
    found: dict[str, list[str]] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        page = browser.new_page(viewport={"width": width, "height": 900}, locale="fr-FR")
        page.route(lambda url: not url.startswith(gateway.url), lambda route: route.abort())  # no tiles here
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        for label, path in CHECKED_PAGES:
            if path.startswith("/agents/") and path != "/agents/connexion" and "logged_in" not in found:
                page.goto(gateway.url + "/agents/connexion")
                page.fill("#email", SUPERVISOR)
                page.fill("#password", PASSWORD)
                page.click("button[type=submit]")
                page.wait_for_url("**/agents/")
                found["logged_in"] = []
            page.goto(gateway.url + path.format(case=town.pothole, idea=idea, event=event_reference), wait_until="networkidle")
            assert page.locator("h1").count() == 1, label
            found[label] = violations(page)
            overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            if overflow > 0:
                found[label].append(f"the page is {overflow} px wider than the screen")
            if path == "/":  # the latest cases' state and date stay on the screen, not scrolled out of it
                for column in ("État", "Date"):
                    box = page.locator(f'table.latest td[data-label="{column}"]').first.bounding_box()
                    if box is None or box["x"] + box["width"] > width:
                        found[label].append(f"the column {column} is cut off")
        page.evaluate("document.querySelector('main').appendChild(document.createElement('img'))")
        control = violations(page)  # the same check finds an image without a text alternative
        browser.close()

    assert [problem for problem in control if problem.startswith("image-alt: ")] == ["image-alt: #contenu > img"]
    assert {label: problems for label, problems in found.items() if problems} == {}
    assert errors == []
