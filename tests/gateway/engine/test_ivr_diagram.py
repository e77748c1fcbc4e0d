"""ivr.mmd draws the phone line's states: every state a call can be in, and no other."""

from pathlib import Path

from gateway.engine import ivr
from tests.gateway.engine.diagrams import arrows, choices

DIAGRAM = Path(ivr.__file__).with_suffix(".mmd")


def test_every_state_of_a_call_is_drawn_and_nothing_else():
    drawn = {state for arrow in arrows(DIAGRAM) for state in arrow} - choices(DIAGRAM)
    assert drawn == set(ivr.STATES)

