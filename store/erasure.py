"""Erasing a person: their identities, their words and their photos go; the cases they reported stay, anonymous."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session, col, delete, select

from store.clock import utcnow
from store.models import (
    Attachment,
    Call,
    Case,
    CaseEvent,
    ConfirmationCode,
    Contact,
    Contribution,
    Conversation,
    Follower,
    Identity,
    Interest,
    OutboxEntry,
    ReceivedMessage,
    Registration,
    Support,
)

ERASED = "erased"  # the stop reason of an erased identity


@dataclass
class Erased:
    """What an erasure did, in counts (never the personal data itself)."""

    identities: int = 0
    messages: int = 0
    cases: int = 0
    photos: list[str] = field(default_factory=list)  # paths no other row uses any more: the caller deletes them


def identities_of(session: Session, contact_id: int) -> list[Identity]:
    """Every identity of one contact."""
    return list(session.exec(select(Identity).where(col(Identity.contact_id) == contact_id)).all())


def find_identities(session: Session, *, channels: tuple[str, ...], address: str) -> list[Identity]:
    """The identities at `address` on those channels."""
    return list(session.exec(select(Identity).where(col(Identity.channel).in_(channels),
                                                     col(Identity.address) == address)).all())


def anonymise_contact(session: Session, contact_id: int, *, removed: str, mask: Callable[[str], str],
                      keep_outbox: int | None = None) -> Erased:
    """Anonymise one person: addresses replaced by tokens, names dropped, their words in cases replaced by `removed`,
    their photos unlinked, their subscriptions ended; the cases keep status, category, place and timeline."""
    erased = Erased()
    identities = identities_of(session, contact_id)
    identity_ids = [i.id for i in identities]
    addresses = [i.address for i in identities]
    inbound = list(session.exec(select(ReceivedMessage).where(
        col(ReceivedMessage.identity_id).in_(identity_ids) | col(ReceivedMessage.sender).in_(addresses))).all())
    bodies = {m.body.strip() for m in inbound if m.body.strip()}
    cases = list(session.exec(select(Case).where(
        (col(Case.reporter_id) == contact_id)
        | col(Case.id).in_(select(Follower.case_id).where(col(Follower.identity_id).in_(identity_ids))))).all())
    for case in cases:
        if case.reporter_id == contact_id:
            case.description = removed
            case.address = mask(case.address) if case.address else case.address
            session.add(case)
        for event in session.exec(select(CaseEvent).where(col(CaseEvent.case_id) == case.id)).all():
            # Their words on a timeline: a message of theirs, or a description made of their messages.
            if event.message and event.actor == "resident" and (
                    event.message.strip() in bodies or any(body in event.message for body in bodies if len(body) > 3)):
                event.message = removed
                session.add(event)
        erased.cases += 1
    inbound_ids = [m.id for m in inbound]
    photos = list(session.exec(select(Attachment).where(col(Attachment.inbound_id).in_(inbound_ids))).all())
    paths = {p.path for p in photos}
    for photo in photos:
        session.delete(photo)
    session.flush()
    erased.photos += [path for path in paths if not path_in_use(session, path)]
    for message in inbound:
        message.body, message.raw, message.media, message.profile_name = removed, {}, [], None
        message.sender = "[supprimé]"
        session.add(message)
        erased.messages += 1
    session.exec(delete(Follower).where(col(Follower.identity_id).in_(identity_ids)))
    # Ideas: a support stays counted (the contact row is anonymous now) but names nobody; their contributions
    # lose their words; their seats at events are freed (the waiting list is promoted by the next worker pass);
    # their interests and codes go.
    for support in session.exec(select(Support).where(col(Support.contact_id) == contact_id)).all():
        support.public_name = None
        session.add(support)
    for contribution in session.exec(select(Contribution).where(col(Contribution.contact_id) == contact_id)).all():
        contribution.text = removed
        session.add(contribution)
    for registration in session.exec(select(Registration).where(col(Registration.contact_id) == contact_id)).all():
        if registration.status != "cancelled":
            registration.status, registration.updated_at = "cancelled", utcnow()
            session.add(registration)
    session.exec(delete(Interest).where(col(Interest.contact_id) == contact_id))
    session.exec(delete(ConfirmationCode).where(col(ConfirmationCode.address).in_(addresses)))
    session.exec(delete(Conversation).where(col(Conversation.identity_id).in_(identity_ids)))
    for call in session.exec(select(Call).where(col(Call.caller).in_(addresses))).all():
        call.caller, call.data, call.last_twiml = "[supprimé]", {}, ""
        session.add(call)
    now = utcnow()
    for identity in identities:
        token = f"{ERASED}-{secrets.token_hex(12)}"
        for row in session.exec(select(OutboxEntry).where(col(OutboxEntry.identity_id) == identity.id)).all():
            if row.id == keep_outbox:
                continue  # the confirmation still has to reach them; retention clears it once sent
            row.to_address, row.body = token, removed
            if row.status == "queued":
                row.status = "canceled"
            session.add(row)
        identity.address, identity.stopped_at, identity.stop_reason = token, now, ERASED
        session.add(identity)
        erased.identities += 1
    contact = session.get(Contact, contact_id)
    if contact is not None:
        contact.phone, contact.name = None, None
        session.add(contact)
    return erased


def path_in_use(session: Session, path: str) -> bool:
    """Whether a kept photo's file is still used by a row (files are named by their content)."""
    return session.exec(select(Attachment.id).where(col(Attachment.path) == path)).first() is not None


def closed_before(session: Session, *, moment: datetime, closed: tuple[str, ...]) -> list[Case]:
    """Cases in a closed status whose last change is older than `moment`, whose words are still there."""
    return list(session.exec(select(Case).where(col(Case.status).in_(closed), col(Case.updated_at) < moment)).all())


def contacts_of(session: Session, case: Case) -> set[int]:
    """The people of a case: its reporter and its followers."""
    found = {case.reporter_id} if case.reporter_id is not None else set()
    rows = session.exec(select(Identity.contact_id).join(Follower, col(Follower.identity_id) == col(Identity.id))
                        .where(col(Follower.case_id) == case.id)).all()
    return found | set(rows)


def is_active_since(session: Session, contact_id: int, moment: datetime, *, closed: tuple[str, ...]) -> bool:
    """Whether a person wrote after `moment` or still has a case that is not closed."""
    wrote = session.exec(select(Identity.id).where(col(Identity.contact_id) == contact_id,
                                                   col(Identity.last_inbound_at) >= moment)).first()
    if wrote is not None:
        return True
    open_case = session.exec(
        select(Case.id).where(col(Case.status).notin_(closed))
        .where((col(Case.reporter_id) == contact_id) | col(Case.id).in_(
            select(Follower.case_id).join(Identity, col(Identity.id) == col(Follower.identity_id))
            .where(col(Identity.contact_id) == contact_id)))).first()
    return open_case is not None


def is_erased(session: Session, contact_id: int) -> bool:
    """Whether every identity of the contact was erased already."""
    return all(i.stop_reason == ERASED for i in identities_of(session, contact_id))


def photos_before(session: Session, moment: datetime) -> list[Attachment]:
    """Residents' photos kept before `moment`."""
    return list(session.exec(select(Attachment).where(col(Attachment.source) == "resident",
                                                      col(Attachment.created_at) < moment)).all())


def clear_sent_to_erased(session: Session) -> int:
    """Messages to erased identities that are no longer queued: their address and text replaced by the token."""
    rows = session.exec(select(OutboxEntry, Identity).join(Identity, col(Identity.id) == col(OutboxEntry.identity_id))
                        .where(col(Identity.stop_reason) == ERASED, col(OutboxEntry.to_address) != Identity.address,
                               col(OutboxEntry.status).notin_(("queued", "sending")))).all()
    for row, identity in rows:
        row.to_address = identity.address
        session.add(row)
    return len(rows)
