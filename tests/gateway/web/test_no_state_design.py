"""Nothing of the State's design system, its logo or its font, which communes may not use, in what
Guichet serves: templates, static files, the npm packages assets.py serves, package.json, and the pages as served."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
import requests

from gateway.settings import REPO
from gateway.web.assets import VENDORED

WEB = REPO / "gateway" / "web"
STATE = re.compile(r"dsfr|marianne|@gouvfr|\bfr-(?!FR\b)[a-z]+(?:__|--|-)?[a-z]*", re.IGNORECASE)
TEXT_FILES = (".html", ".css", ".js", ".mjs", ".json", ".svg", ".map", ".txt", ".md")


def state_marks(text: str) -> set[str]:
    """The words of the State's design system in `text` (its name, its logo's and font's name, an `fr-` class)."""
    return {match.group(0) for match in STATE.finditer(text)}


def text_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in TEXT_FILES)


@pytest.mark.parametrize("folder", ["templates", "static"])
def test_no_template_or_static_file_names_the_state_design_system(folder):
    files = text_files(WEB / folder)

    assert files
    assert {str(p.relative_to(REPO)): state_marks(p.read_text(encoding="utf-8")) for p in files
            if state_marks(p.read_text(encoding="utf-8"))} == {}


def test_the_npm_packages_served_and_package_json_hold_no_state_design_system():
    manifests = [REPO / "package.json", REPO / "package-lock.json", REPO / "config" / "town.yaml",
                 *text_files(REPO / "config" / "identity")]
    served = [p for folder in VENDORED.values() for p in text_files(folder)]

    assert "dsfr" not in VENDORED and all("@gouvfr" not in str(folder) for folder in VENDORED.values())
    assert served  # node_modules is installed (make install)
    assert [str(p.relative_to(REPO)) for p in manifests + served
            if re.search("dsfr|marianne|@gouvfr", p.read_text(encoding="utf-8", errors="replace"), re.I)] == []


def test_no_template_writes_a_style_attribute_the_pages_policy_would_refuse():
    written = {str(p.relative_to(REPO)) for p in text_files(WEB / "templates")
               if re.search(r"\sstyle=", p.read_text(encoding="utf-8"))}

    assert written == set()


class _Linked(HTMLParser):
    """The stylesheets, scripts, icons and images a page loads."""

    def __init__(self):
        super().__init__()
        self.urls: set[str] = set()

    def handle_starttag(self, tag, attrs):
        found = dict(attrs)
        if tag in ("link", "script", "img") and (found.get("href") or found.get("src")):
            self.urls.add(found.get("href") or found.get("src") or "")


@pytest.mark.parametrize("path", ["/", "/carte", "/statistiques", "/suivi/GU-0000-0000", "/mentions-legales",
                                  "/accessibilite", "/donnees-personnelles", "/agents/connexion"])
def test_a_page_and_every_file_it_loads_show_nothing_of_the_state_design_system(gateway, path):
    page = requests.get(gateway.url + path, timeout=5)
    linked = _Linked()
    linked.feed(page.text)
    loaded = {url: requests.get(gateway.url + url, timeout=5) for url in linked.urls if url.startswith("/")}

    assert page.status_code in (200, 404)
    assert state_marks(page.text) == set()
    assert {url: response.status_code for url, response in loaded.items()} == dict.fromkeys(loaded, 200)
    assert {url for url, response in loaded.items() if state_marks(response.text)} == set()
    assert any(url.endswith("town.css") for url in loaded)
