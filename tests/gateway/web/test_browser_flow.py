"""The whole web in a real browser (Debian's Chromium driven by Playwright): a resident reports through the
simulator, an agent validates then resolves with a photo, the resident sees both updates, the case turns
green on the public map, and no public page shows the resident's phone number or licence plate."""

from __future__ import annotations

import io
import re
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from PIL import Image

from gateway.demo import DEMO_AGENTS
from tests.gateway.test_processes import free_port, wait_for_http

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.processes,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed (.ci/run installs it)"),
]

PHONE, PLATE = "06 98 76 54 32", "AB-123-CD"
REPORT = f"Nid de poule énorme devant le 30 rue Victor Hugo, ma voiture {PLATE} a crevé, rappelez-moi au {PHONE}"
BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run"]


@pytest.fixture
def demo(tmp_path):
    """`guichet demo` on free ports, with its own database; yields its base URL."""
    ports = [free_port() for _ in range(5)]
    process = subprocess.Popen(
        [sys.executable, "-m", "gateway.cli", "demo", "--fresh", "--port", str(ports[0]), "--twilio-port",
         str(ports[1]), "--smtp-port", str(ports[2]), "--relay-port", str(ports[3]), "--telegram-port", str(ports[4]),
         "--db", str(tmp_path / "demo.db"), "--state", str(tmp_path / "demo.json")],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{ports[0]}"
    try:
        wait_for_http(base + "/healthz", process)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_report_validate_resolve_and_see_it_everywhere(demo, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    photo = tmp_path / "rebouche.jpg"
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), "darkgrey").save(buffer, format="JPEG")
    photo.write_bytes(buffer.getvalue())
    email, _, _, password = DEMO_AGENTS[0]

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=BROWSER_ARGS)
        resident = browser.new_context().new_page()
        resident.goto(demo + "/simulateur")
        resident.fill("#sender", "+33698765432")
        resident.fill("#text", REPORT)
        resident.click("#send")
        acknowledgement = resident.locator("#thread li[data-who=mairie]").first
        expect(acknowledgement).to_contain_text("GU-", timeout=15000)
        reference = re.search(r"GU-\d{4}-\d{4}", acknowledgement.text_content()).group(0)

        agent = browser.new_context().new_page()
        agent.goto(demo + "/agents/connexion")
        agent.fill("#email", email)
        agent.fill("#password", password)
        agent.click("button[type=submit]")
        agent.goto(f"{demo}/agents/dossiers/{reference}")
        expect(agent.locator("h1")).to_contain_text(reference)
        agent.select_option("#status", "validated")
        agent.fill("#status-message", "Intervention jeudi matin")
        agent.click("button:has-text('Changer le statut')")
        thread = resident.locator("#thread")
        # Close updates are merged into the latest: the resident hears of validation before the repair.
        expect(thread).to_contain_text("Intervention jeudi matin", timeout=15000)
        agent.select_option("#status", "resolved")
        agent.fill("#status-message", "Trou rebouché")
        agent.set_input_files("#status-photo", str(photo))
        agent.click("button:has-text('Changer le statut')")
        expect(agent.locator("body")).to_contain_text("Trou rebouché")

        expect(thread).to_contain_text("Trou rebouché", timeout=15000)

        public = browser.new_context().new_page()
        public.goto(demo + "/carte")
        marker = public.locator(f'[data-reference="{reference}"]')
        expect(marker).to_have_attribute("data-colour", "green", timeout=15000)
        public.goto(f"{demo}/suivi/{reference}")
        expect(public.locator("body")).to_contain_text("Trou rebouché")
        pages = {path: public_page(public, demo + path) for path in ("/", "/carte", f"/suivi/{reference}",
                                                                      "/statistiques")}
        browser.close()

    feeds = {path: requests.get(demo + path, timeout=10).text for path in (
        "/carte/cas.geojson", "/statistiques.json", "/flux/resolus.atom", "/open311/v2/requests.json")}
    for where, text in {**pages, **feeds}.items():
        for personal in (PHONE, PHONE.replace(" ", ""), "+33698765432", PLATE):
            assert personal not in text, f"{personal} shown on {where}"


def public_page(page, url: str) -> str:
    """The text and HTML of a public page as the browser renders it."""
    page.goto(url)
    page.wait_for_load_state("networkidle")
    return page.content()
