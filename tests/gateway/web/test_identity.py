"""The town's identity from config/town.yaml: on every page, and checked at start-up (WCAG contrast, the logo)."""

from __future__ import annotations

import pytest
import requests
from click.testing import CliRunner

from gateway.cli import main
from gateway.errors import ConfigurationError
from gateway.identity import contrast, spaced_phone
from gateway.runtime import Runtime
from tests.conftest import serve_app


def _edit(config_dir, old: str, new: str) -> None:
    town = config_dir / "town.yaml"
    text = town.read_text(encoding="utf-8")
    assert old in text
    town.write_text(text.replace(old, new), encoding="utf-8")


def test_every_page_shows_the_town_name_logo_colours_and_contact_of_its_config(rt, config_dir):
    _edit(config_dir, "name: Mairie de Valmont", "name: Mairie de Brissac")
    _edit(config_dir, 'primary: "#1f4e79"', 'primary: "#5a2d82"')
    (config_dir / "identity" / "brissac.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 8 8"><rect width="8" height="8" fill="#5a2d82"/></svg>')
    _edit(config_dir, "logo: identity/logo.svg", "logo: identity/brissac.svg")
    _edit(config_dir, 'example: "lampadaire éteint 12 rue Balzac"', 'example: "trou devant le 3 rue des Mariniers"')
    brissac = Runtime(rt.settings.replace(config_dir=config_dir), catalogue=rt.catalogue)

    with serve_app(brissac) as served:
        home = requests.get(served.url + "/", timeout=5)
        login = requests.get(served.url + "/agents/connexion", timeout=5)
        logo = requests.get(served.url + "/static/town/logo", timeout=5)
        colours = requests.get(served.url + "/static/town/colours.css", timeout=5)

    for page in (home, login):
        assert page.status_code == 200
        assert "Mairie de Brissac" in page.text
        assert 'src="/static/town/logo"' in page.text
        assert "02 47 00 00 00" in page.text and "1 place de la Mairie, 37000 Valmont" in page.text
    assert "<title>Accueil – Mairie de Brissac</title>" in home.text
    assert "par exemple « trou devant le 3 rue des Mariniers »" in home.text and "Balzac" not in home.text
    assert (logo.status_code, logo.headers["Content-Type"].split(";")[0]) == (200, "image/svg+xml")
    assert 'fill="#5a2d82"' in logo.text
    assert "--town-primary: #5a2d82;" in colours.text


def test_the_town_yaml_name_also_signs_the_mail_and_greets_callers_unless_guichet_town_name_says_another(
        rt, config_dir):
    _edit(config_dir, "name: Mairie de Valmont", "name: Mairie de Brissac")
    brissac = Runtime(rt.settings.replace(config_dir=config_dir, town_name=""), catalogue=rt.catalogue)
    renamed = Runtime(rt.settings.replace(config_dir=config_dir, town_name="Ville de Brissac-Loire"),
                      catalogue=rt.catalogue)

    assert brissac.channel_settings.email_display_name == "Mairie de Brissac – Guichet"
    assert brissac.channel_settings.update_call[0] == "Bonjour, ici Mairie de Brissac, au sujet de votre signalement."
    assert renamed.channel_settings.email_display_name == "Ville de Brissac-Loire – Guichet"


@pytest.mark.parametrize(("field", "pale", "ratio"), [("primary", "#e4794a", "2.9"), ("secondary", "#ffcc00", "1.5")])
def test_a_colour_white_text_cannot_be_read_on_stops_the_start_with_one_sentence(rt, config_dir, field, pale, ratio):
    old = {"primary": 'primary: "#1f4e79"', "secondary": 'secondary: "#6b3d0f"'}[field]
    _edit(config_dir, old, f'{field}: "{pale}"')

    with pytest.raises(ConfigurationError) as refused:
        Runtime(rt.settings.replace(config_dir=config_dir), catalogue=rt.catalogue)

    assert str(refused.value) == (
        f"{config_dir / 'town.yaml'}: colours.{field} {pale} against white has a contrast of {ratio}:1, below the "
        "4.5:1 WCAG asks of text; choose a darker colour, e.g. '#1f4e79'")


def test_guichet_serve_with_a_pale_colour_ends_with_the_sentence_not_a_traceback(config_dir, tmp_path, monkeypatch):
    _edit(config_dir, 'primary: "#1f4e79"', 'primary: "#aaaaaa"')
    for variable, value in {"GUICHET_CONFIG_DIR": str(config_dir), "DATABASE_URL": f"sqlite:///{tmp_path}/g.db",
                            "GUICHET_SECRET_KEY": "a-secret-of-this-test-only", "TWILIO_AUTH_TOKEN": "test-token-1",
                            "TELEGRAM_WEBHOOK_SECRET": "test-secret-1"}.items():
        monkeypatch.setenv(variable, value)

    result = CliRunner().invoke(main, ["serve"])

    assert result.exit_code == 1
    assert result.output.splitlines() == [
        f"Error: {config_dir / 'town.yaml'}: colours.primary #aaaaaa against white has a contrast of 2.3:1, below the "
        "4.5:1 WCAG asks of text; choose a darker colour, e.g. '#1f4e79'"]


@pytest.mark.parametrize(("old", "new", "says"), [
    ("  siret: \"21370000000017\"", "  siret: \"2137\"", "legal.siret '2137' is not a SIRET: write its 14 digits"),
    ("logo: identity/logo.svg", "logo: identity/missing.svg", "logo identity/missing.svg is not an SVG, PNG, WebP or"),
    ("  email: dpo@valmont.localhost\n", "", "dpo.email is missing"),
    ('primary: "#1f4e79"', 'primary: "blue"', "colours.primary 'blue' is not a colour written #rrggbb"),
])
def test_a_town_file_missing_or_malformed_field_is_named_at_start_up(rt, config_dir, old, new, says):
    _edit(config_dir, old, new)

    with pytest.raises(ConfigurationError, match="town.yaml: ") as refused:
        Runtime(rt.settings.replace(config_dir=config_dir), catalogue=rt.catalogue)

    assert says in str(refused.value)


def test_the_shipped_colours_and_the_wcag_formula_agree_with_known_ratios():
    assert round(contrast("#000000", "#ffffff"), 1) == 21.0
    assert round(contrast("#767676", "#ffffff"), 2) == 4.54  # the palest grey that passes, as WebAIM gives it
    assert round(contrast("#0000ff", "#ffffff"), 2) == 8.59
    assert round(contrast("#1f4e79", "#ffffff"), 2) == 8.66 and round(contrast("#6b3d0f", "#ffffff"), 2) == 9.13


def test_phone_numbers_read_as_residents_write_them():
    assert [spaced_phone(n) for n in ("+33247000000", "0700000001", "+4420 7946 0000")] == [
        "02 47 00 00 00", "07 00 00 00 01", "+4420 7946 0000"]
