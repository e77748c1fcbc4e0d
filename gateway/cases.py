"""The case service: statuses and their transitions, the timeline, and telling every follower.

The CLI and (later) the agents' back office and API call these functions; they
own the side effects of a status change (timeline event, one message to each
follower on their own channel, held during quiet hours).
"""

from __future__ import annotations

import logging
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session

from gateway.runtime import Runtime
from store import cases as case_store
from store import contacts, outbox
from store.clock import utcnow
from store.models import Case

log = logging.getLogger(__name__)

# Which status may follow which, per kind of case (SPEC "Cases").
TRANSITIONS: dict[str, dict[str, set[str]]] = {
    "problem": {
        "received": {"validated", "in_progress", "resolved", "rejected", "duplicate"},
        "validated": {"in_progress", "resolved", "rejected", "duplicate"},
        "in_progress": {"resolved", "rejected"},
        "resolved": {"in_progress"},
        "rejected": {"received"},
        "duplicate": set(),
    },
    "idea": {
        "received": {"under_study", "go", "no_go", "duplicate"},
        "under_study": {"go", "no_go", "duplicate"},
        "go": {"in_progress", "done"},
        "no_go": {"under_study"},
        "in_progress": {"done"},
        "done": set(),
        "duplicate": set(),
    },
}
URGENT_LEVELS = {"high", "emergency"}


class CaseError(Exception):
    """A request on a case that cannot be carried out; the message says why, for the agent."""


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
) -> Case:
    """Move a case to `status`, add it to the timeline, and queue one update for each follower."""
    now = now or utcnow()
    case = case_store.by_reference(session, reference, lock=True)
    if case is None:
        raise CaseError(f"no case {reference}")
    allowed = TRANSITIONS[case.kind]
    if status not in allowed:
        raise CaseError(f"{status!r} is not a status of a {case.kind}; use one of {', '.join(allowed)}")
    if status not in allowed[case.status]:
        choices = ", ".join(sorted(allowed[case.status])) or "none"
        raise CaseError(f"{case.reference} is {case.status}: it can move to {choices}, not {status}")
    target_case = None
    if status == "duplicate":
        target_case = case_store.by_reference(session, target or "", lock=True)
        if target_case is None or target_case.id == case.id:
            raise CaseError("a duplicate needs --target, the reference of the case it joins")
    previous = case.status
    case.status, case.updated_at = status, now
    if status in ("resolved", "done"):
        case.resolved_at = now
    if target_case is not None:
        case.merged_into_id = target_case.id
    session.add(case)
    case_store.add_event(session, case, "status", status_from=previous, status_to=status, message=message,
                         photo=photo, actor=actor, created_at=now)
    followers = case_store.follower_identities(session, case)
    if target_case is not None:
        for identity in followers:
            case_store.add_follower(session, target_case, identity)
    notify_followers(rt, session, case, followers=followers, message=message, now=now,
                     target=target_case.reference if target_case else None)
    log.info("case status changed", extra={"case": case.reference, "status": status, "followers": len(followers)})
    return case


def notify_followers(rt: Runtime, session: Session, case: Case, *, followers, message: str | None,
                     now: datetime, target: str | None = None) -> int:
    """Queue the update of `case`'s current status to each follower; returns how many were queued."""
    hold_until = None if case.urgency in URGENT_LEVELS else release_time(
        now, rt.settings.quiet_hours, rt.settings.timezone
    )
    languages = contacts.languages(session, {identity.contact_id for identity in followers})
    bodies: dict[str, str] = {}
    pending_updates = outbox.pending_updates(session, case_id=case.id)
    queued = 0
    for identity in followers:
        language = languages.get(identity.contact_id, "fr")
        if language not in bodies:
            bodies[language] = update_text(rt, case, language, message=message, target=target)
        pending = pending_updates.get(identity.id)
        if pending is not None:
            # Close updates are merged: the resident gets the latest state, once.
            pending.body, pending.updated_at = bodies[language], now
            session.add(pending)
            continue
        outbox.enqueue(session, identity, bodies[language], purpose="update", case_id=case.id,
                       urgent=hold_until is None and case.urgency in URGENT_LEVELS,
                       not_before=hold_until, flush=False)
        queued += 1
    session.flush()
    return queued


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
