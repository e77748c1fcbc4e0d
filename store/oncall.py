"""On-call alerts and the daily digest of overdue cases: the database side of gateway/cases/oncall.py and digest.py."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from store import statuses
from store.models import Case, OnCallAlert, OverdueDigest


def add_alert(session: Session, **fields) -> OnCallAlert:
    """Record an alert sent to one on-call contact."""
    alert = OnCallAlert(**fields)
    session.add(alert)
    session.flush()
    return alert


def get(session: Session, alert_id: int, *, lock: bool = False) -> OnCallAlert | None:
    """One alert by its id."""
    query = select(OnCallAlert).where(col(OnCallAlert.id) == alert_id)
    if lock:
        query = query.with_for_update()
    return session.exec(query).first()


def of_case(session: Session, case_id: int) -> list[OnCallAlert]:
    """Every alert of a case, in the order they went out."""
    return list(session.exec(
        select(OnCallAlert).where(col(OnCallAlert.case_id) == case_id).order_by(col(OnCallAlert.id))).all())


def acknowledgement(session: Session, case_id: int) -> OnCallAlert | None:
    """The alert of a case that someone acknowledged, if any."""
    return session.exec(
        select(OnCallAlert)
        .where(col(OnCallAlert.case_id) == case_id, col(OnCallAlert.acknowledged_at).is_not(None))
        .order_by(col(OnCallAlert.acknowledged_at))
    ).first()


def waiting(session: Session, *, now: datetime, limit: int = 100) -> list[OnCallAlert]:
    """Alerts nobody acknowledged by their escalation time and not yet passed on, locked (SKIP LOCKED)."""
    return list(session.exec(
        select(OnCallAlert)
        .where(col(OnCallAlert.acknowledged_at).is_(None), col(OnCallAlert.superseded_at).is_(None),
               col(OnCallAlert.escalate_at) <= now)
        .order_by(col(OnCallAlert.id))
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all())


def unacknowledged_for(session: Session, *, addresses: tuple[str, ...], case_id: int | None = None) -> list[OnCallAlert]:
    """Alerts sent to one of `addresses` (of one case, if given) whose case nobody has acknowledged, newest first."""
    acknowledged = select(col(OnCallAlert.case_id)).where(col(OnCallAlert.acknowledged_at).is_not(None))
    query = (select(OnCallAlert)
             .where(col(OnCallAlert.address).in_(addresses), col(OnCallAlert.case_id).not_in(acknowledged))
             .order_by(col(OnCallAlert.id).desc()))
    if case_id is not None:
        query = query.where(col(OnCallAlert.case_id) == case_id)
    return list(session.exec(query).all())


def acknowledge(session: Session, alert: OnCallAlert, *, via: str, now: datetime) -> None:
    """Mark `alert` acknowledged; the other alerts of its case stop waiting."""
    alert.acknowledged_at, alert.acknowledged_via = now, via
    session.add(alert)
    for other in session.exec(select(OnCallAlert).where(
            col(OnCallAlert.case_id) == alert.case_id, col(OnCallAlert.id) != alert.id,
            col(OnCallAlert.superseded_at).is_(None))).all():
        other.superseded_at = now
        session.add(other)


def claim_digest_day(session: Session, *, day: str, now: datetime) -> bool:
    """Take the digest of `day` for this worker; False when another one has it already."""
    try:
        with session.begin_nested():
            session.add(OverdueDigest(day=day, sent_at=now))
            session.flush()
    except IntegrityError:
        return False
    return True


def record_digest(session: Session, *, day: str, cases: int) -> None:
    """How many overdue cases the digest of `day` listed."""
    digest = session.get(OverdueDigest, day)
    if digest is not None:
        digest.cases = cases
        session.add(digest)


def overdue_open(session: Session, *, now: datetime, limit: int = 2000) -> list[Case]:
    """Every open case past its expected delay (escalated or not), by service then oldest due first."""
    return list(session.exec(
        select(Case)
        .where(col(Case.status).in_(statuses.OPEN), col(Case.due_at) < now, col(Case.merged_into_id).is_(None))
        .order_by(col(Case.service), col(Case.due_at), col(Case.id))
        .limit(limit)
    ).all())
