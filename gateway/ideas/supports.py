"""Supporting an idea: once per person whatever the channel, and supporting is following (informé by default)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from store import cases as case_store
from store import ideas as idea_store
from store.clock import utcnow
from store.models import Case, Identity, Support

log = logging.getLogger(__name__)


@dataclass
class Supported:
    """What a support did: the row, whether it is new, and the idea's public count after it."""

    support: Support
    new: bool
    count: int


def support(session: Session, case: Case, identity: Identity, *, channel: str | None = None,
            now: datetime | None = None) -> Supported:
    """Count this person's support of the idea (once, whatever the channel) and make them follow it."""
    if case.kind != "idea":
        raise ValueError(f"{case.reference} is not an idea: only ideas are supported")
    now = now or utcnow()
    row, new = idea_store.add_support(session, case, identity, channel=channel or identity.channel, now=now)
    case_store.add_follower(session, case, identity)
    if new:
        case_store.add_event(session, case, "follower", actor="resident", public=False, created_at=now,
                             message=None)
        log.info("idea supported", extra={"case": case.reference, "channel": row.channel})
    count = idea_store.support_counts(session, [case.id or 0]).get(case.id or 0, 0)
    return Supported(row, new, count)
