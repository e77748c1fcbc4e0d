"""How far a second reading of a corpus agrees with its writer's labels, per field (tests/nlu/README.md).

    .venv/bin/python tests/nlu/agreement/agree.py v11
"""

import json
import sys
from pathlib import Path

from nlu.evaluation import address_found

HERE = Path(__file__).resolve().parent
EXAMPLES = HERE.parents[2] / "config" / "examples"
FIELDS = ("intent", "category", "urgency", "address", "high", "emergency")


def _lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def agreement(expected: list[dict], given: list[dict], name: str) -> float:
    """The share of `expected`'s labels `given` agrees with (high and emergency: recall of those levels)."""
    pairs = list(zip(expected, given, strict=True))
    if name == "address":
        return sum(address_found(e.get("address"), g.get("address")) for e, g in pairs) / len(pairs)
    if name in ("high", "emergency"):
        levels = ("high", "emergency") if name == "high" else ("emergency",)
        chosen = [(e, g) for e, g in pairs if e.get("urgency") == name]
        return sum(g.get("urgency") in levels for _, g in chosen) / max(1, len(chosen))
    return sum(e.get(name) == g.get(name) for e, g in pairs) / len(pairs)


def main(corpus: str) -> None:
    writer = _lines(EXAMPLES / f"corpus_heldout_{corpus}.jsonl")
    second = _lines(HERE / f"corpus_heldout_{corpus}.second_reading.jsonl")
    print(f"{corpus}: {len(writer)} messages")
    print(" " * 22 + " ".join(f"{name:>9}" for name in FIELDS))
    print("second vs writer      " + " ".join(f"{agreement(writer, second, name):9.1%}" for name in FIELDS))


if __name__ == "__main__":
    main(sys.argv[1])
