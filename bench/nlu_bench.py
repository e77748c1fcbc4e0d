"""How fast messages are understood: first answer after start-up, and messages per second in batch.

Run on one core: `taskset -c 0 .venv/bin/python bench/nlu_bench.py`. The bars of issue 3 are a first
answer under 3 s (model load included) and at least 300 messages a second in batch; issue 15's, 1,000 a
second a core in batch.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CORPORA = [ROOT / "config/examples/corpus.jsonl", ROOT / "config/examples/corpus_heldout.jsonl"]
STREETS = ["rue Victor Hugo", "av Jean Jaurès", "bd gambetta", "rue de la République", "impasse des Lilas",
           "chemin des Vignes", "place Lamartine", "quai de la Résistance", "route de Tours", "allée Voltaire"]  # fmt: skip
FIRST_ANSWER = """
import time
started = time.perf_counter()
import nlu
analysis = nlu.analyze("Nid de poule devant le 14 rue Victor Hugo")
print(time.perf_counter() - started)
"""
# The same, with a message only the classifier understands: it is trained on the examples when first needed.
FIRST_GUESS = FIRST_ANSWER.replace("Nid de poule devant le 14 rue Victor Hugo", "des cartons entassés au pied de l'immeuble")
# Where the first answer's time goes, measured in a second fresh process.
BREAKDOWN = """
import time
marks = [time.perf_counter()]
import spacy
marks.append(time.perf_counter())
from nlu.french import use_light_french_tokenizer
use_light_french_tokenizer()  # as load_model does, before spaCy's French is imported
import spacy.lang.fr
marks.append(time.perf_counter())
from nlu.understander import load_model
load_model()
marks.append(time.perf_counter())
import nlu
nlu.Understander(nlu.default_config_dir())
marks.append(time.perf_counter())
print(*(b - a for a, b in zip(marks, marks[1:])))
"""


def messages(count: int) -> list[str]:
    """`count` distinct resident messages: the corpora's, then the same with another place."""
    base = [json.loads(line)["text"] for path in CORPORA for line in path.read_text(encoding="utf-8").splitlines()]
    out = list(base)
    n = 0
    while len(out) < count:
        text = base[n % len(base)]
        out.append(f"{text} {1 + n % 97} {STREETS[n % len(STREETS)]}")
        n += 1
    return out[:count]


def run_fresh(code: str) -> list[float]:
    """The figures a snippet prints, run in a fresh Python process on the same cores."""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    return [float(figure) for figure in done.stdout.split()]


def main() -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=3000, help="distinct messages in the batch")
    args = parser.parse_args()

    import nlu

    (first,) = run_fresh(FIRST_ANSWER)
    print(f"first answer after start-up (import nlu, model load, analysis): {first:5.2f} s")
    (guess,) = run_fresh(FIRST_GUESS)
    print(f"first answer the classifier gives (its training included):      {guess:5.2f} s")
    spacy_import, french, model, places = run_fresh(BREAKDOWN)
    print(f"  of which: import spacy {spacy_import:.2f} s, spaCy's French language (tokenizer rules) {french:.2f} s,")
    print(f"            model from disk {model:.2f} s, catalogue and gazetteer {places:.2f} s")

    batch = messages(args.messages)
    understander = nlu.Understander(nlu.default_config_dir())
    started = time.perf_counter()
    understander.analyze_many(batch)
    batch_rate = len(batch) / (time.perf_counter() - started)
    print(f"batch (analyze_many, {len(batch)} distinct messages):            {batch_rate:6.0f} messages/s")

    single = nlu.Understander(nlu.default_config_dir())
    started = time.perf_counter()
    for text in batch[:1000]:
        single.analyze(text)
    single_rate = 1000 / (time.perf_counter() - started)
    print(f"one by one (analyze, 1000 distinct messages):                 {single_rate:6.0f} messages/s")


if __name__ == "__main__":
    main()
