"""A case's statuses: one vocabulary for every layer, the transitions and colours beside it (SPEC "Cases").

It lives in store/ because it is the vocabulary of the `case.status` column, and everything above the
store (the flows, the back office, the public pages, Open311) reads it from here. The members are
`StrEnum`s: they compare and hash as the strings stored in the database, so a status read back from a row
looks up in these tables as it is.
"""

from __future__ import annotations

from enum import StrEnum


class Kind(StrEnum):
    """What a resident brought: something broken, or an idea for the town."""

    PROBLEM = "problem"
    IDEA = "idea"


class ProblemStatus(StrEnum):
    """Where a reported problem stands."""

    RECEIVED = "received"
    VALIDATED = "validated"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    REJECTED = "rejected"
    DUPLICATE = "duplicate"


class IdeaStatus(StrEnum):
    """Where a proposed idea stands."""

    RECEIVED = "received"
    UNDER_STUDY = "under_study"
    GO = "go"
    NO_GO = "no_go"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    DUPLICATE = "duplicate"


class Colour(StrEnum):
    """How a status shows on maps and badges: red received, orange under way, green solved, grey closed."""

    RED = "red"
    ORANGE = "orange"
    GREEN = "green"
    GREY = "grey"


Problem, Idea = ProblemStatus, IdeaStatus
# Which status may follow which, per kind of case.
TRANSITIONS: dict[str, dict[str, frozenset[str]]] = {
    Kind.PROBLEM: {
        Problem.RECEIVED: frozenset({Problem.VALIDATED, Problem.IN_PROGRESS, Problem.RESOLVED, Problem.REJECTED, Problem.DUPLICATE}),
        Problem.VALIDATED: frozenset({Problem.IN_PROGRESS, Problem.RESOLVED, Problem.REJECTED, Problem.DUPLICATE}),
        Problem.IN_PROGRESS: frozenset({Problem.RESOLVED, Problem.REJECTED}),
        Problem.RESOLVED: frozenset({Problem.IN_PROGRESS}),
        Problem.REJECTED: frozenset({Problem.RECEIVED}),
        Problem.DUPLICATE: frozenset(),
    },
    Kind.IDEA: {
        Idea.RECEIVED: frozenset({Idea.UNDER_STUDY, Idea.GO, Idea.NO_GO, Idea.DUPLICATE}),
        Idea.UNDER_STUDY: frozenset({Idea.GO, Idea.NO_GO, Idea.DUPLICATE}),
        # A published decision is final: a go never becomes a no-go, a no-go reopens nothing (a new idea may).
        Idea.GO: frozenset({Idea.IN_PROGRESS, Idea.DONE}),
        Idea.NO_GO: frozenset(),
        Idea.IN_PROGRESS: frozenset({Idea.DONE}),
        Idea.DONE: frozenset(),
        Idea.DUPLICATE: frozenset(),
    },
}
# Every status's colour, in the order legends and filters list them.
COLOURS: dict[str, Colour] = {
    Problem.RECEIVED: Colour.RED,
    Problem.VALIDATED: Colour.ORANGE,
    Problem.IN_PROGRESS: Colour.ORANGE,
    Idea.UNDER_STUDY: Colour.ORANGE,
    Idea.GO: Colour.ORANGE,
    Problem.RESOLVED: Colour.GREEN,
    Idea.DONE: Colour.GREEN,
    Problem.REJECTED: Colour.GREY,
    Idea.NO_GO: Colour.GREY,
    Problem.DUPLICATE: Colour.GREY,
}
del Problem, Idea

OPEN: tuple[str, ...] = tuple(s for s, c in COLOURS.items() if c in (Colour.RED, Colour.ORANGE))
SOLVED: tuple[str, ...] = tuple(s for s, c in COLOURS.items() if c == Colour.GREEN)
ON_MAP: dict[str, Colour] = {s: c for s, c in COLOURS.items() if c != Colour.GREY}  # closed cases leave the map


def colour(status: str) -> Colour:
    """The colour of a status (grey for one this vocabulary does not know)."""
    return COLOURS.get(status, Colour.GREY)
