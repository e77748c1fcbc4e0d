"""The public pages' frame: French, the State design system served from npm, no personal data."""

from __future__ import annotations

import requests


def test_home_is_french_and_tells_how_to_reach_the_town(gateway):
    page = requests.get(gateway.url + "/", timeout=5)

    assert page.status_code == 200
    assert '<html lang="fr"' in page.text
    assert "/static/vendor/dsfr/dsfr.min.css" in page.text
    assert "Envoyez un SMS au +33700000001" in page.text
    assert "Appelez le" in page.text and "24 h sur 24" in page.text


def test_the_design_system_is_served_from_npm_and_nothing_else_is(gateway):
    css = requests.get(gateway.url + "/static/vendor/dsfr/dsfr.min.css", timeout=5)
    outside = requests.get(gateway.url + "/static/vendor/typescript/lib.d.ts", timeout=5)
    escape = requests.get(gateway.url + "/static/vendor/dsfr/../../../../package.json", timeout=5)

    assert (css.status_code, css.headers["Content-Type"].split(";")[0]) == (200, "text/css")
    assert ".fr-header" in css.text
    assert outside.status_code == 404
    assert escape.status_code == 404
