"""The templates: a town's edited copy is checked at start-up, and the phone speaks them, updates included."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
import yaml

from channels.base import OutboundMessage
from gateway.errors import ConfigurationError


def _edit(config_dir, change) -> None:
    path = config_dir / "messages.fr.yaml"
    templates = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(templates)
    path.write_text(yaml.safe_dump(templates, allow_unicode=True), encoding="utf-8")


def test_a_town_copy_missing_a_spoken_template_stops_the_start_naming_it(make_runtime, config_dir):
    _edit(config_dir, lambda t: t["voice"].pop("welcome"))

    with pytest.raises(ConfigurationError) as refused:
        make_runtime(config_dir=config_dir)

    assert str(refused.value).startswith("messages.fr.yaml has no template voice.welcome: copy it from the shipped "
                                         "config/messages.fr.yaml")


def test_a_placeholder_guichet_never_fills_stops_the_start(make_runtime, config_dir):
    _edit(config_dir, lambda t: t["voice"].update(delay="Délai : {delai}."))

    with pytest.raises(ConfigurationError) as refused:
        make_runtime(config_dir=config_dir)

    assert str(refused.value) == ("messages.fr.yaml template voice.delay uses {delai}, which Guichet does not fill: "
                                  "use only {delay}")


def test_a_lone_brace_is_named(make_runtime, config_dir):
    _edit(config_dir, lambda t: t.update(unknown_place="lieu {inconnu"))

    with pytest.raises(ConfigurationError) as refused:
        make_runtime(config_dir=config_dir)

    assert "template unknown_place has a lone { or }" in str(refused.value)


def test_a_reworded_copy_starts_and_is_spoken(make_runtime, config_dir):
    _edit(config_dir, lambda t: t["voice"].update(welcome="Bienvenue sur la ligne de Brissac."))

    rt = make_runtime(config_dir=config_dir)

    assert rt.messages.render("voice.welcome") == "Bienvenue sur la ligne de Brissac."


def test_an_update_call_greets_in_the_town_name_from_the_templates(make_runtime, twilio):
    rt = make_runtime(town_name="Mairie de Brissac")
    twilio.reset()

    rt.channels["voice"].send(OutboundMessage(id=7, channel="voice", to="+33247123456", from_=None,
                                              body="GU-4827-3918 : votre signalement est résolu.", purpose="update"))

    [call] = twilio.calls
    assert [say.text for say in ET.fromstring(call["twiml"]).iter("Say")] == [
        "Bonjour, ici Mairie de Brissac, au sujet de votre signalement.",
        "G U, 4 8 2 7, 3 9 1 8 : votre signalement est résolu.", "Je répète.",
        "G U, 4 8 2 7, 3 9 1 8 : votre signalement est résolu.", "Au revoir."]


@pytest.mark.parametrize("name", ["messages.fr.yaml", "messages.en.yaml", "services.yaml"])
def test_a_config_file_that_is_not_yaml_stops_the_start_naming_it_and_the_line(make_runtime, config_dir, name):
    path = config_dir / name
    path.write_text(path.read_text(encoding="utf-8") + 'broken: "never closed\n', encoding="utf-8")

    with pytest.raises(ConfigurationError) as refused:
        make_runtime(config_dir=config_dir)

    said = str(refused.value)
    assert said.startswith(f"{path} is not valid YAML at line ") and "check the quotes and the indentation" in said


def test_a_service_without_its_communes_is_named(make_runtime, config_dir):
    path = config_dir / "services.yaml"
    services = yaml.safe_load(path.read_text(encoding="utf-8"))
    del services["services"][1]["communes"]
    path.write_text(yaml.safe_dump(services, allow_unicode=True), encoding="utf-8")

    with pytest.raises(ConfigurationError) as refused:
        make_runtime(config_dir=config_dir)

    assert str(refused.value) == (f"{path}: service 2 needs a code, a name, its communes and categories "
                                  "('communes' is missing or malformed)")


def test_a_placeholder_in_a_template_that_takes_none_says_so(make_runtime, config_dir):
    _edit(config_dir, lambda t: t["voice"].update(goodbye="Au revoir {prenom}."))

    with pytest.raises(ConfigurationError) as refused:
        make_runtime(config_dir=config_dir)

    assert str(refused.value) == ("messages.fr.yaml template voice.goodbye uses {prenom}, which Guichet does not "
                                  "fill: it takes no placeholder")
