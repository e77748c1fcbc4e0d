"""spaCy's French loads without its 1.45 MB tokenizer pattern, and understands just as well."""

import subprocess
import sys
from pathlib import Path

import pytest

from nlu.french import use_light_french_tokenizer

ROOT = Path(__file__).resolve().parents[2]
FIRST_ANSWER = """
import sys
{before}
import nlu
analysis = nlu.analyze("nid-de-poule devant le 3 rue de Saint-Aubin")
tokenizer = nlu.default_understander()._nlp.tokenizer
print(tokenizer.token_match is None, sys.modules["spacy.lang.fr.tokenizer_exceptions"].TOKEN_MATCH is None)
print(analysis.category, analysis.address, sep="|")
"""


def first_answer(before: str = "") -> list[str]:
    """What a fresh process prints after its first analysis."""
    code = FIRST_ANSWER.format(before=before)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    return done.stdout.splitlines()


def test_a_fresh_process_uses_the_light_tokenizer():
    assert first_answer() == ["True True", "chaussee|3 rue de Saint-Aubin"]


def test_french_imported_beforehand_is_used_as_it_is():
    assert first_answer("import spacy.lang.fr") == ["False False", "chaussee|3 rue de Saint-Aubin"]


def test_the_workaround_is_decided_once_per_process(understander):
    light = use_light_french_tokenizer()

    assert use_light_french_tokenizer() is light
    assert (understander._nlp.tokenizer.token_match is None) is light
    assert (sys.modules["spacy.lang.fr.tokenizer_exceptions"].TOKEN_MATCH is None) is light


@pytest.mark.parametrize(
    "text, lemmas",
    [
        ("les poubelles débordent", ["le", "poubelle", "déborder"]),
        ("les lampadaires sont éteints", ["le", "lampadaire", "être", "éteint"]),
        ("le nid de poule", ["le", "nid", "de", "poule"]),
    ],
)
def test_the_lemmas_of_the_keywords_are_right(understander, text, lemmas):
    doc = understander._nlp.make_doc(text)  # messages are only tokenised: lemmas come from the lookup table

    assert [lemma for token, lemma in zip(doc, lemmas, strict=True) if lemma in understander._token_forms(token).exact] \
        == lemmas


@pytest.mark.parametrize(
    "text, category, address",
    [
        ("nid-de-poule devant le 3 rue de Saint-Aubin", "chaussee", "3 rue de Saint-Aubin"),
        ("garde-corps arraché sur le pont", "obstacle", "le pont"),
        ("ya des tags sur le rond-point", "graffiti", None),
        ("aujourd'hui le lampadaire est encore éteint av. Jean Jaurès", "eclairage", "av. Jean Jaurès"),
    ],
)
def test_hyphenated_and_elided_words_are_understood(understander, text, category, address):
    analysis = understander.analyze(text)

    assert (analysis.category, analysis.address) == (category, address)
