"""The queries behind the Open311 GeoReport v2 API: cases with filters and paging, public timeline events."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from store import statuses
from store.models import Agent, Case, CaseEvent

# Timeline events the public may read, and the statuses a resolution photo comes with.
PUBLIC_KINDS = ("created", "status")


def requests_page(
    session: Session,
    *,
    references: list[str] | None = None,
    categories: list[str] | None = None,
    statuses: list[str] | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    kinds: list[str] | None = None,
    offset: int = 0,
    limit: int = 50,
) -> list[Case]:
    """Cases newest first, of `kinds` (None: problems and ideas); `references` (when given) overrides every other
    filter, as GeoReport says."""
    query = select(Case).order_by(col(Case.created_at).desc(), col(Case.id).desc())
    if references is not None:
        query = query.where(col(Case.reference).in_([r.upper() for r in references]))
    else:
        if kinds:
            query = query.where(col(Case.kind).in_(kinds))
        if categories:
            query = query.where(col(Case.category).in_(categories))
        if statuses:
            query = query.where(col(Case.status).in_(statuses))
        if start is not None:
            query = query.where(col(Case.created_at) >= start)
        if end is not None:
            query = query.where(col(Case.created_at) <= end)
    return list(session.exec(query.offset(offset).limit(limit)).all())


def last_public_events(session: Session, case_ids: list[int]) -> dict[int, CaseEvent]:
    """The latest public status event of each case (its message explains the current status)."""
    if not case_ids:
        return {}
    events = session.exec(
        select(CaseEvent)
        .where(col(CaseEvent.case_id).in_(case_ids), col(CaseEvent.public).is_(True), col(CaseEvent.kind).in_(PUBLIC_KINDS))
        .order_by(col(CaseEvent.id))
    ).all()
    return {event.case_id: event for event in events}


def resolution_photos(session: Session, case_ids: list[int]) -> dict[int, str]:
    """The latest photo published with a resolution, per case."""
    if not case_ids:
        return {}
    events = session.exec(
        select(CaseEvent)
        .where(
            col(CaseEvent.case_id).in_(case_ids),
            col(CaseEvent.public).is_(True),
            col(CaseEvent.status_to).in_(statuses.SOLVED),
            col(CaseEvent.photo).is_not(None),
        )
        .order_by(col(CaseEvent.id))
    ).all()
    return {event.case_id: event.photo for event in events if event.photo is not None}


def public_updates(session: Session, *, start: datetime | None, end: datetime | None, offset: int = 0,
                   limit: int = 1000, kinds: list[str] | None = None) -> list[tuple[CaseEvent, str]]:
    """Public status events across the cases of `kinds` (None: all) in a window, oldest first, with their case's
    reference."""
    query = (
        select(CaseEvent, col(Case.reference))
        .join(Case, col(Case.id) == col(CaseEvent.case_id))
        .where(col(CaseEvent.public).is_(True), col(CaseEvent.kind).in_(PUBLIC_KINDS), col(CaseEvent.status_to).is_not(None))
        .order_by(col(CaseEvent.created_at), col(CaseEvent.id))
    )
    if kinds:
        query = query.where(col(Case.kind).in_(kinds))
    if start is not None:
        query = query.where(col(CaseEvent.created_at) >= start)
    if end is not None:
        query = query.where(col(CaseEvent.created_at) <= end)
    return [(event, reference) for event, reference in session.exec(query.offset(offset).limit(limit)).all()]


def is_public_photo(session: Session, paths: list[str]) -> bool:
    """Whether a kept photo, by any of the ways its path may have been written (`paths`: relative to where the
    process ran, or absolute), was published on a case's timeline (so the public may see it)."""
    return session.exec(
        select(col(CaseEvent.id)).where(col(CaseEvent.photo).in_(paths), col(CaseEvent.public).is_(True)).limit(1)
    ).first() is not None


def names_of_agents(session: Session, agent_ids: list[int]) -> dict[int, str]:
    """The names of some agents (an idea's référent is named publicly), by id; agents without a name are absent."""
    if not agent_ids:
        return {}
    rows = session.exec(select(col(Agent.id), col(Agent.name)).where(col(Agent.id).in_(agent_ids))).all()
    return {agent_id: name for agent_id, name in rows if agent_id is not None and name}
