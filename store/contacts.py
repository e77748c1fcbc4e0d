"""Contacts, their channel identities and their conversations."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import phonenumbers
from sqlmodel import Session, col, select

from store.clock import utcnow
from store.db import insert_new, key
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


@dataclass(frozen=True)
class Sender:
    """Who wrote a message: their identity on the channel and whether this message brought them."""

    identity: Identity
    new: bool = False  # the identity was created now: it has no conversation yet
    contact: Contact | None = None  # the contact, when created now (with the identity)

    @property
    def first_contact(self) -> bool:
        """The person is new (their contact too was created now): nothing of theirs exists yet, no case, no
        answer, no support, so there is nothing to look up or count."""
        return self.contact is not None


def identity_for(session: Session, *, channel: str, address: str, gateway_address: str | None,
                 seen_at: datetime | None = None, name: str | None = None) -> Identity:
    """The identity that wrote from `address` on `channel`, created with its contact on first contact."""
    return sender(session, channel=channel, address=address, gateway_address=gateway_address, seen_at=seen_at,
                  name=name).identity


def sender(session: Session, *, channel: str, address: str, gateway_address: str | None,
           seen_at: datetime | None = None, name: str | None = None) -> Sender:
    """`identity_for`, saying whether the identity and its contact are new (`Sender`)."""
    if channel in PHONE_CHANNELS:
        address = normalise_phone(address) or address
    seen_at = seen_at or utcnow()
    identity = session.exec(
        select(Identity).where(col(Identity.channel) == channel, col(Identity.address) == address)
    ).first()
    if identity is None:
        phone = address if channel in PHONE_CHANNELS and address.startswith("+") else None
        created = _create_identity(session, channel=channel, address=address, phone=phone,
                                   gateway_address=gateway_address, seen_at=seen_at, name=name)
        if created.new:  # written whole in its INSERT, the name with a new contact
            if name and not created.first_contact:
                _remember_name(session, created.identity, name)
            return created
        identity = created.identity
    if gateway_address and identity.gateway_address != gateway_address:
        identity.gateway_address = gateway_address
    identity.last_inbound_at = max(filter(None, (identity.last_inbound_at, seen_at)))
    session.add(identity)
    if name:
        _remember_name(session, identity, name)
    return Sender(identity)


def _remember_name(session: Session, identity: Identity, name: str) -> None:
    contact = session.get(Contact, identity.contact_id)
    if contact is not None and not contact.name:
        contact.name = name  # a WhatsApp profile name, for agents writing back; never shown publicly
        session.add(contact)


def _create_identity(session: Session, *, channel: str, address: str, phone: str | None,
                     gateway_address: str | None = None, seen_at: datetime | None = None,
                     name: str | None = None) -> Sender:
    # Two first messages from one number can arrive together, on one channel or on two (SMS and WhatsApp): each
    # INSERT gives way to the other's row (`insert_new`), and the loser reads the winner's once it is committed.
    for _ in range(3):
        contact, new_contact = _contact_for_phone(session, phone, name=name)
        identity = insert_new(session, Identity(contact_id=key(contact), channel=channel, address=address,
                                                gateway_address=gateway_address, last_inbound_at=seen_at),
                              unique=("channel", "address"))
        if identity is not None:
            return Sender(identity, new=True, contact=contact if new_contact else None)
        if new_contact:
            session.delete(contact)  # made for the identity another message created first: no one else has it
        winner = session.exec(
            select(Identity).where(col(Identity.channel) == channel, col(Identity.address) == address)
        ).first()
        if winner is not None:
            return Sender(winner)
    raise RuntimeError(f"no identity could be created for a {channel} address after three tries")


def _contact_for_phone(session: Session, phone: str | None, *, name: str | None = None) -> tuple[Contact, bool]:
    """The contact of this phone number, or a new one (True); with no phone, always a new one."""
    if not phone:
        contact = Contact(name=name)
        session.add(contact)
        session.flush()
        return contact, True
    for _ in range(3):
        created = insert_new(session, Contact(phone=phone, name=name), unique=("phone",))
        if created is not None:
            return created, True
        existing = session.exec(select(Contact).where(col(Contact.phone) == phone)).first()
        if existing is not None:
            return existing, False
    raise RuntimeError("no contact could be found or created for a phone number after three tries")


def conversation_for(session: Session, identity: Identity, *, lock: bool = True, new: bool = False) -> Conversation:
    """The identity's conversation, locked for this transaction so turns never interleave (an identity `new` in
    this transaction has none yet: it is created without looking)."""
    conversation = None
    if not new:
        query = select(Conversation).where(col(Conversation.identity_id) == identity.id)
        conversation = session.exec(query.with_for_update() if lock else query).first()
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


def identities(session: Session, identity_ids: set[int]) -> dict[int, Identity]:
    """The identities of these ids, by id, in one statement."""
    if not identity_ids:
        return {}
    rows = session.exec(select(Identity).where(col(Identity.id).in_(identity_ids))).all()
    return {key(identity): identity for identity in rows}


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
    return _create_identity(session, channel=channel, address=address, phone=phone).identity
