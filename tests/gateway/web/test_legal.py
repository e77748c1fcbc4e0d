"""The pages the law asks of a town's site, linked from every page's footer and filled from config/town.yaml and
the settings: mentions légales, déclaration d'accessibilité, données personnelles."""

from __future__ import annotations

import pytest
import requests
from markupsafe import escape

from gateway.runtime import Runtime
from gateway.web.legal import CHECKED_PAGES
from tests.conftest import serve_app

LEGAL = {"/mentions-legales": "Mentions légales", "/accessibilite": "Accessibilité : non conforme",
         "/donnees-personnelles": "Données personnelles"}


@pytest.mark.parametrize("path", ["/", "/carte", "/statistiques", "/suivi/GU-0000-0000", "/agents/connexion",
                                  *LEGAL])
def test_every_page_links_the_three_legal_pages_from_its_footer(gateway, path):
    page = requests.get(gateway.url + path, timeout=5)
    footer = page.text[page.text.index('id="pied-de-page"'):]

    for target, words in LEGAL.items():
        assert f'<a href="{target}">{words}</a>' in footer


def test_the_mentions_legales_name_the_publisher_director_host_and_siret_of_the_town_file(rt, config_dir):
    town = config_dir / "town.yaml"
    town.write_text(town.read_text(encoding="utf-8")
                    .replace("name: Mairie de Valmont", "name: Mairie de Brissac")
                    .replace('"Le maire de Valmont"', '"Jeanne Martin, maire"')
                    .replace('"21370000000017"', '"213 700 420 00019"')
                    .replace('"Valmont Numérique, 1 place', '"Hébergeur Exemple, 1 place'), encoding="utf-8")
    brissac = Runtime(rt.settings.replace(config_dir=config_dir), catalogue=rt.catalogue)

    with serve_app(brissac) as served:
        page = requests.get(served.url + "/mentions-legales", timeout=5)

    assert page.status_code == 200
    for shown in ("<h1>Mentions légales</h1>", "<dd>Mairie de Brissac</dd>", "<dd>21370042000019</dd>",
                  "<dd>Jeanne Martin, maire</dd>", "Hébergeur Exemple, 1 place de la Mairie", "02 47 00 00 00"):
        assert shown in page.text


def test_the_personal_data_page_gives_the_retention_periods_of_the_settings_and_the_dpo(rt, make_runtime):
    town = make_runtime(retention_months=36, photo_retention_days=90)

    with serve_app(town) as served:
        page = requests.get(served.url + "/donnees-personnelles", timeout=5)

    assert page.status_code == 200
    assert "effacés <strong>36 mois</strong> après la clôture du" in page.text
    assert "supprimées <strong>90 jours</strong> après leur envoi" in page.text
    assert "mission d’intérêt public" in page.text and "article 6, paragraphe 1, point e" in page.text
    assert '<a href="mailto:dpo@valmont.localhost">dpo@valmont.localhost</a>' in page.text
    assert "Responsable du traitement" in page.text and "Mairie de Valmont, 1 place de la Mairie" in page.text
    assert "SUPPRIMER MES DONNÉES" in page.text


def test_the_accessibility_statement_gives_the_state_and_the_figure_of_the_axe_tests(gateway):
    page = requests.get(gateway.url + "/accessibilite", timeout=5)

    assert page.status_code == 200
    assert "Ce site est <strong>non conforme</strong>" in page.text
    assert '<strong id="violations">0 violation</strong>' in page.text
    assert f"sur les {len(CHECKED_PAGES)} pages suivantes" in page.text
    assert "1280 px et 390 px de large" in page.text
    assert all(f"<li>{escape(label)}</li>" in page.text for label, _ in CHECKED_PAGES)
    assert "Défenseur des droits" in page.text
