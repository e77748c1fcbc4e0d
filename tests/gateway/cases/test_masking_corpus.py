"""The masking of personal data on the labelled corpus: the recall bars of issue 10 (bench/masking_bench.py prints all)."""

from __future__ import annotations

import pytest

from bench.masking_bench import load_corpus, score


@pytest.fixture(scope="module")
def scores():
    return score(load_corpus())


def test_the_corpus_holds_at_least_200_labelled_lines():
    lines = load_corpus()

    assert len(lines) >= 200
    assert {kind for line in lines for kind, _, _ in line.spans} == {"phone", "email", "plate", "name"}


@pytest.mark.parametrize("kind, bar", [("phone", 0.98), ("email", 0.98), ("plate", 0.98), ("name", 0.90)])
def test_recall_of_each_class_reaches_its_bar(scores, kind, bar):
    assert scores[kind].recall >= bar, scores[kind].misses


def test_lines_without_personal_data_are_left_as_they_are():
    from gateway.cases.privacy import mask_personal

    untouched = [line.text for line in load_corpus() if not line.spans]
    changed = [text for text in untouched if mask_personal(text) != text]

    assert len(changed) <= len(untouched) // 20, changed  # precision: at most one clean line in twenty touched
