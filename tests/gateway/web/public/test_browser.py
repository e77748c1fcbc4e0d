"""The map and the charts in a real browser (Chromium driven by Playwright), with no tile server reachable."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.gateway.web.public.conftest import Town

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
               "--disable-sync", "--no-first-run"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium is not installed at /usr/bin/chromium"),
]


@pytest.fixture
def page(gateway):
    """A Chromium page that can reach the gateway and nothing else (tiles fail, as they do here)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="fr-FR")
        page.route(lambda url: not url.startswith(gateway.url), lambda route: route.abort())
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        yield page
        browser.close()
        assert errors == []


def open_clusters(page, markers: int) -> None:
    """Click clusters (each click zooms in, or spreads them at the closest zoom) until the markers all show."""
    shown = page.locator(".leaflet-marker-icon[data-reference]")
    for _ in range(12):
        if shown.count() == markers:
            return
        page.locator(".guichet-cluster").first.click()
        page.wait_for_timeout(700)  # the zoom and spreading animations
    raise AssertionError(f"{shown.count()} markers of {markers} after twelve clicks on clusters")


def test_the_map_shows_a_marker_per_case_in_its_colour_without_tiles(gateway, town: Town, page):
    page.goto(gateway.url + "/carte", wait_until="domcontentloaded")
    page.wait_for_selector("#carte[data-markers]", timeout=10_000)

    open_clusters(page, 6)  # markers a cluster gathered (two lamps on the same street) show once it is opened
    markers = page.locator(".leaflet-marker-icon[data-reference]")
    colours = {m.get_attribute("data-reference"): m.get_attribute("data-colour") for m in markers.all()}
    assert markers.count() == 6
    assert colours == {town.parked_car: "green", town.pothole: "orange", town.street_light: "orange",
                       town.rubbish: "red", town.light_late: "green", town.light_quick: "green"}
    red = page.locator(f'.leaflet-marker-icon[data-reference="{town.rubbish}"]')
    assert red.evaluate("node => getComputedStyle(node).backgroundColor") == "rgb(206, 5, 0)"
    assert page.locator(".guichet-map__legend").is_visible()
    assert page.locator("path.leaflet-interactive, path").count() >= 2  # the communes' outlines


def test_the_map_filters_reach_the_markers(gateway, town: Town, page):
    page.goto(gateway.url + "/carte", wait_until="domcontentloaded")
    page.select_option("#filtre-statut", "received")
    page.click("button[type=submit]:has-text('Filtrer')")
    page.wait_for_url("**/carte?*statut=received*", wait_until="domcontentloaded")
    page.wait_for_selector("#carte[data-markers]", timeout=10_000)

    assert page.locator("#carte").get_attribute("data-markers") == "1"
    assert page.locator(".leaflet-marker-icon").get_attribute("data-colour") == "red"


def test_the_statistics_page_draws_its_charts(gateway, town: Town, page):
    page.goto(gateway.url + "/statistiques", wait_until="domcontentloaded")
    page.wait_for_selector("canvas[data-rendered]", timeout=10_000)
    page.wait_for_function("document.querySelectorAll('canvas[data-rendered]').length === 3", timeout=10_000)

    bars = page.evaluate("""() => [...document.querySelectorAll('canvas')].map(canvas => {
        const chart = Chart.getChart(canvas);
        return chart.data.datasets.reduce((sum, set) => sum + set.data.filter(v => v !== null).length, 0);
    })""")
    assert bars[0] > 0 and bars[1] == 2 and bars[2] == 2


def test_reports_at_one_spot_gather_into_one_numbered_cluster_that_opens_on_a_click(gateway, page):
    from store import cases as case_store

    with gateway.rt.db.session() as session:
        for n in range(15):  # fifteen reports on the same few steps of pavement
            case_store.create(session, prefix="GU", category="chaussee", description="trou", territory="valmont",
                              address="Rue Victor Hugo, Valmont", lat=47.3900 + n * 0.000001, lon=0.6890)
        session.commit()
    page.goto(gateway.url + "/carte", wait_until="domcontentloaded")
    page.wait_for_selector("#carte[data-markers]", timeout=10_000)

    # the cluster's zoom animation shows it twice for a moment (longer on a busy machine): read the settled one
    # (polled from here: the page's CSP forbids the string evaluation wait_for_function would need)
    clusters = page.locator(".guichet-cluster")
    for _ in range(300):
        if clusters.count() == 1:
            break
        page.wait_for_timeout(100)
    cluster = clusters.last
    assert page.locator("#carte").get_attribute("data-markers") == "15"
    assert cluster.locator("[aria-hidden=true]").inner_text() == "15"
    assert "15 signalements proches" in cluster.text_content()  # its name, for a screen reader
    open_clusters(page, 15)
