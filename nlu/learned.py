"""What the understanding learns from examples, beside the catalogue's rules.

The catalogue's keywords stay the town's lever: a keyword added there works at the next start, and wherever
the rules find a category they decide. The rules miss what nobody listed ("on y voit plus rien le soir" is
lighting, "la route s'affaisse" the road). A classifier trained on the town's labelled messages
(`config/examples/*.jsonl`, the corpora `guichet analyze --eval` scores) fills that gap: when the rules find
no category in a message that may be a report, an idea or a status question, its guess is taken, with a
confidence kept under the engine's bar so that the resident is asked « c'est bien … ? » before a case is
opened on a guess. It also gives a second opinion where the rules decided on weak evidence, and a third model,
trained on the reports alone, tells when one says someone can get hurt soon in words no urgency rule holds
(nlu/understander.py says when each is taken, and how that was measured).

The model is Complement Naive Bayes (Rennie et al., 2003) on folded words, word pairs and the 3–5 letter
pieces of every word, which carry typos and SMS spellings ("defoncee", "lampdaire"). It is counted, not
fitted: it trains in well under a second at start-up from the examples themselves, so there is no model file
to build, ship or keep in step with the examples. Chosen over scikit-learn, which would bring SciPy into every
worker process (their memory budget is 400 MB), and over spaCy's `textcat`, which scored 72 % on categories
against this one's 81 % in five-fold cross-validation over the same 1,136 messages and takes seconds a model to
train.
"""

from __future__ import annotations

import functools
import json
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from nlu.text import fold

_WORD = re.compile(r"[^\W\d_]+|\d+")
# Additive smoothing of the counts (a feature a class never showed still has a little weight).
_ALPHA = 0.3
# The label of "no category" (commands, greetings, bare places).
NONE = "none"
# The label of a report whose urgency is high or an emergency: someone can get hurt.
_RISK = "risk"


def features(text: str) -> list[str]:
    """A message as the classifier sees it: folded words (numbers as #), word pairs, pieces of 3–5 letters."""
    found = [w if not w.isdigit() else "#" for w in _WORD.findall(fold(text))]
    out = [f"b:{a}_{b}" for a, b in zip(found, found[1:], strict=False)]
    for word in found:
        out.extend(_pieces(word))
    return out


@functools.lru_cache(maxsize=1 << 15)
def _pieces(word: str) -> tuple[str, ...]:
    padded = f"<{word}>"
    return (f"w:{word}", *(f"c:{padded[i:i + size]}" for size in (3, 4, 5) for i in range(len(padded) - size + 1)))


class Vocabulary:
    """The features of the examples, numbered; a message becomes the columns of the features it has."""

    def __init__(self, samples: Iterable[Iterable[str]]) -> None:
        self.index: dict[str, int] = {}
        number = self.index.setdefault
        self.samples = [sorted({number(f, len(self.index)) for f in sample}) for sample in samples]

    def columns(self, sample: Iterable[str]) -> list[int]:
        """The columns of a new message's known features."""
        index = self.index
        return sorted({index[f] for f in sample if f in index})


class ComplementNB:
    """Complement Naive Bayes over sets of features, with weight normalisation (numpy: spaCy has loaded it)."""

    def __init__(self, vocabulary: Vocabulary, labels: Sequence[str]) -> None:
        import numpy as np

        self.labels = sorted(set(labels))
        row = {label: n for n, label in enumerate(self.labels)}
        rows = np.repeat([row[label] for label in labels], [len(columns) for columns in vocabulary.samples])
        counts = np.zeros((len(self.labels), len(vocabulary.index)))
        np.add.at(counts, (rows, np.concatenate([np.asarray(c, dtype=np.intp) for c in vocabulary.samples])), 1.0)
        complement = counts.sum(axis=0) - counts + _ALPHA  # each feature's count outside each label
        weights = np.log(complement / complement.sum(axis=1, keepdims=True))
        # divided by the mean |weight|, so that a margin reads in features' worth of evidence
        self._weights = weights / np.abs(weights).mean(axis=1, keepdims=True)

    def ranked(self, columns: list[int]) -> list[tuple[str, float]]:
        """Every label with its score, best first (a score is minus the evidence for the complement)."""
        scores = -self._weights[:, columns].sum(axis=1)
        return sorted(zip(self.labels, scores.tolist(), strict=True), key=lambda kv: -kv[1])


@dataclass(frozen=True)
class Guess:
    """The classifier's best labels and how far ahead of the next each is."""

    intent: str
    intent_margin: float
    category: str | None
    category_margin: float
    category_scores: dict[str, float]  # every category label (and `none`) with its score
    risk_margin: float = 0.0  # how far "someone can get hurt" leads "normal", for a report (negative: behind)

    def lead_over(self, category: str) -> float:
        """How far the best category is ahead of `category` (0 when it is that one)."""
        best = self.category_scores[self.category or NONE]
        return best - self.category_scores.get(category, best)


class Learned:
    """The intent and category classifiers of one town's examples, and whether a report says someone can get hurt."""

    def __init__(self, texts: Sequence[str], intents: Sequence[str], categories: Sequence[str | None],
                 urgencies: Sequence[str] | None = None) -> None:
        self._vocabulary = Vocabulary(features(t) for t in texts)
        self._intent = ComplementNB(self._vocabulary, intents)
        self._category = ComplementNB(self._vocabulary, [c or NONE for c in categories])
        # whether someone can get hurt (high or emergency), learned from the reports alone
        reports = [n for n, intent in enumerate(intents) if intent == "report"]
        risky = [urgencies[n] != "normal" for n in reports] if urgencies else []
        self._risk: tuple[Vocabulary, ComplementNB] | None = None
        if any(risky) and not all(risky):
            vocabulary = Vocabulary(features(texts[n]) for n in reports)
            self._risk = vocabulary, ComplementNB(vocabulary, [_RISK if r else "normal" for r in risky])

    @classmethod
    def from_examples(cls, directory: Path, categories: Iterable[str]) -> Learned | None:
        """Train on every `*.jsonl` of `directory` (lines with `text`, `intent`, `category`); None without any.

        A line whose category the catalogue no longer has is learned as no category.
        """
        return cls.from_files(sorted(directory.glob("*.jsonl")) if directory.is_dir() else [], categories)

    @classmethod
    def from_files(cls, paths: Iterable[Path], categories: Iterable[str]) -> Learned | None:
        """Train on the labelled lines of `paths` (bench/nlu_loco.py leaves one corpus out); None without any."""
        known = set(categories)
        texts: list[str] = []
        intents: list[str] = []
        labels: list[str | None] = []
        urgencies: list[str] = []
        for path in paths:
            for line in path.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    example = json.loads(line)
                    texts.append(example["text"])
                    intents.append(example["intent"])
                    labels.append(example.get("category") if example.get("category") in known else None)
                    urgencies.append(example.get("urgency") or "normal")
        return cls(texts, intents, labels, urgencies) if texts else None

    def guess(self, text: str) -> Guess:
        """The best intent and category for `text`, each with its margin over the runner-up, and its risk margin."""
        found = features(text)
        columns = self._vocabulary.columns(found)
        intent, intent_margin = _best(self._intent.ranked(columns))
        ranked = self._category.ranked(columns)
        category, category_margin = _best(ranked)
        risk = 0.0
        if self._risk:
            vocabulary, model = self._risk
            scores = dict(model.ranked(vocabulary.columns(found)))
            risk = scores[_RISK] - scores["normal"]
        return Guess(intent, intent_margin, None if category == NONE else category, category_margin, dict(ranked),
                     risk)


def _best(ranked: list[tuple[str, float]]) -> tuple[str, float]:
    """The first label and its lead over the second (as far ahead as can be when it is alone)."""
    (label, score), *rest = ranked
    return label, score - rest[0][1] if rest else math.inf
