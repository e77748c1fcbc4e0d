"""The queries behind the public pages: the map's cases, the statistics, the feed of resolved cases, tracking,
and the ideas' pages (their list, timeline, events, published contributions, the "grâce à vous" counts).
Problems and ideas are kept apart: the map, the statistics, the feed and the latest cases hold problems only.

Plain SQL through SQLAlchemy that runs the same on SQLite and PostgreSQL. Medians are taken in Python
over a bounded query (neither backend shares a median aggregate with the other). Nothing here masks
text: the caller (gateway/web/public.py) masks every resident's word before it leaves.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from statistics import median

from sqlalchemy import and_, case, func, or_
from sqlmodel import Session, col, select

from store import statuses
from store.clock import aware
from store.db import key
from store.models import Agent, Case, CaseEvent, Contribution, Event, EventIdea, Follower, Support

PUBLIC_KINDS = ("created", "status")  # timeline events the public may read (never notes, never followers)
IDEA_PUBLIC_KINDS = ("created", "status", "step", "event")  # and on an idea's page, its steps and held events
PROBLEM = statuses.Kind.PROBLEM
ADOPTED = (statuses.IdeaStatus.GO, statuses.IdeaStatus.IN_PROGRESS, statuses.IdeaStatus.DONE)
RESOLUTION_SAMPLE = 20_000  # the latest resolutions the medians are taken over


@dataclass(frozen=True)
class MapCase:
    """A case as the map and its list show it (resident text still unmasked)."""

    reference: str
    kind: str
    status: str
    category: str
    urgency: str
    description: str
    address: str | None
    lat: float
    lon: float
    territory: str | None
    created_at: datetime
    resolved_at: datetime | None
    people: int


@dataclass(frozen=True)
class ServiceDelays:
    """How fast one service resolves: how many cases, the median in days, how many within the expected delay."""

    service: str | None
    resolved: int
    median_days: float | None
    with_delay: int  # resolutions whose case had an expected delay
    within_delay: int


def _people():
    """How many people reported or back each case: its reporter and its followers."""
    return select(col(Follower.case_id), func.count().label("people")).group_by(col(Follower.case_id)).subquery()


def map_cases(session: Session, *, resolved_since: datetime, category: str | None = None,
              status: str | None = None, territory: str | None = None, limit: int = 2000) -> list[MapCase]:
    """Located cases still open, and those resolved since `resolved_since`, newest first, optionally filtered."""
    people = _people()
    query = (
        select(Case, func.coalesce(people.c.people, 0))
        .outerjoin(people, people.c.case_id == col(Case.id))
        .where(
            col(Case.kind) == PROBLEM,
            col(Case.lat).is_not(None),
            col(Case.lon).is_not(None),
            or_(
                col(Case.status).in_(statuses.OPEN),
                and_(col(Case.status).in_(statuses.SOLVED), col(Case.resolved_at) >= resolved_since),
            ),
        )
        .order_by(col(Case.created_at).desc(), col(Case.id).desc())
        .limit(limit)
    )
    if category:
        query = query.where(col(Case.category) == category)
    if status:
        query = query.where(col(Case.status) == status)
    if territory:
        query = query.where(col(Case.territory) == territory)
    return [
        MapCase(reference=c.reference, kind=c.kind, status=c.status, category=c.category, urgency=c.urgency,
                description=c.description, address=c.address, lat=c.lat, lon=c.lon, territory=c.territory,
                created_at=aware(c.created_at), resolved_at=aware(c.resolved_at), people=count)
        for c, count in session.exec(query).all()
        if c.lat is not None and c.lon is not None  # the query keeps located cases only
    ]


def counts_by_category_and_status(session: Session) -> list[tuple[str, str, int]]:
    """(category, status, number of cases) for every pair that has cases; merged duplicates left out."""
    rows = session.exec(
        select(col(Case.category), col(Case.status), func.count())
        .where(col(Case.kind) == PROBLEM, col(Case.status) != statuses.ProblemStatus.DUPLICATE)
        .group_by(col(Case.category), col(Case.status))
        .order_by(col(Case.category), col(Case.status))
    ).all()
    return [(category, status, count) for category, status, count in rows]


def delays_by_service(session: Session) -> list[ServiceDelays]:
    """Per service: resolutions, median time to resolution (days) and how many came within the expected delay."""
    within = func.sum(case((col(Case.resolved_at) <= col(Case.due_at), 1), else_=0))
    with_delay = func.sum(case((col(Case.due_at).is_not(None), 1), else_=0))
    totals = session.exec(
        select(col(Case.service), func.count(), with_delay, within)
        .where(col(Case.kind) == PROBLEM, col(Case.status).in_(statuses.SOLVED), col(Case.resolved_at).is_not(None))
        .group_by(col(Case.service))
    ).all()
    durations: dict[str | None, list[float]] = {}
    sample = session.exec(
        select(col(Case.service), col(Case.created_at), col(Case.resolved_at))
        .where(col(Case.kind) == PROBLEM, col(Case.status).in_(statuses.SOLVED), col(Case.resolved_at).is_not(None))
        .order_by(col(Case.resolved_at).desc())
        .limit(RESOLUTION_SAMPLE)
    ).all()
    for service, created_at, resolved_at in sample:
        if resolved_at is None:  # the query keeps resolved cases only
            continue
        seconds = (aware(resolved_at) - aware(created_at)).total_seconds()
        durations.setdefault(service, []).append(max(seconds, 0.0) / 86400)
    return [
        ServiceDelays(service=service, resolved=count, with_delay=int(dated or 0), within_delay=int(on_time or 0),
                      median_days=median(durations[service]) if durations.get(service) else None)
        for service, count, dated, on_time in totals
    ]


def resolved_feed(session: Session, *, limit: int = 50) -> list[tuple[Case, CaseEvent | None]]:
    """The latest resolved cases, newest resolution first, each with its public resolution event."""
    cases = list(session.exec(
        select(Case)
        .where(col(Case.kind) == PROBLEM, col(Case.status).in_(statuses.SOLVED), col(Case.resolved_at).is_not(None))
        .order_by(col(Case.resolved_at).desc(), col(Case.id).desc())
        .limit(limit)
    ).all())
    if not cases:
        return []
    events = session.exec(
        select(CaseEvent)
        .where(col(CaseEvent.case_id).in_([c.id for c in cases]), col(CaseEvent.public).is_(True),
               col(CaseEvent.kind) == "status", col(CaseEvent.status_to).in_(statuses.SOLVED))
        .order_by(col(CaseEvent.id))
    ).all()
    latest = {event.case_id: event for event in events}
    return [(c, latest.get(key(c))) for c in cases]


def public_timeline(session: Session, case_id: int) -> list[CaseEvent]:
    """The events of a case the public may read, oldest first."""
    return list(session.exec(
        select(CaseEvent)
        .where(col(CaseEvent.case_id) == case_id, col(CaseEvent.public).is_(True), col(CaseEvent.kind).in_(PUBLIC_KINDS))
        .order_by(col(CaseEvent.created_at), col(CaseEvent.id))
    ).all())


def people_on(session: Session, case_id: int) -> int:
    """How many people reported or back a case (its reporter included)."""
    return session.exec(select(func.count()).select_from(Follower).where(col(Follower.case_id) == case_id)).one()


def reference_of(session: Session, case_id: int | None) -> str | None:
    """The reference of a case by id (where a duplicate was merged)."""
    if case_id is None:
        return None
    return session.exec(select(col(Case.reference)).where(col(Case.id) == case_id)).first()


def latest(session: Session, *, limit: int = 10) -> list[Case]:
    """The latest problems the public may see (merged duplicates and ideas left out), newest first."""
    return list(session.exec(
        select(Case).where(col(Case.kind) == PROBLEM, col(Case.status) != statuses.ProblemStatus.DUPLICATE)
        .order_by(col(Case.created_at).desc(), col(Case.id).desc()).limit(limit)
    ).all())


# ---- ideas ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PublicIdea:
    """An idea as its list shows it (resident text still unmasked): its supports and its référent's name."""

    case: Case
    supports: int
    referent: str | None


def ideas(session: Session, *, theme: str | None = None, status: str | None = None,
          limit: int = 500) -> list[PublicIdea]:
    """The ideas the public may see (merged duplicates left out), newest first, optionally of a theme or status."""
    supports = (select(col(Support.case_id), func.count().label("supports"))
                .group_by(col(Support.case_id)).subquery())
    query = (
        select(Case, func.coalesce(supports.c.supports, 0), col(Agent.name))
        .outerjoin(supports, supports.c.case_id == col(Case.id))
        .outerjoin(Agent, col(Agent.id) == col(Case.referent_id))
        .where(col(Case.kind) == statuses.Kind.IDEA, col(Case.status) != statuses.IdeaStatus.DUPLICATE)
        .order_by(col(Case.created_at).desc(), col(Case.id).desc())
        .limit(limit)
    )
    if theme:
        query = query.where(col(Case.category) == theme)
    if status:
        query = query.where(col(Case.status) == status)
    return [PublicIdea(case=c, supports=count, referent=name or None) for c, count, name in session.exec(query).all()]


def referent_name(session: Session, agent_id: int | None) -> str | None:
    """The name of an idea's référent, as the back office gives it (référents are named publicly)."""
    if agent_id is None:
        return None
    return session.exec(select(col(Agent.name)).where(col(Agent.id) == agent_id)).first() or None


def idea_timeline(session: Session, case_id: int) -> list[CaseEvent]:
    """The public events of an idea, its référent's steps included, oldest first."""
    return list(session.exec(
        select(CaseEvent)
        .where(col(CaseEvent.case_id) == case_id, col(CaseEvent.public).is_(True),
               col(CaseEvent.kind).in_(IDEA_PUBLIC_KINDS))
        .order_by(col(CaseEvent.created_at), col(CaseEvent.id))
    ).all())


def idea_events(session: Session, case_id: int) -> list[Event]:
    """The events about an idea, soonest first (cancelled ones left out)."""
    return list(session.exec(
        select(Event).join(EventIdea, col(EventIdea.event_id) == col(Event.id))
        .where(col(EventIdea.case_id) == case_id, col(Event.status) != "cancelled")
        .order_by(col(Event.starts_at), col(Event.id))
    ).all())


def published_contributions(session: Session, case_id: int) -> list[Contribution]:
    """What supporters added to an idea and the référent published, oldest first."""
    return list(session.exec(
        select(Contribution).where(col(Contribution.case_id) == case_id, col(Contribution.status) == "published")
        .order_by(col(Contribution.created_at), col(Contribution.id))
    ).all())


def participant_names(session: Session, case_id: int) -> list[str]:
    """The names the idea's supporters agreed to show, in the order they supported it."""
    return [name for name in session.exec(
        select(col(Support.public_name)).where(col(Support.case_id) == case_id, col(Support.public_name).is_not(None))
        .order_by(col(Support.created_at), col(Support.id))
    ).all() if name]


def support_count(session: Session, case_id: int) -> int:
    """How many people support an idea."""
    return session.exec(select(func.count()).select_from(Support).where(col(Support.case_id) == case_id)).one()


@dataclass(frozen=True)
class Participation:
    """What residents made happen: ideas adopted, people who supported one, events held."""

    adopted: int
    supporters: int
    events_held: int


def participation(session: Session) -> Participation:
    """The home page's "grâce à vous" counts."""
    adopted = session.exec(select(func.count()).select_from(Case).where(
        col(Case.kind) == statuses.Kind.IDEA, col(Case.status).in_(ADOPTED))).one()
    supporters = session.exec(select(func.count(func.distinct(col(Support.contact_id))))).one()
    held = session.exec(select(func.count()).select_from(Event).where(col(Event.status) == "held")).one()
    return Participation(adopted=adopted, supporters=supporters or 0, events_held=held)
