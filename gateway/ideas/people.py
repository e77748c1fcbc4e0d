"""The people of an idea, for its référent: who supports, who is impliqué, who registered, and how to reach them."""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session

from gateway.cases import flows
from gateway.cases.actions import agent_row, visible_case
from gateway.cases.agents import ActionError, AgentUser
from gateway.cases.privacy import mask_personal
from gateway.errors import Forbidden
from gateway.identity import spaced_phone
from gateway.runtime import Runtime
from store import agents as agent_store
from store import cases as case_store
from store import contacts, outbox
from store import ideas as idea_store
from store.clock import utcnow
from store.db import key
from store.models import Case, Contact, Event, Follower, Identity

log = logging.getLogger(__name__)

PHONE_CHANNELS = ("sms", "whatsapp", "voice")
MAX_BROADCAST_CHARS = 1000  # an SMS carries 1,600 characters; the reference and the frame take the rest


@dataclass
class Person:
    """One person around an idea, as the référent's page shows them (addresses masked)."""

    contact_id: int
    name: str | None
    channel: str
    address: str  # masked
    supports: bool = False
    implique: bool = False
    registered: list[str] | None = None  # "EV-1234 (inscrit)", "EV-1234 (liste d'attente)"
    since: datetime | None = None


def masked(channel: str, address: str | None) -> str:
    """An address as the screen shows it: `+33 6 •• •• •• 78`, `c…@example.org`, `Telegram …42`."""
    if not address:
        return "—"
    if channel == "email" or "@" in address:
        local, _, domain = address.partition("@")
        return f"{local[:1]}…@{domain}"
    if channel == "telegram":
        return f"Telegram …{address[-2:]}"
    return f"{address[:4]} •• •• •• {address[-2:]}" if len(address) > 6 else "••••"


def phone_of(contact: Contact, identities: list[Identity]) -> str | None:
    """The phone number a person can be called on: theirs, or the one they wrote from by SMS, WhatsApp or phone."""
    if contact.phone:
        return contact.phone
    for identity in identities:
        if identity.channel in PHONE_CHANNELS and identity.address.startswith("+"):
            return identity.address  # E.164, as store/contacts.py keeps the numbers of these channels
    return None


def people_of(session: Session, case: Case) -> list[Person]:
    """Supporters (impliqué or informé) and registrants of the idea's events, once each, supporters first."""
    implicated = idea_store.implicated_contacts(session, key(case))
    people: dict[int, Person] = {}
    for support, contact, identity in idea_store.supporters(session, key(case)):
        people[key(contact)] = Person(key(contact), support.public_name or contact.name, support.channel,
                                      masked(support.channel, identity.address if identity else contact.phone),
                                      supports=True, implique=key(contact) in implicated, since=support.created_at)
    events = {key(e): e for e in idea_store.events_of(session, key(case))}
    for registration, contact, identity in idea_store.registrations_of(session, list(events)):
        if registration.status == "cancelled":
            continue
        person = people.get(key(contact))
        if person is None:
            person = people[key(contact)] = Person(
                key(contact), contact.name, registration.channel,
                masked(registration.channel, identity.address if identity else contact.phone),
                since=registration.created_at)
        label = "liste d'attente" if registration.status == "waiting" else "inscrit"
        person.registered = [*(person.registered or []), f"{events[registration.event_id].reference} ({label})"]
    return list(people.values())


def counts(session: Session, case: Case) -> dict[str, int]:
    """What the idea's page counts: supporters, impliqué, followers, registrations, contributions to moderate."""
    people = people_of(session, case)
    return {"supporters": sum(p.supports for p in people), "implique": sum(p.implique for p in people),
            "followers": case_store.follower_count(session, case),
            "registered": sum(bool(p.registered) for p in people),
            "pending": len(idea_store.contributions_of(session, [key(case)], status="pending"))}


def _decider(session: Session, who: AgentUser, reference: str, *, lock: bool = False) -> Case:
    """The idea if the agent may act on it as its référent (a supervisor or an admin too); 404 or 403 otherwise."""
    case = visible_case(session, who, reference, lock=lock)
    if not who.can_decide(case):
        raise Forbidden("seul un référent de cette idée, un superviseur ou un administrateur peut agir sur une idée")
    return case


def call_list(session: Session, who: AgentUser, reference: str, *, via: str = "web") -> str:
    """The CSV of the impliqué supporters who have a phone number, to call them; the export is in the audit log."""
    case = _decider(session, who, reference)
    implicated = idea_store.implicated_contacts(session, key(case))
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(["idée", "nom", "téléphone", "canal du soutien", "soutien le"])
    rows = 0
    for support, contact, _identity in idea_store.supporters(session, key(case)):
        if key(contact) not in implicated:
            continue
        phone = phone_of(contact, idea_store.identities_of(session, {key(contact)}))
        if phone is None:
            continue
        writer.writerow([_cell(case.reference), _cell(support.public_name or contact.name or ""),
                         _cell(spaced_phone(phone)), support.channel, support.created_at.strftime("%Y-%m-%d")])
        rows += 1
    agent_store.audit(session, agent=agent_row(session, who), action="idea_call_list", via=via, case=case,
                      people=rows)
    log.info("idea call list exported", extra={"case": case.reference, "people": rows})
    return out.getvalue()


def _cell(value: str) -> str:
    """A cell a spreadsheet shows as written: one starting like a formula (= + - @, a tab) gets a leading quote."""
    return f"'{value}" if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def audience(session: Session, case: Case) -> list[tuple[Identity, Follower]]:
    """Everyone a decision or a step reaches: every follower and every supporter, once per person (the identity
    they used last)."""
    pairs = case_store.subscriptions(session, case)
    following = {identity.contact_id for identity, _ in pairs}
    for _support, contact, identity in idea_store.supporters(session, key(case)):
        if key(contact) not in following and identity is not None:
            pairs.append((identity, Follower(case_id=key(case), identity_id=key(identity))))
    return flows.one_per_person(pairs)


def registrants(session: Session, event_ids: list[int]) -> list[tuple[Identity, Follower]]:
    """The people registered (or waiting) to these events, on the identity they registered from, once each."""
    pairs = [(identity, Follower(case_id=0, identity_id=key(identity)))
             for registration, _contact, identity in idea_store.registrations_of(session, event_ids)
             if identity is not None and registration.status != "cancelled"]
    return flows.one_per_person(pairs)


def tell(rt: Runtime, session: Session, case: Case, people: list[tuple[Identity, Follower]],
         body: Callable[[str, Identity], str], *, now: datetime, capped: bool, photo: str | None = None,
         reference: str | None = None) -> int:
    """Queue one whole message to each person (STOP respected by the outbox, held through quiet hours): never
    merged with other updates nor into them; when `capped`, past the daily cap it leaves the next morning."""
    if not people:
        return 0
    hold = flows.release_time(now, rt.settings.quiet_hours, rt.settings.timezone)
    languages = contacts.languages(session, {identity.contact_id for identity, _ in people})
    sent_today = (outbox.updates_since(session, contact_ids={i.contact_id for i, _ in people},
                                       since=flows.day_start(rt, now)) if capped else {})
    now_queue: list[tuple[Identity, str, dict[str, Any]]] = []
    morning: list[tuple[Identity, str, dict[str, Any]]] = []
    for identity, follower in people:
        meta = flows.message_meta(case, in_reply_to=follower.thread)
        meta["whole"] = True
        if reference:
            meta["reference"] = reference
        if photo:
            meta["photo"] = photo
        message = (identity, body(languages.get(identity.contact_id, "fr"), identity), meta)
        over = capped and sent_today.get(identity.contact_id, 0) >= rt.settings.max_updates_per_day
        (morning if over else now_queue).append(message)
    queued = outbox.enqueue_many(session, now_queue, purpose="update", case_id=key(case), not_before=hold)
    if morning:
        log.info("idea messages held by the daily cap", extra={"case": case.reference, "people": len(morning)})
        queued += outbox.enqueue_many(session, morning, purpose="update", case_id=key(case),
                                      not_before=flows.next_morning(rt, now))
    return queued


def broadcast(rt: Runtime, session: Session, who: AgentUser, reference: str, *, text: str,
              event_reference: str | None = None, via: str = "web", now: datetime | None = None) -> int:
    """Write to every impliqué supporter of the idea, or to everyone registered to one of its events, at once;
    recorded on the idea's timeline (kind "broadcast") and in the audit log. Returns how many messages."""
    now = now or utcnow()
    text = (text or "").strip()
    if not text:
        raise ActionError("le message est vide")
    if len(text) > MAX_BROADCAST_CHARS:
        raise ActionError(f"le message dépasse {MAX_BROADCAST_CHARS} caractères")
    case = _decider(session, who, reference)
    event: Event | None = None
    if event_reference:
        event = next((e for e in idea_store.events_of(session, key(case)) if e.reference == event_reference), None)
        if event is None:
            raise ActionError(f"aucun événement {event_reference} lié à cette idée")
        people = registrants(session, [key(event)])
    else:
        implicated = idea_store.implicated_contacts(session, key(case))
        supporting = {key(contact) for _s, contact, _i in idea_store.supporters(session, key(case))}
        people = [(identity, follower) for identity, follower in audience(session, case)
                  if identity.contact_id in implicated and identity.contact_id in supporting]
    heading = event.reference if event is not None else case.reference

    def body(language: str, _identity: Identity) -> str:
        return rt.messages.render("ideas.office.broadcast", language, reference=heading, message=text)

    queued = tell(rt, session, case, people, body, now=now, capped=True, reference=heading)
    audience_label = f"inscrits à {event.reference}" if event is not None else "soutiens impliqués"
    case_store.add_event(session, case, "broadcast", public=False, actor=who.label, created_at=now,
                         title=f"Message aux {audience_label} ({len(people)})", message=text)
    agent_store.audit(session, agent=agent_row(session, who), action="idea_broadcast", via=via, case=case,
                      audience=event.reference if event is not None else "implique", people=len(people),
                      message=mask_personal(text))
    return queued
