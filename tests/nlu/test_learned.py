"""The classifier beside the rules (nlu/learned.py): it fills what the catalogue never listed, never what it says."""

import json
import shutil
from pathlib import Path

import yaml

import nlu
from gateway.engine.conversation import CONFIRM_BELOW
from nlu.learned import Learned

CONFIG_DIR = Path(__file__).resolve().parents[2] / "config"
UNLISTED = "des cartons entassés au pied de l'immeuble depuis une semaine"


def _without_examples(tmp_path: Path) -> Path:
    shutil.copy(CONFIG_DIR / "catalogue.yaml", tmp_path)
    return tmp_path


def test_words_no_keyword_lists_get_the_category_of_the_examples_they_resemble(understander, tmp_path):
    rules_only = nlu.Understander(_without_examples(tmp_path)).analyze(UNLISTED)
    learned = understander.analyze(UNLISTED)

    assert (rules_only.intent, rules_only.category) == ("other", None)
    assert (learned.intent, learned.category, learned.urgency) == ("report", "dechets", "normal")
    assert 0 < learned.confidence < CONFIRM_BELOW  # the resident is asked « C'est bien au sujet de : … ? »


def test_a_keyword_the_town_adds_decides_over_the_examples(understander, tmp_path):
    raw = yaml.safe_load((CONFIG_DIR / "catalogue.yaml").read_text(encoding="utf-8"))
    autre = next(c for c in raw["categories"] if c["code"] == "autre")
    autre["keywords"]["fr"].append("cartons entassés")
    (tmp_path / "catalogue.yaml").write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    shutil.copytree(CONFIG_DIR / "examples", tmp_path / "examples")

    analysis = nlu.Understander(tmp_path).analyze(UNLISTED)

    assert understander.analyze(UNLISTED).category == "dechets"
    assert analysis.category == "autre" and analysis.confidence > understander.analyze(UNLISTED).confidence


def test_a_town_teaches_it_with_its_own_examples(tmp_path):
    config = _without_examples(tmp_path)
    (config / "examples").mkdir()
    lines = [
        {"text": "les goélands éventrent les sacs tous les matins", "intent": "report", "category": "dechets"},
        {"text": "des goélands partout sur les sacs poubelles", "intent": "report", "category": "dechets"},
        {"text": "le lampadaire ne marche plus", "intent": "report", "category": "eclairage"},
        {"text": "merci beaucoup", "intent": "other", "category": None},
    ]
    (config / "examples" / "town.jsonl").write_text("\n".join(json.dumps(line) for line in lines), encoding="utf-8")

    analysis = nlu.Understander(config).analyze("encore les goélands qui éventrent tout au 3 rue Pasteur")

    assert (analysis.intent, analysis.category, analysis.address) == ("report", "dechets", "3 rue Pasteur")


def test_commands_greetings_and_bare_places_are_never_guessed(understander):
    said = {text: understander.analyze(text) for text in ("Bonjour", "STOP", "aide", "à Saumur rue d'Orléans", "oui")}

    assert {text: (a.intent, a.category) for text, a in said.items()} == {
        "Bonjour": ("other", None), "STOP": ("stop", None), "aide": ("help", None),
        "à Saumur rue d'Orléans": ("other", None), "oui": ("other", None),
    }  # fmt: skip


def test_an_example_of_a_category_the_catalogue_dropped_teaches_no_category(tmp_path):
    lines = ['{"text": "le chasse-neige n\'est pas passé", "intent": "report", "category": "deneigement"}',
             '{"text": "nid de poule", "intent": "report", "category": "chaussee"}']
    (tmp_path / "town.jsonl").write_text("\n".join(lines), encoding="utf-8")

    with_snow = Learned.from_examples(tmp_path, ["chaussee", "deneigement"])
    without = Learned.from_examples(tmp_path, ["chaussee"])

    assert with_snow is not None and with_snow.guess("chasse-neige pas passé").category == "deneigement"
    assert without is not None and without.guess("chasse-neige pas passé").category is None
    assert Learned.from_examples(tmp_path / "nothing", ["chaussee"]) is None


def test_the_fountain_that_leaks_in_a_park_is_a_leak(understander):
    analysis = understander.analyze("la fontaine du parc du château fuit")

    assert (analysis.category, analysis.address) == ("eau", "parc du château")
    assert analysis.confidence >= CONFIRM_BELOW  # a leak said in two words of its own is not asked about


def test_a_category_the_rules_found_in_a_context_word_alone_gives_way_to_a_sure_classifier(understander, tmp_path):
    text = "Lignes blanches plus visibles du tout sur l'avenue de la Gare, la nuit"  # « la nuit » says noise

    rules_only = nlu.Understander(_without_examples(tmp_path)).analyze(text)
    learned = understander.analyze(text)

    assert (rules_only.category, rules_only.confidence < 0.6) == ("bruit", True)
    assert (learned.intent, learned.category) == ("report", "signalisation")
    assert 0 < learned.confidence < CONFIRM_BELOW  # a guess: the resident is asked to confirm it


def test_a_question_nothing_understood_about_no_place_is_a_help_question(tmp_path):
    rules_only = nlu.Understander(_without_examples(tmp_path))

    asked = [rules_only.analyze(t) for t in ("vous êtes ouverts le dimanche ?", "Am I talking to a bot?")]
    said = rules_only.analyze("vous êtes ouverts le dimanche")

    assert [(a.intent, a.address) for a in asked] == [("help", None), ("help", None)]
    assert said.intent == "other"


def test_the_examples_make_high_what_no_urgency_rule_holds_never_an_emergency(understander, tmp_path):
    text = "le lampadaire penche au-dessus de l'arrêt de bus, les collégiens attendent juste dessous"

    rules_only = nlu.Understander(_without_examples(tmp_path)).analyze(text)
    learned = understander.analyze(text)

    assert (rules_only.category, rules_only.urgency) == ("eclairage", "normal")
    assert (learned.category, learned.urgency, learned.emergency_numbers) == ("eclairage", "high", ())
