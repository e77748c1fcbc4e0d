"""Scoring the understanding against a labelled corpus (`guichet analyze --eval FILE`)."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from nlu.analysis import Analysis
from nlu.text import fold

if TYPE_CHECKING:
    from nlu.understander import Understander

FIELDS = ("intent", "category", "urgency", "address", "reference", "language")
# Checked only on the lines that give them.
OPTIONAL_FIELDS = ("act", "emergency_numbers", "mistyped_reference", "answer")
_NONE = "-"


@dataclass(frozen=True)
class Example:
    """One labelled message of a corpus."""

    text: str
    expected: dict  # the corpus line: intent, category, urgency, address, reference, language


@dataclass(frozen=True)
class Miss:
    """A field the understanding got wrong."""

    text: str
    field: str
    expected: object
    actual: object


@dataclass
class EvalReport:
    """Accuracy per field, emergency recall, and the category confusion table."""

    total: int = 0
    correct: Counter = field(default_factory=Counter)  # field -> messages right
    labelled: Counter = field(default_factory=Counter)  # optional field -> messages that give it
    address_exact: int = 0  # the place returned is exactly the expected one
    high_expected: int = 0  # messages labelled high urgency
    high_found: int = 0  # of those, found high (or more: an emergency is never under-rated)
    emergencies_expected: int = 0
    emergencies_found: int = 0
    false_emergencies: int = 0
    confusion: Counter = field(default_factory=Counter)  # (expected, actual) category -> count
    misses: list[Miss] = field(default_factory=list)

    def accuracy(self, name: str) -> float:
        """The share of messages whose `name` field is right (of those that give it, if optional)."""
        total = self.labelled[name] if name in OPTIONAL_FIELDS else self.total
        return self.correct[name] / total if total else 1.0

    @property
    def emergency_recall(self) -> float:
        """The share of expected emergencies that were found (1.0 when none were expected)."""
        return self.emergencies_found / self.emergencies_expected if self.emergencies_expected else 1.0

    def render(self) -> str:
        """A plain-text report for a terminal."""
        lines = [f"{self.total} messages"]
        for name in FIELDS:
            lines.append(f"  {name:<10} {self.accuracy(name):6.1%}  ({self.correct[name]}/{self.total})")
        for name in OPTIONAL_FIELDS:
            if self.labelled[name]:
                lines.append(f"  {name:<10} {self.accuracy(name):6.1%}  ({self.correct[name]}/{self.labelled[name]})")
        exact = self.address_exact / self.total if self.total else 0.0
        lines.append(f"  {'address exactly as expected':<10} {exact:6.1%}")
        high = self.high_found / self.high_expected if self.high_expected else 1.0
        lines.append(f"  high-urgency recall {high:.1%} ({self.high_found}/{self.high_expected})")
        lines.append(
            f"  emergency recall {self.emergency_recall:.1%} ({self.emergencies_found}/{self.emergencies_expected}),"
            f" false emergencies {self.false_emergencies}"
        )
        lines.append("")
        lines.append("category confusion (rows: expected, columns: found)")
        labels = sorted({e for e, _ in self.confusion} | {a for _, a in self.confusion})
        width = max([len(label) for label in labels] + [4])
        short = [label[:6] for label in labels]
        lines.append(" " * (width + 1) + " ".join(f"{s:>6}" for s in short))
        for expected in labels:
            cells = " ".join(f"{self.confusion[(expected, actual)] or '.':>6}" for actual in labels)
            lines.append(f"{expected:<{width}} {cells}")
        if self.misses:
            lines.append("")
            lines.append(f"{len(self.misses)} misses")
            for miss in self.misses:
                lines.append(f"  [{miss.field}] {miss.text!r}: expected {miss.expected!r}, got {miss.actual!r}")
        return "\n".join(lines)


def read_corpus(path: Path) -> list[Example]:
    """The labelled messages of a JSON-lines corpus (blank lines and `//` comments skipped)."""
    examples = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("//"):
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as err:
            raise ValueError(f"{path}:{number}: not a JSON object: {err}") from err
        examples.append(Example(row["text"], row))
    return examples


# Words that open a place without naming it: « au parc des Tilleuls », « l'allée des Tilleuls », « at the
# station » name the park, the alley and the station; « devant la pharmacie », « behind the Lidl roundabout »
# say where by the place, which is what the place field must find (the understanding gives « la pharmacie »).
# Corpora written by different people disagree on whether these words belong to the place, so they are left out
# of both sides before comparing.
_OPENING_WORDS = frozenset("a au aux dans sur sous en le la les du de des at in on the numero number n° no".split())
_RELATIONS = tuple(
    tuple(p.split())
    for p in ("devant", "derriere", "pres de", "pres du", "pres des", "en face de", "en face du", "en face des", "face a",
              "face au", "a cote de", "a cote du", "a cote des", "au niveau de", "au niveau du", "a hauteur de",
              "a hauteur du", "le long de", "le long du", "autour de", "autour du", "au bout de", "au bout du",
              "au bas de", "au bas du", "aux abords de", "aux abords du", "a proximite de", "a proximite du",
              "behind", "near", "next to", "opposite", "outside", "in front of", "by", "along", "beside", "close to")
)
_LONGEST_FIRST = sorted(_RELATIONS, key=len, reverse=True)


def _place(value: str | None) -> str:
    words = fold(value or "").replace(",", " ").replace("'", "' ").replace("’", "' ").split()
    for relation in _LONGEST_FIRST:
        if len(words) > len(relation) and tuple(words[:len(relation)]) == relation:
            words = words[len(relation):]
            break
    while len(words) > 1 and (words[0] in _OPENING_WORDS or words[0] in ("l'", "d'")):
        words = words[1:]
    return " ".join(words)


def address_found(expected: str | None, actual: str | None) -> bool:
    """A place when one is expected, containing the expected name; none when none is expected.

    A place that is part of the expected one counts too when it is a name of two words or more that keeps every
    number of the expected place: « Route de Tours » for « Route de Tours just after the roundabout » names the
    street the agent goes to, never « rue Victor Hugo » for « 14 rue Victor Hugo » (a whole street for a house).
    """
    if expected is None or actual is None:
        return expected is None and actual is None
    want, got = _place(expected), _place(actual)
    if want in got:
        return True
    numbers = {w for w in want.split() if any(c.isdigit() for c in w)}
    return f" {got} " in f" {want} " and len(got.split()) >= 2 and numbers <= set(got.split())


def score(examples: list[Example], analyses: list[Analysis]) -> EvalReport:
    """Compare analyses with their labels."""
    report = EvalReport()
    for example, analysis in zip(examples, analyses, strict=True):
        report.total += 1
        expected = example.expected
        for name in FIELDS:
            want, got = expected.get(name), getattr(analysis, name)
            right = address_found(want, got) if name == "address" else want == got
            if right:
                report.correct[name] += 1
            else:
                report.misses.append(Miss(example.text, name, want, got))
        for name in OPTIONAL_FIELDS:
            if name in expected:
                report.labelled[name] += 1
                want, got = expected[name], analysis.to_json()[name]
                if want == got or (isinstance(want, bool) and want == bool(got)):  # `true`: some value is expected
                    report.correct[name] += 1
                else:
                    report.misses.append(Miss(example.text, name, want, got))
        if expected.get("address") and analysis.address and _place(expected["address"]) == _place(analysis.address):
            report.address_exact += 1
        report.confusion[(expected.get("category") or _NONE, analysis.category or _NONE)] += 1
        report.high_expected += expected.get("urgency") == "high"
        report.high_found += expected.get("urgency") == "high" and analysis.urgency in ("high", "emergency")
        wanted_emergency = expected.get("urgency") == "emergency"
        found_emergency = analysis.urgency == "emergency"
        report.emergencies_expected += wanted_emergency
        report.emergencies_found += wanted_emergency and found_emergency
        report.false_emergencies += found_emergency and not wanted_emergency
    return report


def evaluate(path: Path, understander: Understander) -> EvalReport:
    """Score `understander` on the labelled corpus at `path`."""
    examples = read_corpus(path)
    return score(examples, understander.analyze_many([e.text for e in examples]))
