"""Flood limits per person: cases opened and answers sent per hour and per day.

Counted per contact (one person writing by SMS and WhatsApp counts once), under a lock on the contact's row, so
that workers handling several of their messages at once count them one after the other. Past a limit a message
is kept (stored, marked done, never lost) but not handled: no case, no answer, but one polite notice a day.
Agents see the person on the back office's "Limites" page, with a banner on the queue, and may let them through.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session

from gateway.settings import Settings
from store import limits as counts
from store.clock import utcnow
from store.db import key
from store.models import Contact

log = logging.getLogger(__name__)

HOUR, DAY = timedelta(hours=1), timedelta(days=1)


@dataclass(frozen=True)
class Hold:
    """A message held by a limit: which one, and whether the person is told now (once a day at most)."""

    limit: str  # cases_per_hour, cases_per_day, replies_per_hour, replies_per_day
    notify: bool


def check(session: Session, contact: Contact, settings: Settings, *, now: datetime | None = None) -> Hold | None:
    """None when the person is within every limit; else the Hold, recorded on their contact, which the caller
    has locked for the transaction (`store.limits.lock_contact`)."""
    now = now or utcnow()
    lifted = contact.limits_lifted_at

    def since(window: timedelta) -> datetime:
        return max(now - window, lifted) if lifted else now - window

    cid = key(contact)
    windows = (since(HOUR), since(DAY))
    cases_hour, cases_day = counts.cases_opened(session, cid, since=windows)
    reached = ("cases_per_hour" if cases_hour >= settings.max_cases_per_hour else
               "cases_per_day" if cases_day >= settings.max_cases_per_day else None)
    if reached is None:
        replies_hour, replies_day = counts.answers_sent(session, cid, since=windows)
        reached = ("replies_per_hour" if replies_hour >= settings.max_replies_per_hour else
                   "replies_per_day" if replies_day >= settings.max_replies_per_day else None)
    if reached is None:
        return None
    told = contact.limit_notice_at
    notify = told is None or told <= now - DAY or (lifted is not None and told <= lifted)
    if contact.limit_reached_at is None or contact.limit_reached_at <= now - DAY:
        log.warning("flood limit reached: messages kept unanswered", extra={"contact": cid, "limit": reached})
    contact.limit_reached_at = now
    if notify:
        contact.limit_notice_at = now
    session.add(contact)
    return Hold(limit=reached, notify=notify)


def lift(session: Session, contact_id: int, *, now: datetime | None = None) -> None:
    """An agent lets the person through: counting starts again from now."""
    contact = counts.lock_contact(session, contact_id)
    contact.limits_lifted_at = now or utcnow()
    session.add(contact)
