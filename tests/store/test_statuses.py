"""One vocabulary of statuses: every status a case can reach has a colour, a French name and an Open311 status."""

from __future__ import annotations

from gateway.engine.messages import Messages
from gateway.settings import REPO
from gateway.web.open311 import EXTENDED_STATUS
from store.statuses import COLOURS, OPEN, SOLVED, TRANSITIONS, IdeaStatus, Kind, ProblemStatus

REACHABLE = {s for table in TRANSITIONS.values() for s in (*table, *(t for targets in table.values() for t in targets))}


def test_each_kind_has_its_own_enum_and_every_member_is_in_its_transitions():
    assert set(TRANSITIONS) == set(Kind)
    assert set(TRANSITIONS[Kind.PROBLEM]) == set(ProblemStatus)
    assert set(TRANSITIONS[Kind.IDEA]) == set(IdeaStatus)


def test_every_status_has_a_colour_a_french_name_and_an_open311_status():
    names = Messages(REPO / "config")

    assert REACHABLE == set(COLOURS) == set(EXTENDED_STATUS)
    assert {s: names.text(f"status.{s}", "fr") for s in REACHABLE if not names.text(f"status.{s}", "fr")} == {}


def test_open_and_solved_are_apart_and_a_stored_string_looks_up_as_its_member():
    assert set(OPEN).isdisjoint(SOLVED)
    assert "resolved" in SOLVED and TRANSITIONS["problem"]["received"] == TRANSITIONS[Kind.PROBLEM][ProblemStatus.RECEIVED]
