"""Supporting an idea: once per person whatever the channel, and supporting is following (informé by default)."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from store import cases as case_store
from store import ideas as idea_store
from store.clock import utcnow
from store.models import Case, Contribution, Identity, Support

log = logging.getLogger(__name__)

PUBLIC_NAME_CHARS = 40  # "Camille D.": a first name and an initial, never more


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


def set_mode(session: Session, case: Case, identity: Identity, mode: str) -> int:
    """Make this person informé or impliqué on the idea, on every channel they follow it from; rows changed."""
    assert mode in ("informe", "implique")
    rows = idea_store.followers_of_contact(session, case_id=case.id or 0, contact_id=identity.contact_id)
    for row in rows:
        row.mode = mode
        session.add(row)
    log.info("follower mode set", extra={"case": case.reference, "mode": mode, "followers": len(rows)})
    return len(rows)


def contribute(session: Session, case: Case, identity: Identity, text: str, *,
               now: datetime | None = None) -> Contribution:
    """Keep a supporter's addition to the idea, pending until the référent publishes or refuses it."""
    row = idea_store.add_contribution(session, Contribution(
        case_id=case.id or 0, contact_id=identity.contact_id, identity_id=identity.id, text=text.strip(),
        status="pending", created_at=now or utcnow()))
    log.info("contribution kept", extra={"case": case.reference, "channel": identity.channel})
    return row


def public_name(written: str) -> str | None:
    """How a supporter agreed to be named: their first name and the initial of the next word ("Camille D."),
    at most PUBLIC_NAME_CHARS; None when nothing usable was written."""
    said = re.sub(r"^\s*(?:moi\s+)?(?:c'est|c’est|je m'appelle|je m’appelle|je suis|mon nom est|my name is|i am|"
                  r"i'm|call me|appelez[- ]moi)\s+", "", written.strip(), flags=re.IGNORECASE)
    if re.search(r"[\d=()<>\"/\\@:;{}\[\]|*#+]", said):  # a formula, an address, a number: not a name
        return None
    # Letters, hyphens and apostrophes only ("Jean-Luc", "N'Diaye"): nothing a spreadsheet or a page could run.
    words = re.findall(r"[^\W\d_](?:[^\W\d_]|['’-](?=[^\W\d_]))*", said)
    if not words:
        return None
    name = words[0][:1].upper() + words[0][1:30]
    if len(words) > 1:
        name += f" {words[1][:1].upper()}."
    return name[:PUBLIC_NAME_CHARS]


def name_on(session: Session, support: Support, name: str) -> Support:
    """Name this supporter on the idea's page, as they agreed."""
    support.public_name = name[:PUBLIC_NAME_CHARS]
    session.add(support)
    return support
