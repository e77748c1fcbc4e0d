"""The public pages over real HTTP, on cases made by the engine: tracking, map, statistics, feed, privacy."""

from __future__ import annotations

import json
import re
from xml.etree import ElementTree

import pytest
import requests

from tests.gateway.web.public.conftest import PERSONAL, Town
from tests.images import size_of

ATOM = "{http://www.w3.org/2005/Atom}"


def get(gateway, path: str, **params) -> requests.Response:
    return requests.get(gateway.url + path, params=params, timeout=5)


def test_the_tracking_page_shows_status_masked_text_timeline_photo_and_supporters(gateway, town: Town):
    page = get(gateway, f"/suivi/{town.parked_car}")

    assert page.status_code == 200
    assert '<html lang="fr"' in page.text
    assert town.parked_car in page.text
    assert "Résolu" in page.text
    assert "voiture [immatriculation masquée] garée sur le trottoir" in page.text
    assert "rappelez-moi au [téléphone masqué]" in page.text
    assert "Véhicule enlevé. M. [nom masqué] peut nous joindre au [téléphone masqué]." in page.text
    assert "2 personnes ont signalé ou soutenu" in page.text
    assert f'src="/open311/v2/media/{town.photo_name}"' in page.text
    assert "Note interne" not in page.text  # a private event
    assert "c&#39;est M." not in page.text and "Dupont" not in page.text  # the neighbour's words stay private
    photo = get(gateway, f"/open311/v2/media/{town.photo_name}")
    assert (photo.status_code, size_of(photo.content)) == (200, ("JPEG", (48, 32)))


def test_an_open_case_shows_its_expected_date_and_no_photo(gateway, town: Town):
    page = get(gateway, f"/suivi/{town.pothole}")

    assert page.status_code == 200
    assert "Validé par le service" in page.text
    assert "Rebouchage prévu jeudi." in page.text
    assert "Traitement prévu avant le" in page.text
    assert "1 personne a signalé ou soutenu" in page.text
    assert [src for src in re.findall(r'<img [^>]*src="([^"]+)"', page.text) if src != "/static/town/logo"] == []


@pytest.mark.parametrize("written", ["lower", "no dashes", "spaces"])
def test_the_reference_may_be_typed_without_dashes_or_capitals(gateway, town: Town, written):
    digits = town.pothole.removeprefix("GU-").replace("-", "")
    typed = {"lower": town.pothole.lower(), "no dashes": "gu" + digits, "spaces": f"GU {digits[:4]} {digits[4:]}"}

    page = get(gateway, f"/suivi/{typed[written]}")
    form = get(gateway, "/suivi", reference=typed[written])

    assert (page.status_code, page.url) == (200, f"{gateway.url}/suivi/{town.pothole}")
    assert (form.status_code, form.url) == (200, f"{gateway.url}/suivi/{town.pothole}")


def test_a_mistyped_reference_gets_a_page_that_says_so(gateway, town: Town):
    last = town.pothole[-1]
    mistyped = town.pothole[:-1] + str((int(last) + 1) % 10)

    page = get(gateway, f"/suivi/{mistyped}")

    assert page.status_code == 404
    assert "Cette référence semble mal saisie" in page.text
    assert mistyped in page.text


@pytest.mark.parametrize("reference", ["GU-0000-0000", "nimporte-quoi", "GU-1234"])
def test_an_unknown_reference_gets_a_404_page(gateway, town: Town, reference):
    page = get(gateway, f"/suivi/{reference}")

    assert page.status_code == 404
    assert "Signalement introuvable" in page.text
    assert '<html lang="fr"' in page.text


def test_the_map_geojson_colours_cases_by_progress(gateway, town: Town):
    response = get(gateway, "/carte/cas.geojson")

    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/geo+json")
    collection = response.json()
    assert collection["type"] == "FeatureCollection"
    shown = {f["properties"]["reference"]: (f["properties"]["status"], f["properties"]["colour"])
             for f in collection["features"]}
    assert shown == {
        town.parked_car: ("resolved", "green"),
        town.pothole: ("validated", "orange"),
        town.street_light: ("in_progress", "orange"),
        town.rubbish: ("received", "red"),
        town.light_late: ("resolved", "green"),
        town.light_quick: ("resolved", "green"),
    }
    parked = next(f for f in collection["features"] if f["properties"]["reference"] == town.parked_car)
    longitude, latitude = parked["geometry"]["coordinates"]
    assert 0.68 <= longitude <= 0.69 and 47.38 < latitude < 47.39
    assert parked["properties"]["people"] == 2
    assert parked["properties"]["url"] == f"/suivi/{town.parked_car}"
    assert "[immatriculation masquée]" in parked["properties"]["description"]


def test_the_map_filters_by_category_status_and_commune(gateway, town: Town):
    def references(**params) -> set[str]:
        return {f["properties"]["reference"] for f in get(gateway, "/carte/cas.geojson", **params).json()["features"]}

    assert references(categorie="eclairage") == {town.street_light, town.light_late, town.light_quick}
    assert references(statut="received") == {town.rubbish}
    assert references(commune="saint-aubin") == {town.rubbish}
    assert references(categorie="eclairage", statut="resolved") == {town.light_late, town.light_quick}
    page = get(gateway, "/carte", categorie="eclairage", statut="in_progress")
    assert town.street_light in page.text and town.parked_car not in page.text  # the list under the map


def test_resolved_cases_leave_the_map_after_the_configured_days(gateway, town: Town, monkeypatch):
    def resolved_days(days: int) -> None:
        monkeypatch.setattr(gateway.rt, "settings", gateway.rt.settings.replace(map_resolved_days=days))

    resolved_days(1)
    features = get(gateway, "/carte/cas.geojson").json()["features"]

    # resolved 4 and 10 days after being reported (today): still in the window; nothing else changes
    assert len(features) == 6
    resolved_days(-20)  # a window that starts in the future
    features = get(gateway, "/carte/cas.geojson").json()["features"]
    assert {f["properties"]["colour"] for f in features} == {"red", "orange"}


def test_the_statistics_count_cases_and_measure_delays_per_service(gateway, town: Town):
    stats = get(gateway, "/statistiques.json").json()

    assert stats["totals"] == {"cases": 6, "open": 3, "resolved": 3, "within_delay_share": 0.667}
    by_category = {row["category"]: row["counts"] for row in stats["by_category"]}
    assert by_category["eclairage"] == {"received": 0, "validated": 0, "in_progress": 1, "resolved": 2}
    assert by_category["stationnement"]["resolved"] == 1
    assert by_category["dechets"]["received"] == 1
    assert stats["by_category"][0]["category"] == "eclairage"  # the most reported first
    by_status = {row["status"]: row["count"] for row in stats["by_status"]}
    assert by_status == {"received": 1, "validated": 1, "in_progress": 1, "resolved": 3}
    services = {row["service"]: row for row in stats["by_service"]}
    assert set(services) == {"valmont-police", "valmont-eclairage"}
    assert (services["valmont-police"]["median_days"], services["valmont-police"]["within_delay_share"]) == (0.5, 1.0)
    lighting = services["valmont-eclairage"]
    assert (lighting["resolved"], lighting["median_days"], lighting["within_delay"], lighting["with_delay"]) == (
        2, 7.0, 1, 2)


def test_the_statistics_page_gives_every_chart_as_a_table(gateway, town: Town):
    page = get(gateway, "/statistiques")

    assert page.status_code == 200
    assert page.text.count("<canvas") == 3
    assert page.text.count('role="img"') == 3
    assert "<caption>Nombre de signalements par catégorie et par état</caption>" in page.text
    assert "<th scope=\"row\">Éclairage public</th>" in page.text
    assert "7,0 j" in page.text and "50 %" in page.text  # lighting: median 7 days, half on time
    assert "/static/vendor/chartjs/chart.umd.js" in page.text


def test_the_atom_feed_lists_resolved_cases_with_masked_summaries(gateway, town: Town):
    response = get(gateway, "/flux/resolus.atom")

    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/atom+xml")
    feed = ElementTree.fromstring(response.content)
    assert feed.tag == f"{ATOM}feed"
    assert feed.findtext(f"{ATOM}id") and feed.findtext(f"{ATOM}title")
    assert feed.findtext(f"{ATOM}updated")[-6:] in ("+01:00", "+02:00")
    entries = {e.findtext(f"{ATOM}id"): e for e in feed.findall(f"{ATOM}entry")}
    links = {e.find(f"{ATOM}link").get("href") for e in entries.values()}
    assert links == {f"https://guichet.valmont.example/suivi/{ref}"
                     for ref in (town.parked_car, town.light_late, town.light_quick)}
    parked = entries[f"https://guichet.valmont.example/suivi/{town.parked_car}"]
    assert parked.findtext(f"{ATOM}updated")[-6:] in ("+01:00", "+02:00")
    summary = parked.findtext(f"{ATOM}summary")
    assert "voiture [immatriculation masquée] garée" in summary
    assert "M. [nom masqué] peut nous joindre au [téléphone masqué]" in summary
    for entry in entries.values():
        assert entry.findtext(f"{ATOM}title") and entry.findtext(f"{ATOM}updated")


def test_the_home_page_lists_the_latest_cases_and_links_the_public_pages(gateway, town: Town):
    page = get(gateway, "/")

    assert page.status_code == 200
    assert f'href="/suivi/{town.parked_car}"' in page.text
    for path in ("/carte", "/statistiques", "/flux/resolus.atom", 'action="/suivi"'):
        assert path in page.text
    assert "[immatriculation masquée]" not in page.text  # addresses only, never descriptions


def test_nothing_personal_on_any_public_surface(gateway, town: Town):
    paths = ["/", "/carte", "/carte/cas.geojson", "/statistiques", "/statistiques.json", "/flux/resolus.atom",
             *(f"/suivi/{ref}" for ref in (town.parked_car, town.pothole, town.street_light, town.rubbish))]
    for path in paths:
        response = get(gateway, path)
        assert response.status_code == 200, path
        text = response.text
        if "json" in response.headers["Content-Type"]:
            text = json.dumps(response.json(), ensure_ascii=False)
        for personal in PERSONAL:
            assert personal not in text, (path, personal)
