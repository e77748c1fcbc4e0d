"""Who studies an idea: the référent whose themes and territories cover it, the most specific first."""

from __future__ import annotations

from sqlmodel import Session

from store import ideas as idea_store
from store.models import Agent


def referent_for(session: Session, *, theme: str | None, territory: str | None) -> Agent | None:
    """The référent of this theme (a catalogue category) and territory (a commune code): one naming both beats one
    naming either, which beats one with empty lists (every theme, everywhere); none when the town has none."""
    best: tuple[int, Agent] | None = None
    for agent in idea_store.referents(session):
        if (agent.themes and theme not in agent.themes) or (agent.territories and territory not in agent.territories):
            continue
        score = bool(agent.themes) * 2 + bool(agent.territories)
        if best is None or score > best[0]:
            best = (score, agent)
    return best[1] if best else None


def public_name(agent: Agent | None) -> str | None:
    """How a référent is named on an idea's page and in replies: the name given in the back office."""
    return (agent.name or None) if agent else None
