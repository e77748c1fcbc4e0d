"""Agents: who they are, their passwords and tokens, and logging in (throttled per address after failures).

Wrong passwords are throttled by (account, address) and by address, never by account alone: someone guessing
from elsewhere can slow themselves down, not lock the person out. MAX_FAILED_LOGINS wrong passwords on one account
from one address within THROTTLE_WINDOW make that pair wait THROTTLE_LOCK; MAX_FAILED_FROM_ADDRESS on any accounts
from one address make that address wait as long. The agent's own count (`failed_logins`) is only information.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import Session

from gateway.errors import Conflict, Invalid, TooManyRequests
from store import agents as agent_store
from store.clock import utcnow
from store.db import key
from store.models import Agent, Case

passwords = PasswordHasher()
# A hash to verify against when the e-mail is unknown, so that a wrong e-mail takes as long as a wrong password.
_DUMMY_HASH = passwords.hash(secrets.token_urlsafe(16))
MAX_FAILED_LOGINS = 5  # on one account from one address
MAX_FAILED_FROM_ADDRESS = 20  # on any accounts from one address
THROTTLE_WINDOW = timedelta(minutes=15)
THROTTLE_LOCK = timedelta(minutes=15)


class ActionError(Invalid):
    """An action the agent asked for with what it cannot be done with (422); the message says why, in French."""


class AgentUser:
    """The logged-in agent as the views see it: a snapshot of the `agent` row, without its password hash."""

    def __init__(self, agent: Agent):
        self.id, self.email, self.name, self.role = agent.id, agent.email, agent.name, agent.role
        self.generation = agent.session_generation
        self.services: tuple[str, ...] = tuple(agent.services or ())
        self.themes: tuple[str, ...] = tuple(agent.themes or ())
        self.territories: tuple[str, ...] = tuple(agent.territories or ())
        self.active = agent.active
        self.is_authenticated, self.is_anonymous = True, False

    @property
    def is_active(self) -> bool:
        """Deactivated agents are logged out at their next request."""
        return self.active

    def get_id(self) -> str:
        """What flask-login keeps in the session: the id and the session generation, which logout bumps."""
        return f"{self.id}.{self.generation}"

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

    @property
    def is_referent(self) -> bool:
        """A référent studies and answers the ideas of their themes and territories."""
        return self.role == "referent"

    def covers(self, case: Case) -> bool:
        """Whether an idea is of this référent's themes and territories (an empty list: all of them)."""
        return (case.kind == "idea" and (not self.themes or case.category in self.themes)
                and (not self.territories or case.territory in self.territories))

    def can_decide(self, case: Case) -> bool:
        """Whether the agent may answer this idea: its référent's scope, or a supervisor or admin; never a plain agent."""
        return case.kind == "idea" and (self.sees_all or (self.is_referent and self.covers(case)))

    def can_see(self, case: Case) -> bool:
        """Whether the case belongs to one of the agent's services (for a référent: an idea they cover)."""
        return (self.sees_all or (case.service is not None and case.service in self.services)
                or (self.is_referent and self.covers(case)))


def hash_password(password: str) -> str:
    """An argon2id hash of the password."""
    return passwords.hash(password)


def new_token() -> str:
    """A fresh API token (shown once, stored as a digest)."""
    return "gu_" + secrets.token_urlsafe(32)


def add_agent(session: Session, *, email: str, name: str, password: str, role: str, services: list[str],
              known_services: set[str], themes: list[str] | None = None, territories: list[str] | None = None,
              known_themes: set[str] | None = None, known_territories: set[str] | None = None) -> Agent:
    """Create an agent after checking the role, services, themes, territories and password; raises ActionError,
    or Conflict."""
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
    themes, territories = [t for t in themes or () if t], [t for t in territories or () if t]
    if (themes or territories) and role != "referent":
        raise ActionError("thèmes et territoires sont ceux d'un référent : choisissez le rôle référent")
    unknown = sorted(set(themes) - known_themes) if known_themes is not None else []
    if unknown:
        raise ActionError(f"thème(s) inconnu(s) : {', '.join(unknown)}")
    unknown = sorted(set(territories) - known_territories) if known_territories is not None else []
    if unknown:
        raise ActionError(f"territoire(s) inconnu(s) : {', '.join(unknown)}")
    if len(password) < 10:
        raise ActionError("le mot de passe doit faire au moins 10 caractères")
    if agent_store.by_email(session, email) is not None:
        raise Conflict(f"{email} existe déjà")
    return agent_store.create(session, email=email, name=name.strip(), password_hash=hash_password(password),
                              role=role, services=services, themes=themes, territories=territories)


def change_password(session: Session, agent: Agent, password: str) -> None:
    """Set a new password (10 characters at least, else ActionError); every open session of the agent ends."""
    if len(password) < 10:
        raise ActionError("le mot de passe doit faire au moins 10 caractères")
    agent.password_hash = hash_password(password)
    session.add(agent)
    session.flush()
    agent_store.end_sessions(session, key(agent))


def authenticate(session: Session, email: str, password: str, *, address: str) -> Agent | None:
    """The agent with these credentials, or None; TooManyRequests while this address is throttled (module doc)."""
    now = utcnow()
    pair, origin = _throttle_keys(email, address)
    until = agent_store.throttled_until(session, [pair, origin], now=now)
    if until is not None:
        raise TooManyRequests("Trop d'essais depuis cette adresse : réessayez dans quelques minutes.",
                              retry_after=max(1, int((until - now).total_seconds()) + 1))
    agent = agent_store.by_email(session, email)
    try:
        passwords.verify(agent.password_hash if agent else _DUMMY_HASH, password)
        valid = agent is not None and agent.active
    except (VerificationError, InvalidHashError):
        valid = False
    if not valid:
        if agent is not None:
            agent_store.count_failed_login(session, agent)
        agent_store.count_throttle(session, pair, now=now, window=THROTTLE_WINDOW, threshold=MAX_FAILED_LOGINS,
                                   lock_for=THROTTLE_LOCK)
        agent_store.count_throttle(session, origin, now=now, window=THROTTLE_WINDOW,
                                   threshold=MAX_FAILED_FROM_ADDRESS, lock_for=THROTTLE_LOCK)
        return None
    assert agent is not None
    if passwords.check_needs_rehash(agent.password_hash):
        agent.password_hash = hash_password(password)
        session.add(agent)
    agent_store.logged_in(session, agent, now=now)
    agent_store.clear_throttle(session, pair)
    return agent


def _throttle_keys(email: str, address: str) -> tuple[str, str]:
    """The (account, address) and address keys of a login attempt; by e-mail, known or not, so that throttling
    tells nobody which accounts exist."""
    return f"account:{email.strip().lower()[:200]}|{address}", f"address:{address}"
