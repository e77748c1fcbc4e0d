"""The errors a browser can meet read in French, in the town's layout; the API and Open311 keep their formats."""

from __future__ import annotations

import requests


def test_unreadable_characters_a_wrong_method_and_a_huge_post_get_the_towns_french_pages(gateway):
    unreadable = requests.get(gateway.url + "/suivi/%00", timeout=10)
    wrong_method = requests.post(gateway.url + "/", data={"a": "b"}, timeout=10)
    huge = requests.post(gateway.url + "/suivi", data={"reference": "x" * (40 * 1024 * 1024)}, timeout=30)

    for response, code, title in ((unreadable, 400, "Demande illisible"), (wrong_method, 405, "Action impossible ici"),
                                  (huge, 413, "Envoi trop volumineux")):
        assert response.status_code == code
        assert '<html lang="fr"' in response.text and f"<h1>{title}</h1>" in response.text
        assert "Mairie de Valmont" in response.text and "Mentions légales" in response.text
        assert "Bad Request" not in response.text and "Method Not Allowed" not in response.text
    assert "caractères de contrôle ou invalides" in unreadable.text and "The request" not in unreadable.text
    assert "GET" in wrong_method.headers["Allow"]


def test_the_api_and_open311_keep_answering_errors_in_their_own_format(gateway):
    api = requests.get(gateway.url + "/api/v1/cases/%00", timeout=10)
    open311 = requests.get(gateway.url + "/open311/v2/requests.json?status=%00", timeout=10)

    assert api.status_code == 400 and api.headers["Content-Type"].startswith("application/")
    assert open311.status_code == 400 and open311.json()[0]["description"].startswith("La requête contient")
