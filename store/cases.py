"""Cases, their timeline and their followers: the database side of the case service."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from nlu.references import new_reference
from store import statuses
from store.clock import utcnow
from store.db import insert_new, key
from store.models import Attachment, Case, CaseEvent, Follower, Identity


def create(session: Session, *, prefix: str, **fields) -> Case:
    """Insert a case under a fresh random reference (redrawn on the rare collision)."""
    for _ in range(20):
        case = Case(reference=new_reference(prefix), **fields)
        try:
            with session.begin_nested():
                session.add(case)
                session.flush()
            return case
        except IntegrityError:
            continue
    raise RuntimeError("could not draw a free case reference")


def by_reference(session: Session, reference: str, *, lock: bool = False) -> Case | None:
    """The case with this reference."""
    query = select(Case).where(col(Case.reference) == reference.upper())
    if lock:
        query = query.with_for_update()
    return session.exec(query).first()


def followed_in_thread(session: Session, identity: Identity, threads: list[str]) -> Case | None:
    """The case this identity follows from one of these messages of theirs (e-mail Message-IDs), the first listed."""
    if not threads:
        return None
    rows = session.exec(
        select(Follower.thread, Case)
        .join(Case, col(Case.id) == col(Follower.case_id))
        .where(col(Follower.identity_id) == key(identity), col(Follower.thread).in_(threads))
    ).all()
    by_thread = {thread: case for thread, case in rows}
    return next((by_thread[t] for t in threads if t in by_thread), None)


def open_in_box(
    session: Session, *, kind: str, category: str, box: tuple[float, float, float, float], since: datetime
) -> list[Case]:
    """Open cases of a kind and category inside a lat/lon box, created since a date (duplicate candidates)."""
    min_lat, min_lon, max_lat, max_lon = box
    return list(
        session.exec(
            select(Case).where(
                col(Case.kind) == kind,
                col(Case.category) == category,
                col(Case.status).in_(statuses.OPEN),
                col(Case.lat).between(min_lat, max_lat),
                col(Case.lon).between(min_lon, max_lon),
                col(Case.created_at) >= since,
            )
        ).all()
    )


def add_event(session: Session, case: Case, kind: str, **fields) -> CaseEvent:
    """Append a line to the case's timeline."""
    event = CaseEvent(case_id=key(case), kind=kind, **fields)
    session.add(event)
    return event


def add_follower(session: Session, case: Case, identity: Identity, *, role: str = "follower",
                 thread: str | None = None) -> bool:
    """Subscribe an identity to the case (in its message thread, if any); False if it already follows it."""
    follower = Follower(case_id=key(case), identity_id=key(identity), role=role, thread=thread)
    return insert_new(session, follower, unique=("case_id", "identity_id")) is not None


def remove_follower(session: Session, case: Case, identity: Identity, *, event_id: int | None = None) -> None:
    """Undo a follower link (a resident who said it is not the same problem) and the timeline line it added."""
    for follower in session.exec(select(Follower).where(col(Follower.case_id) == case.id,
                                                        col(Follower.identity_id) == identity.id,
                                                        col(Follower.role) != "reporter")).all():
        session.delete(follower)
    if event_id is not None:
        event = session.get(CaseEvent, event_id)
        if event is not None and event.case_id == case.id and event.kind == "follower":
            session.delete(event)
    session.flush()


def awaiting_reply(session: Session, *, contact_id: int, since: datetime) -> Case | None:
    """The case of this reporter an agent last wrote about since `since` (its answer is expected), if any."""
    return session.exec(
        select(Case)
        .join(CaseEvent, col(CaseEvent.case_id) == col(Case.id))
        .where(col(Case.reporter_id) == contact_id, col(CaseEvent.kind) == "agent_message",
               col(CaseEvent.created_at) >= since)
        .order_by(col(CaseEvent.created_at).desc(), col(CaseEvent.id).desc())
        .limit(1)
    ).first()


def recently_solved(session: Session, *, contact_id: int, since: datetime) -> Case | None:
    """The newest problem this person reported or follows that was resolved since `since`, if any."""
    return session.exec(
        select(Case)
        .join(Follower, col(Follower.case_id) == col(Case.id))
        .join(Identity, col(Identity.id) == col(Follower.identity_id))
        .where(col(Identity.contact_id) == contact_id, col(Case.kind) == statuses.Kind.PROBLEM,
               col(Case.status).in_(statuses.SOLVED), col(Case.resolved_at) >= since)
        .order_by(col(Case.resolved_at).desc(), col(Case.id).desc())
        .limit(1)
    ).first()


def satisfaction_due(session: Session, *, resolved_before: datetime, resolved_after: datetime,
                     limit: int = 200) -> list[Case]:
    """Resolved problems whose reporter has not been asked "C'est réglé ?", resolved between the two dates."""
    return list(session.exec(
        select(Case)
        .where(col(Case.kind) == statuses.Kind.PROBLEM, col(Case.status).in_(statuses.SOLVED),
               col(Case.satisfaction_asked_at).is_(None), col(Case.resolved_at) <= resolved_before,
               col(Case.resolved_at) >= resolved_after)
        .order_by(col(Case.resolved_at))
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all())


def mark_unread(session: Session, case: Case, *, at: datetime) -> None:
    """A resident wrote on the case: the back office shows it unread until an agent opens the case."""
    case.resident_reply_at = at
    session.add(case)


def mark_read(session: Session, case: Case) -> None:
    """An agent opened the case: its residents' replies are read."""
    if case.resident_reply_at is not None:
        case.resident_reply_at = None
        session.add(case)


def subscriptions(session: Session, case: Case) -> list[tuple[Identity, Follower]]:
    """Every identity subscribed to the case with its subscription (reporter first)."""
    return list(
        session.exec(
            select(Identity, Follower)
            .join(Follower, col(Follower.identity_id) == col(Identity.id))
            .where(col(Follower.case_id) == case.id)
            .order_by(col(Follower.id))
        ).all()
    )


def follower_count(session: Session, case: Case) -> int:
    """How many people follow the case, its reporter excluded."""
    return session.exec(
        select(func.count()).select_from(Follower).where(col(Follower.case_id) == case.id, col(Follower.role) != "reporter")
    ).one()


def of_contact(session: Session, contact_id: int, *, limit: int = 5) -> list[Case]:
    """The cases a person reported or follows, newest first."""
    return list(
        session.exec(
            select(Case)
            .join(Follower, col(Follower.case_id) == col(Case.id))
            .join(Identity, col(Identity.id) == col(Follower.identity_id))
            .where(col(Identity.contact_id) == contact_id)
            .order_by(col(Case.created_at).desc(), col(Case.id).desc())
            .limit(limit)
        ).unique().all()
    )


def is_involved(session: Session, case: Case, contact_id: int | None) -> bool:
    """Whether a person reported or follows this case (on any of their channels)."""
    if contact_id is None:
        return False
    if case.reporter_id == contact_id:
        return True
    return session.exec(
        select(col(Follower.id))
        .join(Identity, col(Identity.id) == col(Follower.identity_id))
        .where(col(Follower.case_id) == case.id, col(Identity.contact_id) == contact_id)
        .limit(1)
    ).first() is not None


def listing(session: Session, *, status: str | None = None, service: str | None = None,
            category: str | None = None, limit: int = 100) -> list[Case]:
    """Cases for agents, newest first, optionally filtered."""
    query = select(Case).order_by(col(Case.created_at).desc(), col(Case.id).desc()).limit(limit)
    if status:
        query = query.where(col(Case.status) == status)
    if service:
        query = query.where(col(Case.service) == service)
    if category:
        query = query.where(col(Case.category) == category)
    return list(session.exec(query).all())


def timeline(session: Session, case: Case) -> list[CaseEvent]:
    """The case's events in order."""
    return list(session.exec(select(CaseEvent).where(col(CaseEvent.case_id) == case.id).order_by(col(CaseEvent.id))).all())


def overdue(session: Session, *, limit: int = 200) -> list[Case]:
    """Open cases past their expected delay and not yet escalated."""
    return list(
        session.exec(
            select(Case)
            .where(col(Case.status).in_(statuses.OPEN), col(Case.due_at) < utcnow(), col(Case.escalated_at).is_(None))
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).all()
    )


def attach(session: Session, case: Case, attachment_ids: list[int]) -> None:
    """Link photos received in a conversation to the case it opened or joined."""
    if not attachment_ids:
        return
    for attachment in session.exec(select(Attachment).where(col(Attachment.id).in_(attachment_ids))).all():
        attachment.case_id = case.id
        session.add(attachment)
