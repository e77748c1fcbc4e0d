"""Residents' right to erasure, and the retention period: a person's data go, the town's cases and statistics stay.

"SUPPRIMER MES DONNÉES" (or "OUBLIEZ-MOI", "DELETE MY DATA"…, the catalogue's `erase` intent) on any channel is
confirmed once (OUI), then the person is anonymised (store/erasure.py) and told so; `guichet contact erase` does
it for an agent. The retention job anonymises the people of cases closed long ago and deletes old photos.
"""

from __future__ import annotations

import calendar
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlmodel import Session

from gateway.cases.privacy import mask_personal
from gateway.runtime import Runtime
from store import contacts, erasure, outbox
from store.clock import utcnow
from store.models import Identity, OutboxEntry
from store.statuses import COLOURS, OPEN

log = logging.getLogger(__name__)

REMOVED = "[supprimé à la demande de la personne]"
EXPIRED = "[supprimé : durée de conservation écoulée]"
CLOSED: tuple[str, ...] = tuple(s for s in COLOURS if s not in OPEN)
AWAITING_ERASURE = "awaiting_erasure"  # the conversation state between the request and its confirmation


def erase_person(rt: Runtime, session: Session, contact_id: int, *, removed: str = REMOVED,
                 keep_outbox: OutboxEntry | None = None) -> erasure.Erased:
    """Anonymise one person and delete the photos they sent; the cases stay."""
    erased = erasure.anonymise_contact(session, contact_id, removed=removed,
                                       mask=lambda text: mask_personal(text, config_dir=rt.settings.config_dir),
                                       keep_outbox=keep_outbox.id if keep_outbox else None)
    for path in erased.photos:
        Path(path).unlink(missing_ok=True)
    log.info("person erased", extra={"identities": erased.identities, "cases": erased.cases,
                                     "photos": len(erased.photos)})
    return erased


def confirm_and_erase(rt: Runtime, session: Session, identity: Identity, *, language: str) -> None:
    """The resident confirmed: the last message is queued to them first, then everything of theirs goes."""
    farewell = outbox.enqueue(session, identity, rt.messages.render("erased", language), purpose="erasure")
    session.flush()
    erase_person(rt, session, identity.contact_id, keep_outbox=farewell)


def identities_at(session: Session, datum: str) -> list[Identity]:
    """The identities an agent names by a phone number, an e-mail address or a Telegram chat id."""
    datum = datum.strip()
    if "@" in datum:
        return erasure.find_identities(session, channels=("email",), address=datum.lower()) or \
            erasure.find_identities(session, channels=("email",), address=datum)
    phone = contacts.normalise_phone(datum) if not datum.lstrip("-").isdigit() or datum.startswith("0") else None
    if phone:
        return erasure.find_identities(session, channels=tuple(contacts.PHONE_CHANNELS), address=phone)
    return erasure.find_identities(session, channels=("telegram",), address=datum)


def months_before(moment: datetime, months: int) -> datetime:
    """The same moment `months` calendar months earlier (the 31st becomes the month's last day)."""
    month_index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(month_index, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


@dataclass
class Retention:
    """What one pass of the retention job did, in counts."""

    people: int = 0
    photos: int = 0
    cleared: int = 0


def apply_retention(rt: Runtime, session: Session, *, now: datetime | None = None) -> Retention:
    """Anonymise the people of cases closed more than the retention period ago; delete residents' old photos."""
    now = now or utcnow()
    done = Retention()
    closed_before = months_before(now, rt.settings.retention_months)
    people: set[int] = set()
    for case in erasure.closed_before(session, moment=closed_before, closed=CLOSED):
        people |= erasure.contacts_of(session, case)
    for contact_id in sorted(people):
        if erasure.is_erased(session, contact_id) or \
                erasure.is_active_since(session, contact_id, closed_before, closed=CLOSED):
            continue
        erase_person(rt, session, contact_id, removed=EXPIRED)
        done.people += 1
    for photo in erasure.photos_before(session, now - timedelta(days=rt.settings.photo_retention_days)):
        path = photo.path
        session.delete(photo)
        session.flush()
        if not erasure.path_in_use(session, path):  # files are named by their content: two rows may share one
            Path(path).unlink(missing_ok=True)
        done.photos += 1
    done.cleared = erasure.clear_sent_to_erased(session)
    if done.people or done.photos:
        log.info("retention applied", extra={"people": done.people, "photos": done.photos})
    return done
