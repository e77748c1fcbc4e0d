"""Contacts, their channel identities and their conversations."""

from __future__ import annotations

from datetime import datetime

import phonenumbers
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from store.clock import utcnow
from store.db import key
from store.models import Contact, Conversation, Identity

PHONE_CHANNELS = {"sms", "whatsapp", "voice"}


def normalise_phone(address: str, region: str = "FR") -> str | None:
    """An E.164 number from a number as a resident or an adapter writes it (`06 12 34 56 78`, `+33…`), or None."""
    try:
        number = phonenumbers.parse(address, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def identity_for(session: Session, *, channel: str, address: str, gateway_address: str | None,
                 seen_at: datetime | None = None, name: str | None = None) -> Identity:
    """The identity that wrote from `address` on `channel`, created with its contact on first contact."""
    if channel in PHONE_CHANNELS:
        address = normalise_phone(address) or address
    identity = session.exec(
        select(Identity).where(col(Identity.channel) == channel, col(Identity.address) == address)
    ).first()
    if identity is None:
        phone = address if channel in PHONE_CHANNELS and address.startswith("+") else None
        identity = _create_identity(session, channel=channel, address=address, phone=phone)
    if gateway_address and identity.gateway_address != gateway_address:
        identity.gateway_address = gateway_address
    identity.last_inbound_at = max(filter(None, (identity.last_inbound_at, seen_at or utcnow())))
    session.add(identity)
    if name:
        contact = session.get(Contact, identity.contact_id)
        if contact is not None and not contact.name:
            contact.name = name  # a WhatsApp profile name, for agents writing back; never shown publicly
            session.add(contact)
    return identity


def _create_identity(session: Session, *, channel: str, address: str, phone: str | None) -> Identity:
    # Two first messages from one number can arrive together, on one channel or on two (SMS and WhatsApp):
    # a savepoint lets the loser of the race read the winner's identity, or join the contact it created.
    for _ in range(3):
        try:
            with session.begin_nested():
                contact = _contact_for_phone(session, phone)
                identity = Identity(contact_id=key(contact), channel=channel, address=address)
                session.add(identity)
                session.flush()
                return identity
        except IntegrityError:
            winner = session.exec(
                select(Identity).where(col(Identity.channel) == channel, col(Identity.address) == address)
            ).first()
            if winner is not None:
                return winner
            # The other message created the contact (the same phone) on another channel: join it next time round.
    raise RuntimeError(f"no identity could be created for a {channel} address after three tries")


def _contact_for_phone(session: Session, phone: str | None) -> Contact:
    if phone:
        contact = session.exec(select(Contact).where(col(Contact.phone) == phone)).first()
        if contact:
            return contact
    contact = Contact(phone=phone)
    session.add(contact)
    session.flush()
    return contact


def conversation_for(session: Session, identity: Identity, *, lock: bool = True) -> Conversation:
    """The identity's conversation, locked for this transaction so turns never interleave."""
    query = select(Conversation).where(col(Conversation.identity_id) == identity.id)
    if lock:
        query = query.with_for_update()
    conversation = session.exec(query).first()
    if conversation is None:
        conversation = Conversation(identity_id=key(identity))
        session.add(conversation)
        session.flush()
    return conversation


def stop(session: Session, identity: Identity, reason: str) -> bool:
    """Stop every message to this identity; False when it was already stopped."""
    if identity.stopped_at is not None:
        return False
    identity.stopped_at, identity.stop_reason = utcnow(), reason
    session.add(identity)
    return True


def resume(session: Session, identity: Identity) -> bool:
    """Let messages flow again after START; False when nothing was stopped."""
    if identity.stopped_at is None:
        return False
    identity.stopped_at, identity.stop_reason = None, None
    session.add(identity)
    return True


def languages(session: Session, contact_ids: set[int]) -> dict[int, str]:
    """The language each contact writes in, by contact id."""
    if not contact_ids:
        return {}
    rows = session.exec(select(col(Contact.id), col(Contact.language)).where(col(Contact.id).in_(contact_ids))).all()
    return {contact_id: language for contact_id, language in rows if contact_id is not None}


def staff_identity(session: Session, *, channel: str, address: str) -> Identity:
    """The identity of a town's person we write to (on-call contact, service mailbox, supervisor), created if new;
    unlike `identity_for` it records no message from them."""
    if channel in PHONE_CHANNELS:
        address = normalise_phone(address) or address
    elif channel == "email":
        address = address.strip().lower()
    identity = session.exec(
        select(Identity).where(col(Identity.channel) == channel, col(Identity.address) == address)
    ).first()
    if identity is not None:
        return identity
    phone = address if channel in PHONE_CHANNELS and address.startswith("+") else None
    return _create_identity(session, channel=channel, address=address, phone=phone)
