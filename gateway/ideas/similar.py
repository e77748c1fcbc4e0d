"""Similar ideas first: the open ideas close in meaning and place to one a resident is about to file."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from sqlmodel import Session

from gateway.cases.privacy import mask_personal
from routing.distance import haversine_m
from store import ideas as idea_store
from store.models import Case
from store.statuses import IdeaStatus

# The ideas a new one may join by a support: still open to it.
OPEN = (IdeaStatus.RECEIVED.value, IdeaStatus.UNDER_STUDY.value, IdeaStatus.GO.value, IdeaStatus.IN_PROGRESS.value)
RADIUS_M = 1000.0  # two ideas with a place are "the same place" within this distance
SAME_THEME = 0.25  # added to the word overlap when the theme (catalogue category) is the same
THRESHOLD = 0.45  # below this score an idea is not offered
MAX_OFFERED = 2
EXCERPT_CHARS = 50
# Lemmas every idea says, which tell nothing of its subject (the place words count through the place, not here).
GENERIC = frozenset({"rue", "avenue", "boulevard", "place", "chemin", "route", "impasse", "allee", "quai", "idee",
                     "proposer", "propose", "falloir", "bien", "etre", "avoir", "faire", "pouvoir", "mettre",
                     "vouloir", "aimer", "ville", "mairie", "super", "genial", "serait", "idea", "would", "nice",
                     "suggest", "haver", "have"})


@dataclass(frozen=True)
class SimilarIdea:
    """An open idea offered before filing a new one, with its score and public support count."""

    case: Case
    score: float
    supports: int


def similar_ideas(session: Session, lemmas: Callable[[str], frozenset[str]], *, description: str,
                  category: str | None, territory: str | None, point: tuple[float, float] | None,
                  place: str | None = None) -> list[SimilarIdea]:
    """The best one or two open ideas sharing the place (territory, or within a radius when both have one) whose
    description shares enough lemmas with this one (the same theme weighs more), best first.

    The place's own words (`place`, the idea's address) are left out of the comparison: the place is compared
    by territory and distance, and "des bancs au parc du château" is no "des poubelles au parc du château"."""
    mine = lemmas(description) - GENERIC - (lemmas(place) if place else frozenset())
    if not mine:
        return []
    scored: list[tuple[float, Case]] = []
    for case in idea_store.open_ideas(session, statuses=OPEN):
        if not _same_place(case, territory=territory, point=point):
            continue
        theirs = lemmas(case.description) - GENERIC - (lemmas(case.address) if case.address else frozenset())
        common = mine & theirs - (lemmas(place) if place else frozenset())
        if not theirs or not common:
            continue
        # The share of the shorter description's words found in the other: "piste cyclable rue de la République"
        # is close to "une piste cyclable protégée rue de la République, pour les enfants".
        same_theme = bool(category and case.category == category and category != "autre")
        score = len(common) / min(len(mine), len(theirs)) + (SAME_THEME if same_theme else 0.0)
        if score >= THRESHOLD and (len(common) >= 2 or same_theme):
            scored.append((score, case))
    scored.sort(key=lambda pair: (-pair[0], -(pair[1].id or 0)))
    best = [case for _, case in scored[:MAX_OFFERED]]
    counts = idea_store.support_counts(session, [case.id or 0 for case in best])
    return [SimilarIdea(case, score, counts.get(case.id or 0, 0)) for score, case in scored[:MAX_OFFERED]]


# The words that only say it is an idea, in front of it: « j'ai une idée : des bancs… » shows as « Des bancs… ».
IDEA_OPENING = re.compile(r"^\s*(?:(?:bonjour|salut|hello)[\s,!.]*)?(?:j[’']?\s?ai une id[ée]e|voici une id[ée]e|"
                          r"une id[ée]e|id[ée]e|je propose|proposition|suggestion|i have an idea|an idea|idea)"
                          r"\s*(?:pour la ville|pour le quartier)?\s*[:,\-–!.]+\s*", re.IGNORECASE)


def public_text(description: str) -> str:
    """An idea's words as its pages and offers show them: masked, without the opening that names it an idea."""
    text = mask_personal(description)
    shown = IDEA_OPENING.sub("", text, count=1)
    return (shown[:1].upper() + shown[1:]) if shown.strip() else text


def excerpt(case: Case, chars: int = EXCERPT_CHARS) -> str:
    """The start of an idea's description, masked as every public text and cut at a word, for a one-line offer."""
    text = " ".join(public_text(case.description).split())
    if len(text) <= chars:
        return text
    return text[:chars].rsplit(" ", 1)[0].rstrip(",;:.") + "…"


def _same_place(case: Case, *, territory: str | None, point: tuple[float, float] | None) -> bool:
    if territory is not None and case.territory == territory:
        return True
    if point is not None and case.lat is not None and case.lon is not None:
        return haversine_m(point[0], point[1], case.lat, case.lon) <= RADIUS_M
    return territory is None or case.territory is None
