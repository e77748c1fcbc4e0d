"""The case service: statuses and their transitions, the timeline, and telling every follower.

The CLI and (later) the agents' back office and API call these functions; they
own the side effects of a status change (timeline event, one message to each
follower on their own channel, held during quiet hours).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session

from gateway.cases import oncall
from gateway.errors import Conflict
from gateway.runtime import Runtime
from nlu.when import mentions_when
from routing.distance import bbox, haversine_m
from store import cases as case_store
from store import contacts, outbox
from store.clock import aware, utcnow
from store.db import key
from store.models import Case, Follower, Identity
from store.statuses import SOLVED, TRANSITIONS, IdeaStatus, ProblemStatus

log = logging.getLogger(__name__)

URGENT_LEVELS = {"high", "emergency"}
# The category of what no other names: an emergency filed there (a gas smell, a person who cannot get up) is one of
# many kinds, so it is never another case's duplicate, nor has one; each gets its own case and on-call alert.
CATCH_ALL = "autre"
# The statuses by which a service accepts a case: they carry the expected date and the estimated cost.
VALIDATION = {ProblemStatus.VALIDATED, IdeaStatus.GO}
# Month names by language, for the expected date in messages (not templates: « août » is no GSM-7 text, and
# the SMS channel's look-alikes make it « aout » there).
MONTHS = {
    "fr": ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
           "novembre", "décembre"),
    "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"),
}


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
                                  kind=intake.kind, urgency=intake.urgency)
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
                   kind: str = "problem", urgency: str = "normal") -> Case | None:
    """The nearest open case of the same kind (a problem is never an idea's duplicate) and category within the
    duplicate radius and period. An emergency joins only an emergency: a traffic-light box on fire is not the
    light reported stuck last week, and the on-call team must hear of it."""
    if _unlike_emergency(category, urgency):
        return None
    radius = rt.settings.duplicate_radius_m
    since = utcnow() - timedelta(days=rt.settings.duplicate_days)
    candidates = case_store.open_in_box(session, kind=kind, category=category, box=bbox(lat, lon, radius),
                                        since=since)
    scored = [(haversine_m(lat, lon, c.lat, c.lon), key(c), c) for c in candidates
              if c.lat is not None and c.lon is not None and not _unlike_emergency(c.category, c.urgency)
              and (urgency != "emergency" or c.urgency == "emergency")]
    scored = [item for item in scored if item[0] <= radius]
    return min(scored)[2] if scored else None


def _unlike_emergency(category: str, urgency: str) -> bool:
    """An emergency under the catch-all category: joined to nothing, nothing joined to it (see CATCH_ALL)."""
    return urgency == "emergency" and category == CATCH_ALL


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
    expected_on: date | None = None,
    cost_cents: int | None = None,
    now: datetime | None = None,
    told: int | None = None,
) -> Case:
    """Move a case to `status`, add it to the timeline, and queue one update for each person following it (but
    the identity `told`, already answered in its own conversation).

    A validation may carry the day the work is expected (it replaces the category's delay, and the case's due
    date) and an estimated cost in cents."""
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
    _plan(rt, case, expected_on=expected_on, cost_cents=cost_cents)
    session.add(case)
    case_store.add_event(session, case, "status", status_from=previous, status_to=status, message=message,
                         photo=photo, actor=actor, created_at=now)
    followers = case_store.subscriptions(session, case)
    if target_case is not None:
        for identity, follower in followers:
            case_store.add_follower(session, target_case, identity, thread=follower.thread)
    notify_followers(rt, session, case, followers=[(i, f) for i, f in followers if i.id != told] if told else followers,
                     message=message, now=now, target=target_case.reference if target_case else None, photo=photo)
    log.info("case status changed", extra={"case": case.reference, "status": status, "followers": len(followers)})
    return case


def _plan(rt: Runtime, case: Case, *, expected_on: date | None, cost_cents: int | None) -> None:
    """Record the expected day (the case is due at its end, town time) and the estimated cost."""
    if cost_cents is not None:
        if cost_cents < 0:
            raise CaseError("a cost cannot be negative")
        case.cost_cents = cost_cents
    if expected_on is not None:
        case.expected_on = expected_on
        end = datetime.combine(expected_on + timedelta(days=1), time(0), tzinfo=ZoneInfo(rt.settings.timezone))
        case.due_at = end.astimezone(utcnow().tzinfo)


def reschedule(rt: Runtime, session: Session, *, reference: str, expected_on: date, cost_cents: int | None = None,
               actor: str = "agent", now: datetime | None = None) -> Case:
    """Change the day the work is expected (and the cost, if given); the people following are told the new date."""
    now = now or utcnow()
    case = case_store.by_reference(session, reference, lock=True)
    if case is None:
        raise CaseError(f"no case {reference}")
    if case.status not in VALIDATION and case.status != ProblemStatus.IN_PROGRESS:
        raise CaseError(f"{case.reference} is {case.status}: a date is set when it is validated or in progress")
    if case.expected_on == expected_on and (cost_cents is None or cost_cents == case.cost_cents):
        return case
    _plan(rt, case, expected_on=expected_on, cost_cents=cost_cents)
    case.updated_at = now
    session.add(case)
    case_store.add_event(session, case, "planned", public=False, actor=actor, created_at=now,
                         message=f"Intervention prévue le {expected_on.isoformat()}"
                         + (f", coût estimé {format_cost(case.cost_cents, 'fr')}" if case.cost_cents is not None else ""))
    notify_followers(rt, session, case, followers=case_store.subscriptions(session, case), message=None, now=now,
                     event="planned")
    return case


def one_per_person(followers: list[tuple[Identity, Follower]]) -> list[tuple[Identity, Follower]]:
    """One (identity, subscription) per person: a contact following on SMS and WhatsApp is told once, on the
    identity they wrote from last (one still reachable, if they have one)."""
    best: dict[int, tuple[tuple, tuple[Identity, Follower]]] = {}
    for identity, follower in followers:
        used = aware(identity.last_inbound_at or identity.created_at)
        rank = (identity.stopped_at is None, used, identity.id or 0)
        current = best.get(identity.contact_id)
        if current is None or rank > current[0]:
            best[identity.contact_id] = (rank, (identity, follower))
    return [pair for _, pair in best.values()]


def day_start(rt: Runtime, now: datetime) -> datetime:
    """Midnight of `now`'s day in the town's time, as UTC: the daily cap counts from it."""
    local = now.astimezone(ZoneInfo(rt.settings.timezone))
    return local.replace(hour=0, minute=0, second=0, microsecond=0).astimezone(now.tzinfo)


def next_morning(rt: Runtime, now: datetime) -> datetime:
    """When a digest held by the daily cap leaves: the next day, once quiet hours are over."""
    zone = ZoneInfo(rt.settings.timezone)
    local = now.astimezone(zone)
    midnight = datetime.combine(local.date() + timedelta(days=1), time(0), tzinfo=zone).astimezone(now.tzinfo)
    return release_time(midnight, rt.settings.quiet_hours, rt.settings.timezone) or midnight


def update_part(rt: Runtime, case: Case, *, message: str | None, target: str | None, photo: str | None,
                event: str = "status") -> dict[str, Any]:
    """One change of a case as a queued update keeps it, so that merged updates can be written again in full."""
    return {
        "event": event, "reference": case.reference, "kind": case.kind, "status": case.status,
        "service": case.service, "category": case.category, "message": message, "target": target,
        "photo": photo, "expected_on": case.expected_on.isoformat() if case.expected_on else None,
        "cost_cents": case.cost_cents,
    }


def notify_followers(rt: Runtime, session: Session, case: Case, *, followers: list[tuple[Identity, Follower]],
                     message: str | None, now: datetime, target: str | None = None, photo: str | None = None,
                     event: str = "status") -> int:
    """Queue the update of `case`'s current status to each person following it, once, on the identity they
    used last; returns how many new messages.

    Close updates are merged: a person with an update still queued (quiet hours, a busy worker) gets one
    message telling every change and keeping every agent's message. Past `max_updates_per_day` a person's
    updates are merged into one digest sent the next morning. Urgent cases are neither held nor capped."""
    urgent = case.urgency in URGENT_LEVELS
    hold_until = None
    if not urgent:
        # A short wait gathers the changes an agent makes in a row; quiet hours may hold it longer.
        merge_until = now + timedelta(seconds=rt.settings.update_merge_seconds)
        hold_until = max(release_time(now, rt.settings.quiet_hours, rt.settings.timezone) or merge_until,
                         merge_until)
    people = one_per_person(followers)
    languages = contacts.languages(session, {identity.contact_id for identity, _ in people})
    part = update_part(rt, case, message=message, target=target, photo=photo, event=event)
    pending, digests = outbox.pending_updates(session, case_id=key(case))
    sent_today = {} if urgent else outbox.updates_since(session, case_id=key(case), since=day_start(rt, now))
    cap = rt.settings.max_updates_per_day
    new_messages, held = [], []
    for identity, follower in people:
        language = languages.get(identity.contact_id, "fr")
        entry = pending.get(identity.contact_id) or digests.get(identity.contact_id)
        if entry is not None:
            parts = [*(entry.meta or {}).get("parts", []), part]
            if entry.identity_id != identity.id:
                outbox.readdress(entry, identity)
            digest = entry.case_id is None
            entry.body = compose_update(rt, parts, language, channel=identity.channel, digest=digest)
            entry.meta = update_meta(case, parts, in_reply_to=follower.thread, digest=digest)
            entry.updated_at = now
            if urgent:
                entry.urgent, entry.next_attempt_at = True, now
            session.add(entry)
            continue
        if not urgent and sent_today.get(identity.contact_id, 0) >= cap:
            held.append((identity, compose_update(rt, [part], language, channel=identity.channel, digest=True),
                         update_meta(case, [part], in_reply_to=follower.thread, digest=True)))
            continue
        new_messages.append((identity, compose_update(rt, [part], language, channel=identity.channel),
                             update_meta(case, [part], in_reply_to=follower.thread)))
    if held:
        log.info("updates held by the daily cap", extra={"case": case.reference, "people": len(held)})
        outbox.enqueue_many(session, held, purpose="update", case_id=None, not_before=next_morning(rt, now))
    return outbox.enqueue_many(session, new_messages, purpose="update", case_id=case.id, urgent=urgent,
                               not_before=hold_until)


def update_meta(case: Case, parts: list[dict[str, Any]], *, in_reply_to: str | None,
                digest: bool = False) -> dict[str, Any]:
    """The meta of a queued update: the changes it tells (`parts`), the latest photo among them."""
    references = {p["reference"] for p in parts}
    meta = message_meta(case, in_reply_to=in_reply_to)
    if len(references) > 1:
        meta.pop("reference", None)
    meta["parts"] = parts
    photos = [p["photo"] for p in parts if p.get("photo")]
    if photos:
        meta["photo"] = photos[-1]
    if digest:
        meta["digest"] = True
    return meta


def message_meta(case: Case | None, *, in_reply_to: str | None = None, ask_location: bool = False) -> dict:
    """What a channel may need to send a message about `case`: its reference and status, the thread."""
    meta: dict[str, Any] = {}
    if case is not None:
        meta.update(reference=case.reference, case_status=case.status)
        if case.kind == "idea":
            meta["case_kind"] = "idea"  # an e-mail about an idea is titled as one
    if in_reply_to:
        meta["in_reply_to"] = in_reply_to
    if ask_location:
        meta["ask_location"] = True
    return meta


def compose_update(rt: Runtime, parts: list[dict[str, Any]], language: str, *, channel: str,
                   digest: bool = False) -> str:
    """The one message telling every change in `parts`, in order: each status reached with the agent's message
    that came with it; the reference is said once per case. By SMS a photo is a link to the tracking page."""
    texts = [rt.messages.text("updates_digest", language)] if digest else []
    said: set[str] = set()
    for part in parts:
        text = part_text(rt, part, language)
        reference = part["reference"]
        if reference in said:
            text = _without_reference(text, reference)
        said.add(reference)
        texts.append(text)
    photographed = [p["reference"] for p in parts if p.get("photo") and p["status"] in SOLVED]
    if photographed and channel == "sms":
        texts.append(rt.messages.render("photo_link", language, url=tracking_url(rt, photographed[-1])))
    return " ".join(texts)


def _without_reference(text: str, reference: str) -> str:
    """`GU-… : l'intervention…` → `L'intervention…`: a merged message names its case once."""
    if not text.startswith(reference):
        return text
    rest = text[len(reference):].lstrip(" \u00a0:").lstrip()
    return rest[:1].upper() + rest[1:]


def part_text(rt: Runtime, part: dict[str, Any], language: str) -> str:
    """What one change says: the status's template, the expected date or the category's delay (never both),
    the estimated cost, the agent's message."""
    reference, message = part["reference"], part.get("message")
    expected = date.fromisoformat(part["expected_on"]) if part.get("expected_on") else None
    if part.get("event") == "planned":
        text = rt.messages.render("expected_changed", language, reference=reference,
                                  date=format_day(rt, expected, language)) if expected else reference
    else:
        key_ = f"update.{part['kind']}.{part['status']}"
        validation = part["status"] in VALIDATION
        if part["status"] == ProblemStatus.VALIDATED and (expected is not None or mentions_when(message)):
            key_ += "_dated"
        text = rt.messages.render(
            key_, language, reference=reference, service=rt.service_name(part.get("service")),
            delay=delay_text(rt, part.get("category") or "autre", language), target=part.get("target") or "",
        )
        if validation and expected is not None:
            text += " " + rt.messages.render("expected_on", language, date=format_day(rt, expected, language))
    if part["status"] in VALIDATION or part.get("event") == "planned":
        if part.get("cost_cents") is not None:
            text += " " + rt.messages.render("cost", language, cost=format_cost(part["cost_cents"], language))
    if message:
        text += " " + rt.messages.render("agent_message", language, message=message)
    return text


def update_text(rt: Runtime, case: Case, language: str, *, message: str | None, target: str | None) -> str:
    """What a follower reads when the case reaches its current status."""
    part = update_part(rt, case, message=message, target=target, photo=None)
    return part_text(rt, part, language)


def format_day(rt: Runtime, day: date | None, language: str) -> str:
    """`12 décembre` (with the year when it is not this year's)."""
    if day is None:
        return ""
    months = MONTHS.get(language, MONTHS["fr"])
    text = f"{'1er' if day.day == 1 and language == 'fr' else day.day} {months[day.month - 1]}"
    if day.year != utcnow().astimezone(ZoneInfo(rt.settings.timezone)).year:
        text += f" {day.year}"
    return text


def format_cost(cents: int | None, language: str = "fr") -> str:
    """`1 200 €`, `1 200,50 €` (French spacing: a narrow no-break space would cost an SMS twice, a space does not)."""
    if cents is None:
        return ""
    euros, rest = divmod(cents, 100)
    whole = f"{euros:,}".replace(",", " " if language == "fr" else ",")
    if rest:
        whole += ("," if language == "fr" else ".") + f"{rest:02d}"
    return f"{whole} €" if language == "fr" else f"€{whole}"


def tracking_url(rt: Runtime, reference: str) -> str:
    """The public tracking page of a case."""
    return f"{rt.settings.public_url.rstrip('/')}/suivi/{reference}"


def status_label(rt: Runtime, case: Case, language: str = "fr") -> str:
    """The case's status in the resident's words (an idea's in idea words: "déposée", not "enregistré")."""
    if case.kind == "idea":
        return rt.messages.text(f"ideas.web.status.{case.status}", language)
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
        "expected_on": case.expected_on.isoformat() if case.expected_on else None,
        "cost_eur": case.cost_cents / 100 if case.cost_cents is not None else None,
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


def relocate(rt: Runtime, session: Session, case: Case, located, *, words: str, actor: str = "resident",
             now: datetime | None = None) -> Case:
    """Move a case to the place its reporter corrected (« je voulais dire impasse des Lilas »): its address,
    position, territory and service follow; the timeline keeps the old place for the agents."""
    now = now or utcnow()
    territory = located.territory
    service = rt.router.service_for(case.category, territory) if territory else None
    previous = case.address
    case.address = located.place.label or case.address
    case.lat, case.lon = located.place.lat, located.place.lon
    case.territory = territory.commune_code if territory else None
    case.district = territory.district_code if territory else None
    case.service = service.code if service else case.service
    case.updated_at = now
    session.add(case)
    case_store.add_event(session, case, "relocated", public=False, actor=actor, created_at=now,
                         message=f"Lieu corrigé par le déclarant ({previous or 'sans lieu'}) : {words}")
    log.info("case relocated", extra={"case": case.reference, "service": case.service})
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
