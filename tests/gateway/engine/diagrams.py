"""Reading the engines' Mermaid state diagrams (gateway/engine/*.mmd) for the tests that hold them to the code."""

from __future__ import annotations

import re
from pathlib import Path

ARROW = re.compile(r"^\s*(\S+)\s+-->\s+([^\s:]+)")
CHOICE = re.compile(r"^\s*state\s+(\S+)\s+<<choice>>")
START_END = "[*]"


def arrows(diagram: Path) -> set[tuple[str, str]]:
    """Every arrow between two states (its label aside), the start and the end left out."""
    found = (ARROW.match(line) for line in diagram.read_text(encoding="utf-8").splitlines())
    return {(m[1], m[2]) for m in found if m and START_END not in (m[1], m[2])}


def choices(diagram: Path) -> set[str]:
    """The choice pseudo-states: where the diagram branches without the code having a state."""
    found = (CHOICE.match(line) for line in diagram.read_text(encoding="utf-8").splitlines())
    return {m[1] for m in found if m}
