"""Case references in messages: found however they are typed, typos caught by the check digit."""

import pytest

from nlu.references import find_references, format_reference, is_valid, new_reference


@pytest.mark.parametrize(
    "written",
    ["GU-4827-3918", "gu-4827-3918", "GU 4827 3918", "GU48273918", "GU-48273918", "gu 4827-3918", "GU#4827 3918"],
)
def test_a_reference_is_found_with_or_without_dashes_and_spaces(written):
    found = find_references(f"où en est {written} svp ?")

    assert [(m.written, m.reference, m.valid) for m in found] == [(written, "GU-4827-3918", True)]


@pytest.mark.parametrize("written", ["4827 3918", "4827-3918", "48273918"])
def test_a_reference_without_its_prefix_is_found(written):
    assert [m.reference for m in find_references(f"dossier {written}")] == ["GU-4827-3918"]


@pytest.mark.parametrize("mistyped", ["GU-4827-3917", "GU-4872-3918", "GU-4827-3981", "GU-1827-3918"])
def test_a_single_typo_or_a_swap_of_two_digits_is_caught(mistyped):
    assert [m.valid for m in find_references(mistyped)] == [False]


def test_a_phone_number_is_no_reference():
    assert find_references("rappelez moi au 0612345678 ou au 06 12 34 56 78") == []


def test_new_references_are_valid_and_formatted():
    reference = new_reference()

    assert (is_valid(reference), len(reference), reference[:3]) == (True, 12, "GU-")
    assert format_reference("48273918", "VM") == "VM-4827-3918"


def test_analysis_gives_a_valid_reference_normalised(understander):
    analysis = understander.analyze("où en est gu 4827 3918 ?")

    assert (analysis.intent, analysis.reference, analysis.mistyped_reference) == ("status", "GU-4827-3918", None)


def test_analysis_gives_a_mistyped_reference_as_written(understander):
    analysis = understander.analyze("où en est gu 4827 3917 ?")

    assert (analysis.intent, analysis.reference, analysis.mistyped_reference) == ("status", None, "gu 4827 3917")


def test_a_message_that_is_only_a_reference_asks_for_its_status(understander):
    analysis = understander.analyze("GU48273918")

    assert (analysis.intent, analysis.reference) == ("status", "GU-4827-3918")
