"""Agents, their API tokens, the audit log and the agents' queue: the database side of the back office."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from sqlalchemy import case as sql_case
from sqlalchemy import func, or_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from store import statuses
from store.clock import utcnow
from store.db import key
from store.models import Agent, ApiToken, AuditEntry, Case, CaseEvent, Follower, Identity, LoginThrottle

ROLES = ("agent", "referent", "supervisor", "admin")  # a référent studies and answers ideas


def token_digest(token: str) -> str:
    """What is stored of an API token: tokens are long random strings, a plain SHA-256 is enough."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create(session: Session, *, email: str, name: str, password_hash: str, role: str,
           services: list[str], themes: list[str] | None = None, territories: list[str] | None = None) -> Agent:
    """Insert an agent (a référent with the themes and territories they answer for; empty: all)."""
    agent = Agent(email=email.strip().lower(), name=name, password_hash=password_hash, role=role,
                  services=sorted(set(services)), themes=sorted(set(themes or ())),
                  territories=sorted(set(territories or ())))
    session.add(agent)
    session.flush()
    return agent


def by_email(session: Session, email: str) -> Agent | None:
    """The agent who logs in with this e-mail."""
    return session.exec(select(Agent).where(col(Agent.email) == email.strip().lower())).first()


def by_id(session: Session, agent_id: int) -> Agent | None:
    """The agent with this id."""
    return session.get(Agent, agent_id)


def everyone(session: Session) -> list[Agent]:
    """Every agent, by e-mail."""
    return list(session.exec(select(Agent).order_by(col(Agent.email))).all())


def count_failed_login(session: Session, agent: Agent) -> int:
    """One more wrong password for `agent`, in one UPDATE (parallel guesses all count); the new count."""
    statement = (update(Agent).where(col(Agent.id) == agent.id)
                 .values(failed_logins=col(Agent.failed_logins) + 1).returning(col(Agent.failed_logins)))
    return int(session.exec(statement).scalar_one())


def logged_in(session: Session, agent: Agent, *, now: datetime) -> None:
    """A successful login: the failure count starts again."""
    session.exec(update(Agent).where(col(Agent.id) == agent.id)
                 .values(failed_logins=0, locked_until=None, last_login_at=now))


def end_sessions(session: Session, agent_id: int) -> None:
    """Every session cookie issued to the agent until now stops working (logout, password change)."""
    session.exec(update(Agent).where(col(Agent.id) == agent_id)
                 .values(session_generation=col(Agent.session_generation) + 1))


def throttled_until(session: Session, keys: list[str], *, now: datetime) -> datetime | None:
    """When the latest lock among these throttle keys ends, if one is still on."""
    query = select(func.max(col(LoginThrottle.locked_until))).where(col(LoginThrottle.key).in_(keys),
                                                                     col(LoginThrottle.locked_until) > now)
    return session.exec(query).one()


def count_throttle(session: Session, throttle_key: str, *, now: datetime, window: timedelta, threshold: int,
                   lock_for: timedelta) -> int:
    """One more failure on `throttle_key` in one statement (a fresh window once the last is over); past
    `threshold` failures within the window the key is locked for `lock_for`. Returns the count in the window."""
    table = LoginThrottle.__table__  # type: ignore[attr-defined]
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    expired = table.c.window_start < now - window
    statement = dialect.insert(table).values(key=throttle_key, failures=1, window_start=now)
    statement = statement.on_conflict_do_update(index_elements=["key"], set_={
        "failures": sql_case((expired, 1), else_=table.c.failures + 1),
        "window_start": sql_case((expired, now), else_=table.c.window_start),
    }).returning(table.c.failures)
    failures = int(session.execute(statement).scalar_one())
    if failures >= threshold:
        session.execute(update(table).where(table.c.key == throttle_key)
                        .values(locked_until=now + lock_for, failures=0, window_start=now))
    return failures


def clear_throttle(session: Session, throttle_key: str) -> None:
    """Forget the failures on one key (a successful login from that address)."""
    session.execute(LoginThrottle.__table__.delete().where(  # type: ignore[attr-defined]
        LoginThrottle.__table__.c.key == throttle_key))  # type: ignore[attr-defined]


def add_token(session: Session, agent: Agent, token: str, *, label: str = "") -> ApiToken:
    """Record a new API token of `agent` (its digest only)."""
    row = ApiToken(agent_id=key(agent), label=label, token_hash=token_digest(token), hint=token[:7])
    session.add(row)
    session.flush()
    return row


def by_token(session: Session, token: str) -> Agent | None:
    """The active agent holding this unrevoked token; marks the token used."""
    row = session.exec(
        select(ApiToken).where(col(ApiToken.token_hash) == token_digest(token), col(ApiToken.revoked_at).is_(None))
    ).first()
    if row is None:
        return None
    agent = session.get(Agent, row.agent_id)
    if agent is None or not agent.active:
        return None
    row.last_used_at = utcnow()
    session.add(row)
    return agent


def tokens_of(session: Session, agent: Agent) -> list[ApiToken]:
    """An agent's tokens, newest first."""
    return list(session.exec(
        select(ApiToken).where(col(ApiToken.agent_id) == agent.id).order_by(col(ApiToken.id).desc())).all())


def revoke_token(session: Session, token_id: int) -> ApiToken | None:
    """Revoke one token."""
    row = session.get(ApiToken, token_id)
    if row is not None and row.revoked_at is None:
        row.revoked_at = utcnow()
        session.add(row)
    return row


def audit(session: Session, *, agent: Agent | None, action: str, via: str, case: Case | None = None,
          actor: str | None = None, **detail) -> AuditEntry:
    """Append one line to the audit log."""
    entry = AuditEntry(agent_id=agent.id if agent else None, actor=actor or (agent.email if agent else ""),
                       action=action, via=via, case_id=case.id if case else None,
                       reference=case.reference if case else None, detail=detail)
    session.add(entry)
    return entry


def audit_log(session: Session, *, case: Case | None = None, services: list[str] | None = None,
              limit: int = 200) -> list[AuditEntry]:
    """Audit lines, newest first: of one case, or of the cases of some services (None: everything)."""
    query = select(AuditEntry).order_by(col(AuditEntry.id).desc()).limit(limit)
    if case is not None:
        query = query.where(col(AuditEntry.case_id) == case.id)
    elif services is not None:
        query = query.join(Case, col(Case.id) == col(AuditEntry.case_id)).where(col(Case.service).in_(services or [""]))
    return list(session.exec(query).all())


def queue(session: Session, *, services: list[str] | None, status: str | None = None,
          category: str | None = None, territory: str | None = None, urgency: str | None = None,
          overdue: bool = False, located_only: bool = False, limit: int = 200,
          now: datetime | None = None) -> list[Case]:
    """The cases of some services (None: every service), emergencies then high urgency first, oldest first within
    each, filtered as the agent asks.

    `status` None means the open statuses; "all" means every status. `territory` is a commune or district code.
    """
    now = now or utcnow()
    query = select(Case).where(col(Case.merged_into_id).is_(None))
    if services is not None:
        query = query.where(col(Case.service).in_(services or [""]))
    if status == "all":
        pass
    elif status:
        query = query.where(col(Case.status) == status)
    else:
        query = query.where(col(Case.status).in_(statuses.OPEN))
    if category:
        query = query.where(col(Case.category) == category)
    if territory:
        query = query.where(or_(col(Case.territory) == territory, col(Case.district) == territory))
    if urgency:
        query = query.where(col(Case.urgency) == urgency)
    if overdue:
        query = query.where(col(Case.status).in_(statuses.OPEN), col(Case.due_at) < now)
    if located_only:
        query = query.where(col(Case.lat).is_not(None), col(Case.lon).is_not(None))
    # Emergencies first, then high urgency, then the others; within each, the oldest case first.
    rank = sql_case((col(Case.urgency) == "emergency", 0), (col(Case.urgency) == "high", 1), else_=2)
    query = query.order_by(rank, col(Case.created_at), col(Case.id)).limit(limit)
    return list(session.exec(query).all())


def follower_counts(session: Session, case_ids: list[int]) -> dict[int, int]:
    """How many people follow each case, reporters excluded."""
    if not case_ids:
        return {}
    rows = session.exec(
        select(col(Follower.case_id), func.count())
        .where(col(Follower.case_id).in_(case_ids), col(Follower.role) != "reporter")
        .group_by(col(Follower.case_id))
    ).all()
    return dict(rows)


def reporter(session: Session, case: Case) -> Identity | None:
    """The identity the case was reported from (its first follower with the reporter role)."""
    return session.exec(
        select(Identity).join(Follower, col(Follower.identity_id) == col(Identity.id))
        .where(col(Follower.case_id) == case.id, col(Follower.role) == "reporter").order_by(col(Follower.id))
    ).first()


def resident_messages(session: Session, case: Case) -> list[CaseEvent]:
    """What residents wrote about the case after the report: comments and reports of the same problem."""
    return list(session.exec(
        select(CaseEvent).where(col(CaseEvent.case_id) == case.id, col(CaseEvent.actor) == "resident",
                                col(CaseEvent.kind).in_(("resident_message", "follower")), col(CaseEvent.message).is_not(None))
        .order_by(col(CaseEvent.id))
    ).all())
