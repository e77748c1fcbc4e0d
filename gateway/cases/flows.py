"""The case service: statuses and their transitions, the timeline, and telling every follower.

The CLI and (later) the agents' back office and API call these functions; they
own the side effects of a status change (timeline event, one message to each
follower on their own channel, held during quiet hours).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session

from gateway.cases import oncall
from gateway.errors import Conflict
from gateway.runtime import Runtime
from routing.distance import bbox, haversine_m
from store import cases as case_store
from store import contacts, outbox
from store.clock import utcnow
from store.db import key
from store.models import Case, Follower, Identity
from store.statuses import SOLVED, TRANSITIONS, ProblemStatus

log = logging.getLogger(__name__)

URGENT_LEVELS = {"high", "emergency"}


class CaseError(Conflict):
    """A request on a case that cannot be carried out (409, wherever it surfaces); the message says why, for the agent."""


@dataclass(frozen=True)
class Intake:
    """What a resident reported, once understood, whatever the channel (chat turns or a phone call)."""

    kind: str  # problem, idea
    category: str
    urgency: str
    description: str
    address: str | None  # as written or heard, when no place was found
    located: Any  # routing.Located or None


@dataclass(frozen=True)
class IntakeResult:
    """The case a report ended in: a new one, or an open one nearby that the resident now follows."""

    case: Case
    joined: bool  # an existing case (a duplicate nearby)
    already_following: bool = False
    oncall_alerted: bool = False  # an emergency or high urgency: the on-call team was alerted (gateway/cases/oncall.py)
    follower_event_id: int | None = None  # the timeline line the join added, undone if it is not the same problem


def open_or_join(rt: Runtime, session: Session, identity: Identity, intake: Intake, *,
                 thread: str | None = None, now: datetime | None = None, join: bool = True) -> IntakeResult:
    """Open a case for `intake`, or subscribe the resident to the open case of its kind and category within the
    radius (unless `join` is False: the resident said it is not the same problem)."""
    now = now or utcnow()
    located = intake.located
    territory = located.territory if located else None
    if join and located is not None and intake.kind == "problem":
        existing = find_duplicate(rt, session, intake.category, located.place.lat, located.place.lon,
                                  kind=intake.kind)
        if existing is not None:
            is_new = case_store.add_follower(session, existing, identity, thread=thread)
            event = None
            if is_new:
                event = case_store.add_event(session, existing, "follower", actor="resident", public=False,
                                             message=intake.description)
                session.flush()
            return IntakeResult(existing, joined=True, already_following=not is_new,
                                follower_event_id=event.id if event is not None else None)
    service = rt.router.service_for(intake.category, territory) if territory else None
    case = case_store.create(
        session,
        prefix=rt.reference_prefix,
        kind=intake.kind,
        category=intake.category,
        urgency=intake.urgency,
        description=intake.description,
        address=(located.place.label if located else None) or intake.address,
        lat=located.place.lat if located else None,
        lon=located.place.lon if located else None,
        service=service.code if service else None,
        territory=territory.commune_code if territory else None,
        district=territory.district_code if territory else None,
        channel=identity.channel,
        reporter_id=identity.contact_id,
        created_at=now,
        updated_at=now,
        due_at=now + timedelta(days=rt.delay_days(intake.category)),
    )
    case_store.add_follower(session, case, identity, role="reporter", thread=thread)
    case_store.add_event(session, case, "created", status_to=ProblemStatus.RECEIVED, actor="resident", public=True,
                         created_at=now)
    log.info("case opened", extra={"case": case.reference, "channel": case.channel, "service": case.service})
    return IntakeResult(case, joined=False, oncall_alerted=oncall.alert(rt, session, case, now=now))


def find_duplicate(rt: Runtime, session: Session, category: str, lat: float, lon: float, *,
                   kind: str = "problem") -> Case | None:
    """The nearest open case of the same kind (a problem is never an idea's duplicate) and category within the
    duplicate radius and period."""
    radius = rt.settings.duplicate_radius_m
    since = utcnow() - timedelta(days=rt.settings.duplicate_days)
    candidates = case_store.open_in_box(session, kind=kind, category=category, box=bbox(lat, lon, radius),
                                        since=since)
    scored = [(haversine_m(lat, lon, c.lat, c.lon), key(c), c) for c in candidates
              if c.lat is not None and c.lon is not None]
    scored = [item for item in scored if item[0] <= radius]
    return min(scored)[2] if scored else None


def release_time(now: datetime, quiet_hours: tuple[time, time] | None, zone: str) -> datetime | None:
    """When a non-urgent message written at `now` may leave, if `now` falls in quiet hours."""
    if quiet_hours is None:
        return None
    start, end = quiet_hours
    local = now.astimezone(ZoneInfo(zone))
    clock = local.time()
    quiet = (start <= clock or clock < end) if start > end else (start <= clock < end)
    if not quiet:
        return None
    release = local.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
    if release <= local:
        release += timedelta(days=1)
    return release.astimezone(now.tzinfo)


def delay_text(rt: Runtime, category: str, language: str) -> str:
    """The expected delay of a category, in words."""
    days = rt.delay_days(category)
    if days <= 1:
        return rt.messages.text("delay_one_day", language)
    return rt.messages.render("delay_days", language, days=days)


def change_status(
    rt: Runtime,
    session: Session,
    *,
    reference: str,
    status: str,
    message: str | None = None,
    photo: str | None = None,
    actor: str = "agent",
    target: str | None = None,
    now: datetime | None = None,
    told: int | None = None,
) -> Case:
    """Move a case to `status`, add it to the timeline, and queue one update for each follower (but the identity
    `told`, already answered in its own conversation)."""
    now = now or utcnow()
    case = case_store.by_reference(session, reference, lock=True)
    if case is None:
        raise CaseError(f"no case {reference}")
    allowed = TRANSITIONS[case.kind]
    if status not in allowed:
        raise CaseError(f"{status!r} is not a status of {'an idea' if case.kind == 'idea' else 'a problem'}; "
                        f"use one of {', '.join(allowed)}")
    if status not in allowed[case.status]:
        choices = ", ".join(sorted(allowed[case.status])) or "none"
        raise CaseError(f"{case.reference} is {case.status}: it can move to {choices}, not {status}")
    target_case = None
    if status == ProblemStatus.DUPLICATE:
        target_case = case_store.by_reference(session, target or "", lock=True)
        if target_case is None or target_case.id == case.id:
            raise CaseError("a duplicate needs --target, the reference of the case it joins")
    previous = case.status
    case.status, case.updated_at = status, now
    if status in SOLVED:
        case.resolved_at = now
    if target_case is not None:
        case.merged_into_id = target_case.id
    session.add(case)
    case_store.add_event(session, case, "status", status_from=previous, status_to=status, message=message,
                         photo=photo, actor=actor, created_at=now)
    followers = case_store.subscriptions(session, case)
    if target_case is not None:
        for identity, follower in followers:
            case_store.add_follower(session, target_case, identity, thread=follower.thread)
    notify_followers(rt, session, case, followers=[(i, f) for i, f in followers if i.id != told] if told else followers,
                     message=message, now=now,
                     target=target_case.reference if target_case else None)
    log.info("case status changed", extra={"case": case.reference, "status": status, "followers": len(followers)})
    return case


def notify_followers(rt: Runtime, session: Session, case: Case, *, followers: list[tuple[Identity, Follower]],
                     message: str | None, now: datetime, target: str | None = None) -> int:
    """Queue the update of `case`'s current status to each follower, in their thread; returns how many."""
    hold_until = None if case.urgency in URGENT_LEVELS else release_time(
        now, rt.settings.quiet_hours, rt.settings.timezone
    )
    languages = contacts.languages(session, {identity.contact_id for identity, _ in followers})
    bodies: dict[str, str] = {}
    pending_updates = outbox.pending_updates(session, case_id=key(case))
    new_messages = []
    for identity, follower in followers:
        language = languages.get(identity.contact_id, "fr")
        if language not in bodies:
            bodies[language] = update_text(rt, case, language, message=message, target=target)
        pending = pending_updates.get(key(identity))
        if pending is not None:
            # Close updates are merged: the resident gets the latest state, once.
            pending.body, pending.meta, pending.updated_at = bodies[language], message_meta(
                case, in_reply_to=follower.thread), now
            session.add(pending)
            continue
        new_messages.append((identity, bodies[language], message_meta(case, in_reply_to=follower.thread)))
    return outbox.enqueue_many(session, new_messages, purpose="update", case_id=case.id,
                               urgent=hold_until is None and case.urgency in URGENT_LEVELS, not_before=hold_until)


def message_meta(case: Case | None, *, in_reply_to: str | None = None, ask_location: bool = False) -> dict:
    """What a channel may need to send a message about `case`: its reference and status, the thread."""
    meta: dict[str, Any] = {}
    if case is not None:
        meta.update(reference=case.reference, case_status=case.status)
    if in_reply_to:
        meta["in_reply_to"] = in_reply_to
    if ask_location:
        meta["ask_location"] = True
    return meta


def update_text(rt: Runtime, case: Case, language: str, *, message: str | None, target: str | None) -> str:
    """What a follower reads when the case reaches its current status."""
    service = rt.service_name(case.service)
    text = rt.messages.render(
        f"update.{case.kind}.{case.status}", language, reference=case.reference, service=service,
        delay=delay_text(rt, case.category, language), target=target or "",
    )
    if message:
        text += " " + rt.messages.render("agent_message", language, message=message)
    return text


def status_label(rt: Runtime, case: Case, language: str = "fr") -> str:
    """The case's status in the resident's words."""
    return rt.messages.text(f"status.{case.status}", language)


def as_json(rt: Runtime, session: Session, case: Case, *, with_timeline: bool = False) -> dict[str, Any]:
    """The JSON form of a case (CLI `--json`, and later the agents' API)."""
    data: dict[str, Any] = {
        "reference": case.reference,
        "kind": case.kind,
        "status": case.status,
        "category": case.category,
        "urgency": case.urgency,
        "service": case.service,
        "territory": case.territory,
        "district": case.district,
        "lat": case.lat,
        "lon": case.lon,
        "address": case.address,
        "description": case.description,
        "channel": case.channel,
        "followers": case_store.follower_count(session, case),
        "created_at": case.created_at.isoformat(),
        "updated_at": case.updated_at.isoformat(),
        "due_at": case.due_at.isoformat() if case.due_at else None,
    }
    if with_timeline:
        data["timeline"] = [
            {
                "at": event.created_at.isoformat(),
                "kind": event.kind,
                "status_from": event.status_from,
                "status_to": event.status_to,
                "message": event.message,
                "photo": event.photo,
                "public": event.public,
                "actor": event.actor,
            }
            for event in case_store.timeline(session, case)
        ]
    return data


def escalate_overdue(rt: Runtime, session: Session) -> int:
    """Mark open cases past their expected delay as escalated, on their timeline; never forgotten."""
    overdue = case_store.overdue(session)
    now = utcnow()
    for case in overdue:
        case.escalated_at = now
        session.add(case)
        case_store.add_event(session, case, "escalated", public=False, actor="scheduler",
                             message=f"Délai dépassé ({rt.delay_days(case.category)} jours)")
        log.warning("case overdue", extra={"case": case.reference, "service": case.service})
    return len(overdue)


def reroute(rt: Runtime, session: Session, *, reference: str, service: str, actor: str = "agent",
            reason: str | None = None, now: datetime | None = None) -> Case:
    """Hand a case to another service; a timeline event for the agents, nothing sent to residents."""
    now = now or utcnow()
    case = case_store.by_reference(session, reference, lock=True)
    if case is None:
        raise CaseError(f"no case {reference}")
    try:
        rt.router.services.get(service)
    except KeyError as err:
        raise CaseError(f"no service {service!r}") from err
    if case.service == service:
        raise CaseError(f"{case.reference} is already with {service}")
    previous = case.service
    case.service, case.updated_at = service, now
    session.add(case)
    note = f"Réorienté de {previous or 'aucun service'} vers {service}" + (f" : {reason}" if reason else "")
    case_store.add_event(session, case, "rerouted", public=False, actor=actor, message=note, created_at=now)
    log.info("case rerouted", extra={"case": case.reference, "service": service, "previous": previous})
    return case


def add_note(rt: Runtime, session: Session, *, reference: str, text: str, actor: str = "agent",
             now: datetime | None = None) -> Case:
    """An internal note on the case's timeline, never shown or sent to residents."""
    case = case_store.by_reference(session, reference)
    if case is None:
        raise CaseError(f"no case {reference}")
    if not text.strip():
        raise CaseError("a note needs some text")
    case_store.add_event(session, case, "note", public=False, actor=actor, message=text.strip(),
                         created_at=now or utcnow())
    return case


def write_to_reporter(rt: Runtime, session: Session, *, reference: str, text: str, actor: str = "agent",
                      now: datetime | None = None) -> Identity:
    """Queue an agent's message to the case's reporter on the channel and thread they reported from."""
    case = case_store.by_reference(session, reference)
    if case is None:
        raise CaseError(f"no case {reference}")
    if not text.strip():
        raise CaseError("a message needs some text")
    reporter = next(((identity, follower) for identity, follower in case_store.subscriptions(session, case)
                     if follower.role == "reporter"), None)
    if reporter is None:
        raise CaseError(f"{case.reference} has no reporter to write to")
    identity, follower = reporter
    language = contacts.languages(session, {identity.contact_id}).get(identity.contact_id, "fr")
    body = f"{case.reference} : " + rt.messages.render("agent_message", language, message=text.strip())
    outbox.enqueue(session, identity, body, purpose="agent_message", case_id=case.id,
                   meta=message_meta(case, in_reply_to=follower.thread))
    case_store.add_event(session, case, "agent_message", public=False, actor=actor, message=text.strip(),
                         created_at=now or utcnow())
    log.info("agent wrote to reporter", extra={"case": case.reference, "channel": identity.channel})
    return identity
