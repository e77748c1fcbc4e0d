"""Agents: who they are, their passwords and tokens, and logging in (locked for a while after failures)."""

from __future__ import annotations

import secrets
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import Session

from gateway.errors import Conflict, Invalid
from store import agents as agent_store
from store.clock import utcnow
from store.models import Agent, Case

passwords = PasswordHasher()
# A hash to verify against when the e-mail is unknown, so that a wrong e-mail takes as long as a wrong password.
_DUMMY_HASH = passwords.hash(secrets.token_urlsafe(16))
MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)


class ActionError(Invalid):
    """An action the agent asked for with what it cannot be done with (422); the message says why, in French."""


class AgentUser:
    """The logged-in agent as the views see it: a snapshot of the `agent` row, without its password hash."""

    def __init__(self, agent: Agent):
        self.id, self.email, self.name, self.role = agent.id, agent.email, agent.name, agent.role
        self.services: tuple[str, ...] = tuple(agent.services or ())
        self.active = agent.active
        self.is_authenticated, self.is_anonymous = True, False

    @property
    def is_active(self) -> bool:
        """Deactivated agents are logged out at their next request."""
        return self.active

    def get_id(self) -> str:
        """What flask-login keeps in the session."""
        return str(self.id)

    @property
    def sees_all(self) -> bool:
        """Supervisors and admins see every service."""
        return self.role in ("supervisor", "admin")

    @property
    def is_admin(self) -> bool:
        """Admins also manage users."""
        return self.role == "admin"

    @property
    def scope(self) -> list[str] | None:
        """The services whose cases this agent sees (None: all of them)."""
        return None if self.sees_all else list(self.services)

    @property
    def label(self) -> str:
        """How the agent appears on a case's timeline."""
        return self.name or self.email

    def can_see(self, case: Case) -> bool:
        """Whether the case belongs to one of the agent's services."""
        return self.sees_all or (case.service is not None and case.service in self.services)


def hash_password(password: str) -> str:
    """An argon2id hash of the password."""
    return passwords.hash(password)


def new_token() -> str:
    """A fresh API token (shown once, stored as a digest)."""
    return "gu_" + secrets.token_urlsafe(32)


def add_agent(session: Session, *, email: str, name: str, password: str, role: str, services: list[str],
              known_services: set[str]) -> Agent:
    """Create an agent after checking the role, services and password; raises ActionError, or Conflict."""
    email = email.strip().lower()
    if "@" not in email:
        raise ActionError("l'identifiant doit être une adresse e-mail")
    if role not in agent_store.ROLES:
        raise ActionError(f"rôle inconnu {role!r} : {', '.join(agent_store.ROLES)}")
    unknown = sorted(set(services) - known_services)
    if unknown:
        raise ActionError(f"service(s) inconnu(s) : {', '.join(unknown)}")
    if role == "agent" and not services:
        raise ActionError("un agent doit appartenir à au moins un service")
    if len(password) < 10:
        raise ActionError("le mot de passe doit faire au moins 10 caractères")
    if agent_store.by_email(session, email) is not None:
        raise Conflict(f"{email} existe déjà")
    return agent_store.create(session, email=email, name=name.strip(), password_hash=hash_password(password),
                              role=role, services=services)


def authenticate(session: Session, email: str, password: str) -> Agent | None:
    """The agent with these credentials, or None; locks the account for a while after repeated failures."""
    agent = agent_store.by_email(session, email)
    now = utcnow()
    try:
        passwords.verify(agent.password_hash if agent else _DUMMY_HASH, password)
        valid = agent is not None
    except (VerificationError, InvalidHashError):
        valid = False
    if agent is None:
        return None
    if not agent.active or (agent.locked_until is not None and agent.locked_until > now):
        return None
    if not valid:
        agent.failed_logins += 1
        if agent.failed_logins >= MAX_FAILED_LOGINS:
            agent.locked_until, agent.failed_logins = now + LOCKOUT, 0
        session.add(agent)
        return None
    if passwords.check_needs_rehash(agent.password_hash):
        agent.password_hash = hash_password(password)
    agent.failed_logins, agent.locked_until, agent.last_login_at = 0, None, now
    session.add(agent)
    return agent
