"""Masking of personal data, measured on the labelled corpus: recall and precision per class, printed.

Run: `.venv/bin/python bench/masking_bench.py [--corpus FILE] [--misses]`. The corpus is
tests/gateway/cases/fixtures/personal_data.tsv: a text, a tab, then what must be masked as `kind:span`
joined by ` | ` (nothing: the line must stay as it is). A span expected is caught when what is masked covers
every letter and digit of it; a span masked is right when it overlaps one expected. The bars (recall at least
0.98 for phones, e-mails and plates, 0.90 for names) are asserted by tests/gateway/cases/test_masking_corpus.py.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gateway.cases.privacy import KINDS, finder  # noqa: E402

CORPUS = Path(__file__).resolve().parents[1] / "tests/gateway/cases/fixtures/personal_data.tsv"


@dataclass(frozen=True)
class Line:
    """One labelled text: the spans that must be masked, as (kind, start, end)."""

    text: str
    spans: tuple[tuple[str, int, int], ...]


@dataclass
class Score:
    """Counts of one class."""

    expected: int = 0
    caught: int = 0
    masked: int = 0
    right: int = 0
    misses: list[str] = field(default_factory=list)
    wrong: list[str] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return self.caught / self.expected if self.expected else 1.0

    @property
    def precision(self) -> float:
        return self.right / self.masked if self.masked else 1.0


def load_corpus(path: Path = CORPUS) -> list[Line]:
    """The labelled lines of the corpus (comments and blank lines skipped)."""
    lines = []
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not raw.strip() or raw.startswith("#"):
            continue
        text, _, labels = raw.partition("\t")
        spans, cursor = [], 0
        for label in filter(None, (part.strip() for part in labels.split(" | "))):
            kind, _, span = label.partition(":")
            start = text.find(span, cursor) if text.find(span, cursor) >= 0 else text.find(span)
            if kind not in KINDS or not span or start < 0:
                raise ValueError(f"{path.name}:{number}: {label!r} is not a kind:span of its text")
            spans.append((kind, start, start + len(span)))
            cursor = start + len(span)
        lines.append(Line(text, tuple(spans)))
    return lines


def score(lines: list[Line], config_dir: Path | None = None) -> dict[str, Score]:
    """Recall and precision per class of the masking over `lines`."""
    scores = {kind: Score() for kind in KINDS}
    find = finder(config_dir).find
    for line in lines:
        found = find(line.text)
        covered = {i for f in found for i in range(f.start, f.end)}
        for kind, start, end in line.spans:
            s = scores[kind]
            s.expected += 1
            if all(i in covered for i in range(start, end) if line.text[i].isalnum()):
                s.caught += 1
            else:
                s.misses.append(f"{line.text[start:end]!r} in {line.text!r}")
        for f in found:
            s = scores[f.kind]
            s.masked += 1
            if any(f.start < end and start < f.end for _, start, end in line.spans):
                s.right += 1
            else:
                s.wrong.append(f"{line.text[f.start:f.end]!r} in {line.text!r}")
    return scores


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--misses", action="store_true", help="list what was missed and what was masked wrongly")
    args = parser.parse_args()
    lines = load_corpus(args.corpus)
    scores = score(lines)
    print(f"{len(lines)} lines, {sum(len(line.spans) for line in lines)} spans to mask")
    print(f"{'class':<6} {'expected':>8} {'caught':>7} {'recall':>7} {'masked':>7} {'precision':>9}")
    for kind, s in scores.items():
        print(f"{kind:<6} {s.expected:>8} {s.caught:>7} {s.recall:>7.3f} {s.masked:>7} {s.precision:>9.3f}")
        if args.misses:
            for miss in s.misses:
                print(f"    missed {miss}")
            for wrong in s.wrong:
                print(f"    wrong  {wrong}")


if __name__ == "__main__":
    main()
