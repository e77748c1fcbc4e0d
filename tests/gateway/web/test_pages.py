"""The public pages' frame: French, the town's own stylesheet, the npm packages served and nothing else."""

from __future__ import annotations

import requests


def test_home_is_french_and_tells_how_to_reach_the_town(gateway):
    page = requests.get(gateway.url + "/", timeout=5)

    assert page.status_code == 200
    assert '<html lang="fr"' in page.text
    assert "/static/town/town.css" in page.text
    assert "Envoyez un SMS au +33700000001" in page.text
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
