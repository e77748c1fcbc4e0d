"""Leaving each corpus out of the classifier's training in turn, and scoring the understanding on it.

The rules were tuned on every corpus of `config/examples/`, so these figures flatter the rules; they compare
fairly the ways of combining the rules with what is learned (tests/nlu/README.md says what was chosen with them).

    .venv/bin/python bench/nlu_loco.py                     # every blind corpus (v4 on) and training corpus
    .venv/bin/python bench/nlu_loco.py heldout_v11 train_c  # some of them
    LEARNED_RISK=3 .venv/bin/python bench/nlu_loco.py       # with another value of a constant of nlu/understander.py
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import nlu.understander as understanding  # noqa: E402
from nlu.evaluation import read_corpus, score  # noqa: E402
from nlu.learned import Learned  # noqa: E402

EXAMPLES = ROOT / "config" / "examples"
TUNABLE = ("LEARNED_OVERRULES", "WEAK_RULE_CONFIDENCE", "LEARNED_MARGIN", "LEARNED_RISK", "LEARNED_DECIDES_INTENT")
FIELDS = ("intent", "category", "urgency", "address")


def main(names: list[str]) -> None:
    for name in TUNABLE:
        if os.environ.get(name):
            setattr(understanding, name, float(os.environ[name]))
    understander = understanding.Understander(ROOT / "config")
    files = sorted(EXAMPLES.glob("*.jsonl"))
    blind = [f for f in files if f.stem.startswith("corpus_train") or f.stem[len("corpus_heldout_v"):].isdigit()
             and int(f.stem[len("corpus_heldout_v"):]) >= 4]
    chosen = [f for f in files if any(f.stem.endswith(n) for n in names)] if names else blind
    means = dict.fromkeys((*FIELDS, "high"), 0.0)
    for test in chosen:
        others = [f for f in files if f != test]
        understander.__dict__["_learned"] = Learned.from_files(others, understander.catalogue.categories)
        understander._cache.clear()
        examples = read_corpus(test)
        report = score(examples, understander.analyze_many([e.text for e in examples]))
        row = {name: report.accuracy(name) for name in FIELDS}
        row["high"] = report.high_found / report.high_expected if report.high_expected else 1.0
        for key, value in row.items():
            means[key] += value / len(chosen)
        figures = " ".join(f"{key} {value:.3f}" for key, value in row.items())
        print(f"{test.stem:<26} {figures}  emergencies {report.emergencies_found}/{report.emergencies_expected},"
              f" {report.false_emergencies} invented")
    print(f"{'mean':<26} " + " ".join(f"{key} {value:.3f}" for key, value in means.items()))


if __name__ == "__main__":
    main(sys.argv[1:])
