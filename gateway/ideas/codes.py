"""Proving an address typed on a public page: a six-digit code sent there (SMS or e-mail) through the outbox,
typed back within 15 minutes, three tries, three codes an hour per address. Only an HMAC of the code is kept."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session

from gateway.runtime import Runtime
from store import contacts, outbox
from store import ideas as idea_store
from store.models import ConfirmationCode, Identity

LIFETIME = timedelta(minutes=15)
TRIES = 3
# One answer for a wrong, expired or used-up code (after TRIES wrong ones), on every form that asks for one.
REFUSED = (f"Ce code n'est pas le bon, ou il n'est plus valable (un code vaut 15 minutes et {TRIES} essais). "
           "Vérifiez-le, ou demandez un nouveau code.")
PER_HOUR = 3
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")


class CodeRefused(ValueError):
    """The address cannot be used, or too many codes went to it: the sentence says which, for the page."""


@dataclass
class Address:
    """A typed address, understood: the channel a code goes by, and the address as stored."""

    channel: str  # sms or email
    address: str


def understand(typed: str) -> Address:
    """A phone number (French or E.164) or an e-mail address; CodeRefused with a sentence for anything else."""
    typed = typed.strip()
    if "@" in typed:
        if not EMAIL.match(typed):
            raise CodeRefused("Cette adresse e-mail ne semble pas complète (forme : nom@exemple.fr).")
        return Address("email", typed.lower())
    phone = contacts.normalise_phone(typed)
    if phone is None:
        raise CodeRefused("Ce numéro de téléphone n'est pas reconnu (forme : 06 12 34 56 78).")
    return Address("sms", phone)


def _digest(rt: Runtime, code: str, *, purpose: str, target: str, address: str) -> str:
    message = f"{purpose}|{target}|{address}|{code}".encode()
    return hmac.new(rt.settings.secret_key.encode(), message, hashlib.sha256).hexdigest()


def send(rt: Runtime, session: Session, *, purpose: str, target: str, typed: str, now: datetime,
         text_key: str = "ideas.code", **values: str) -> Address:
    """Send a new code to the typed address for `purpose` on `target` (an idea's or an event's reference); the
    message is the template `text_key` with {code} and `values`. CodeRefused when the address is not one, or
    has had its codes for the hour."""
    where = understand(typed)
    if idea_store.codes_sent_since(session, address=where.address, since=now - timedelta(hours=1)) >= PER_HOUR:
        raise CodeRefused("Plusieurs codes ont déjà été envoyés à cette adresse : réessayez dans une heure.")
    code = f"{secrets.randbelow(10**6):06d}"
    idea_store.add_code(session, ConfirmationCode(
        purpose=purpose, target=target, channel=where.channel, address=where.address,
        code_hash=_digest(rt, code, purpose=purpose, target=target, address=where.address),
        expires_at=now + LIFETIME, created_at=now))
    identity = contacts.identity_for(session, channel=where.channel, address=where.address, gateway_address=None,
                                     seen_at=now)
    outbox.enqueue(session, identity, rt.messages.render(text_key, code=code, **values), purpose="code",
                   urgent=True)
    return where


def check(rt: Runtime, session: Session, *, purpose: str, target: str, typed: str, code: str,
          now: datetime) -> Identity | None:
    """The identity of the address when `code` is its live code (used up then); None otherwise (a wrong code
    counts as a try; three and the code is spent)."""
    try:
        where = understand(typed)
    except CodeRefused:
        return None
    live = idea_store.live_code(session, purpose=purpose, target=target, address=where.address, now=now)
    if live is None or live.attempts >= TRIES:
        return None
    given = _digest(rt, re.sub(r"\D", "", code), purpose=purpose, target=target, address=where.address)
    if not hmac.compare_digest(given, live.code_hash):
        live.attempts += 1
        session.add(live)
        return None
    live.used_at = now
    session.add(live)
    return contacts.identity_for(session, channel=where.channel, address=where.address, gateway_address=None,
                                 seen_at=now)
