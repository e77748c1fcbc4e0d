"""Events: a référent's café citoyen or réunion publique, its invitations, registrations and waiting list, the
reminder of the day before, its iCalendar file, and the attendance and minutes written on the ideas' timelines."""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar
from icalendar import Event as CalendarEvent
from sqlmodel import Session

from channels.base import Media
from gateway.cases.flows import MONTHS, release_time
from gateway.runtime import Runtime
from nlu.idea_commands import idea_command
from store import cases as case_store
from store import contacts, outbox
from store import events as event_store
from store.clock import aware, utcnow
from store.db import key
from store.models import Event, Identity, Registration
from store.statuses import IdeaStatus

log = logging.getLogger(__name__)

KINDS = {"cafe_citoyen": "Café citoyen", "conseil_quartier": "Conseil de quartier", "atelier": "Atelier",
         "reunion_publique": "Réunion publique"}
WEEKDAYS = {"fr": ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"),
            "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")}
# A bare "OUI" registers to the event of an invitation received this recently.
INVITATION_ANSWERED_WITHIN = timedelta(days=14)
MAX_TITLE_CHARS = 120  # the title goes into invitations and reminders by SMS
MAX_CAPACITY = 100_000  # a stadium; more is a typing slip (and past what the database's integers hold)
MAX_CAPACITY_TEXT = f"{MAX_CAPACITY:_}".replace("_", "\u202f")  # "100 000", with a narrow no-break space
ATTENDANCE_REFUSED = f"Le nombre de participants est un nombre entier, de 0 à {MAX_CAPACITY_TEXT}."
MAX_DAYS_AHEAD = 730  # an event more than two years ahead is a wrong year
REFERENCE = re.compile(r"\bev\s*-?\s*(\d{4,6})\b")
REGISTER = re.compile(r"^(inscription|inscrivez[- ]moi|je m'?inscris|je viens|je serai la|register|sign me up)\b")
REGISTER_ALONE = re.compile(REGISTER.pattern + r"[ !.,]*(svp|s'il vous plait|merci|please)?[ !.]*$")
CANCEL = re.compile(r"^(annuler|annulation|je ne viens plus|je ne viendrai pas|je ne pourrai pas venir|cancel)\b")
YES = re.compile(r"^(oui|yes|ok d'accord|d'accord)[ !.]*$")
IDEA_REFERENCE = re.compile(r"\bgu\s*-?\s*(\d{4})\s*-?\s*(\d{4})\b")
# « INVITEZ-MOI vélo », « invitez moi aux événements sur les espaces verts »: the events of a theme, from now on.
INTEREST = re.compile(r"^(?:invitez[- ]?moi|invitez[- ]?nous|invite me)\b(?: aux (?:evenements|reunions))?"
                      r"(?: (?:sur|du|de|des|pour|about|on|to)\b)?(?: (?:le|la|les|l'|the)\b)?[ :]*(?P<theme>.*)$")
NO_MORE_INVITATIONS = re.compile(r"^(ne plus m'?inviter|ne m'?invitez plus|plus d'invitations?|stop invitations?|"
                                 r"no more invitations?)[ !.]*$")


def is_open(event: Event, now: datetime) -> bool:
    """Whether one may still register: scheduled and still to come."""
    return event.status == "scheduled" and aware(event.starts_at) > now


class EventError(ValueError):
    """An event that cannot be created or changed as asked: the sentence says why, for the référent."""


@dataclass
class Registered:
    """What a registration did: the row, whether it is new, and the waiting person's place in the line (0: a seat)."""

    registration: Registration
    new: bool
    place_in_line: int


def local(rt: Runtime, moment: datetime) -> datetime:
    """A stored UTC moment in the town's time."""
    return aware(moment).astimezone(ZoneInfo(rt.settings.timezone))


def day_text(rt: Runtime, moment: datetime, language: str = "fr") -> str:
    """"samedi 12 décembre" in the town's time ("samedi 8 janvier 2028" when it is not this year)."""
    there = local(rt, moment)
    months = MONTHS.get(language, MONTHS["fr"])
    weekday = WEEKDAYS.get(language, WEEKDAYS["fr"])[there.weekday()]
    number = "1er" if there.day == 1 and language == "fr" else str(there.day)
    year = f" {there.year}" if there.year != local(rt, utcnow()).year else ""
    return f"{weekday} {number} {months[there.month - 1]}{year}"


def hour_text(rt: Runtime, moment: datetime) -> str:
    """"18h30" in the town's time."""
    there = local(rt, moment)
    return f"{there.hour}h{there.minute:02d}"


def values(rt: Runtime, event: Event, language: str = "fr") -> dict[str, str]:
    """What the templates say of an event."""
    return {"title": event.title, "day": day_text(rt, event.starts_at, language),
            "hour": hour_text(rt, event.starts_at), "place": event.place or "lieu à venir",
            "reference": event.reference}


def create(rt: Runtime, session: Session, *, title: str, kind: str, starts_local: datetime, place: str,
           capacity: int | None = None, ideas: list[str] | None = None, theme: str | None = None,
           district: str | None = None, description: str = "", created_by: str | None = None,
           minutes_long: int = 120, invite: bool = True, now: datetime | None = None) -> Event:
    """A new event, its start typed in the town's time and kept in UTC; its invitations queued unless asked not."""
    now = now or utcnow()
    if not title.strip():
        raise EventError("Donnez un titre à l'événement.")
    if len(title.strip()) > MAX_TITLE_CHARS:
        raise EventError(f"Le titre tient en {MAX_TITLE_CHARS} caractères au plus : il part dans les SMS.")
    if kind not in KINDS:
        raise EventError(f"Type d'événement inconnu : {kind}.")
    if capacity is not None and capacity < 1:
        raise EventError("La capacité est d'au moins une place (laissez vide pour sans limite).")
    if capacity is not None and capacity > MAX_CAPACITY:
        raise EventError(f"La capacité va jusqu'à {MAX_CAPACITY_TEXT} places (laissez vide pour sans limite).")
    zone = ZoneInfo(rt.settings.timezone)
    starts = (starts_local.replace(tzinfo=zone) if starts_local.tzinfo is None else starts_local).astimezone(
        ZoneInfo("UTC"))
    if starts <= now:
        raise EventError("La date de l'événement est passée.")
    if starts > now + timedelta(days=MAX_DAYS_AHEAD):
        raise EventError("La date de l'événement est à plus de deux ans : vérifiez l'année.")
    cases = []
    for reference in ideas or []:
        case = case_store.by_reference(session, reference.strip().upper())
        if case is None or case.kind != "idea":
            raise EventError(f"{reference} n'est pas une idée connue.")
        if case.status == IdeaStatus.NO_GO:
            raise EventError(f"{case.reference} n'a pas été retenue : un événement ne peut pas s'y rattacher.")
        cases.append(case)
    if not cases and not theme and not district:
        raise EventError("Reliez l'événement à une idée ou à un thème.")
    event = event_store.add(session, Event(
        reference=event_store.new_reference(session), title=title.strip(), kind=kind, description=description,
        starts_at=starts, ends_at=starts + timedelta(minutes=minutes_long), place=place.strip(), capacity=capacity,
        theme=theme or (cases[0].category if cases else None), district=district,
        territory=cases[0].territory if cases else None, created_by=created_by, created_at=now),
        [key(case) for case in cases])
    log.info("event created", extra={"event": event.reference, "ideas": len(cases)})
    if invite:
        send_invitations(rt, session, event, now=now)
    return event


def send_invitations(rt: Runtime, session: Session, event: Event, *, now: datetime | None = None) -> int:
    """Invite each impliqué supporter and interested resident once (held in quiet hours, never twice); how many."""
    now = now or utcnow()
    if event.invited_at is not None or not event_store.claim_invitations(session, key(event), now=now):
        return 0
    session.refresh(event)
    ideas = [key(case) for case in event_store.ideas_of(session, event)]
    people: dict[int, Identity] = {}
    for identity in (event_store.implique_identities(session, ideas)
                     + event_store.interested_identities(session, theme=event.theme, district=event.district)):
        if identity.channel == "voice" or identity.stopped_at is not None:
            continue  # a landline gets no text; STOP is respected
        people.setdefault(identity.contact_id, identity)
    hold = release_time(now, rt.settings.quiet_hours, rt.settings.timezone)
    for identity in people.values():
        outbox.enqueue(session, identity, rt.messages.render("ideas.events.invitation", **values(rt, event)),
                       purpose="event_invitation", not_before=hold,
                       meta={"event": event.reference, "calendar": event.reference})
    log.info("event invitations queued", extra={"event": event.reference, "count": len(people)})
    return len(people)


def register(rt: Runtime, session: Session, event: Event, identity: Identity, *, channel: str | None = None,
             now: datetime | None = None) -> Registered:
    """Register this person (once, whatever the channel): a seat while there are some, else the waiting list."""
    now = now or utcnow()
    event = event_store.by_reference(session, event.reference, lock=True) or event
    existing = event_store.registration_of(session, event_id=key(event), contact_id=identity.contact_id)
    if existing is not None and existing.status != "cancelled":
        line = event_store.place_in_line(session, existing) if existing.status == "waiting" else 0
        return Registered(existing, False, line)
    full = event.capacity is not None and event_store.seats_taken(session, key(event)) >= event.capacity
    status = "waiting" if full else "registered"
    if existing is not None:  # came back after cancelling: at the end of the line
        existing.status, existing.created_at, existing.updated_at = status, now, now
        existing.identity_id, existing.channel = identity.id, channel or identity.channel
        existing.reminded_at = None
        session.add(existing)
        session.flush()
        row, new = existing, True
    else:
        row, new = event_store.add_registration(session, Registration(
            event_id=key(event), contact_id=identity.contact_id, identity_id=identity.id,
            channel=channel or identity.channel, status=status, created_at=now, updated_at=now))
    line = event_store.place_in_line(session, row) if row.status == "waiting" else 0
    log.info("event registration", extra={"event": event.reference, "status": row.status, "channel": row.channel})
    return Registered(row, new, line)


def cancel(rt: Runtime, session: Session, event: Event, identity: Identity, *,
           now: datetime | None = None) -> Registration | None:
    """Cancel this person's registration (None if none); a freed seat goes to the first waiting, who is told."""
    now = now or utcnow()
    event = event_store.by_reference(session, event.reference, lock=True) or event
    row = event_store.registration_of(session, event_id=key(event), contact_id=identity.contact_id)
    if row is None or row.status == "cancelled":
        return None
    freed = row.status == "registered"
    row.status, row.updated_at = "cancelled", now
    session.add(row)
    session.flush()
    if freed:
        promote(rt, session, event, now=now)
    return row


def promote(rt: Runtime, session: Session, event: Event, *, now: datetime) -> Registration | None:
    """Give a free seat to the person waiting longest and tell them on the channel they registered by."""
    if event.capacity is not None and event_store.seats_taken(session, key(event)) >= event.capacity:
        return None
    waiting = event_store.first_waiting(session, key(event))
    if waiting is None:
        return None
    waiting.status, waiting.updated_at = "registered", now
    session.add(waiting)
    session.flush()
    identity = session.get(Identity, waiting.identity_id) if waiting.identity_id else None
    if identity is not None and identity.channel != "voice":
        language = _language(session, identity)
        outbox.enqueue(session, identity, rt.messages.render("ideas.events.promoted", language,
                                                             **values(rt, event, language)),
                       purpose="event", not_before=release_time(now, rt.settings.quiet_hours, rt.settings.timezone),
                       meta={"event": event.reference, "calendar": event.reference})
    log.info("event seat given to the waiting list", extra={"event": event.reference})
    return waiting


def registration_reply(rt: Runtime, session: Session, registered: Registered, event: Event,
                       language: str = "fr") -> str:
    """The short answer to a registration: confirmed, already there, or the place in the waiting line."""
    shown = values(rt, event, language)
    if registered.registration.status == "waiting":
        return rt.messages.render("ideas.events.waiting", language, position=registered.place_in_line, **shown)
    return rt.messages.render("ideas.events.registered" if registered.new else "ideas.events.already_registered",
                              language, **shown)


def answer(rt: Runtime, session: Session, identity: Identity, text: str, *, language: str = "fr",
           idle: bool = True, now: datetime | None = None) -> str | None:
    """The reply to "INSCRIPTION EV-1234", "je viens", "ANNULER", "OUI" after an invitation; None if not one."""
    now = now or utcnow()
    # An e-mail's subject comes first: the sentence that registers may be the next line.
    lines = [_plain(line) for line in text.splitlines() if line.strip()][:3] or [""]
    words = next((line for line in lines if REGISTER.match(line) or CANCEL.match(line)), lines[0])
    found = REFERENCE.search(words) or REFERENCE.search(" ".join(lines))
    reference = f"EV-{found.group(1)}" if found else None
    if words.startswith(("register", "sign me up", "cancel", "invite me", "no more invitation")):
        language = "en"
    # Commands that say what they are about: answered even while a question waits (a report half told).
    interest = INTEREST.match(words)
    if interest is not None:
        return _interest_reply(rt, session, identity, interest.group("theme"), language=language)
    if NO_MORE_INVITATIONS.match(words):
        removed = event_store.remove_interests(session, identity.contact_id)
        return rt.messages.render("ideas.events.interest_removed" if removed else "ideas.events.interest_none",
                                  language)
    idea = IDEA_REFERENCE.search(words)
    if REGISTER.match(words) and reference is None and idea is not None:
        # « INSCRIPTION GU-… »: an idea, not an event; say how to support it and how to register.
        return rt.messages.render("ideas.events.an_idea", language, reference=f"GU-{idea.group(1)}-{idea.group(2)}")
    if reference is not None and idea_command(REFERENCE.sub(" ", words)) == "support":
        # « je soutiens EV-… »: an event is not supported, one registers to it.
        return rt.messages.render("ideas.events.not_an_idea", language, reference=reference)
    if not idle and reference is None:
        return None  # a question is waiting for its answer: only a message naming an event is one about it
    # A bare keyword is a short message; longer ones about an event name it ("je viens de voir..." is a report).
    short = REGISTER_ALONE.match(words) is not None
    if REGISTER.match(words) and (reference or short):
        return _register_reply(rt, session, identity, reference, language=language, now=now)
    if CANCEL.match(words) and (reference or len(words.split()) <= 6):
        mine = event_store.upcoming_of_contact(session, identity.contact_id, now=now)
        if reference is None and not mine:
            return None  # "annuler" about something else: the conversation handles it
        chosen = next((event for event, _ in mine if reference in (None, event.reference)), None)
        if chosen is None:
            return rt.messages.render("ideas.events.not_registered", language)
        cancel(rt, session, chosen, identity, now=now)
        return rt.messages.render("ideas.events.cancelled", language, **values(rt, chosen, language))
    if idle and YES.match(words):
        invited = _last_invitation(session, identity, now=now)
        if invited is not None and event_store.registration_of(
                session, event_id=key(invited), contact_id=identity.contact_id) is None:
            return _register_reply(rt, session, identity, invited.reference, language=language, now=now)
    return None


def _register_reply(rt: Runtime, session: Session, identity: Identity, reference: str | None, *, language: str,
                    now: datetime) -> str:
    if reference is None:
        invited = _last_invitation(session, identity, now=now)
        coming = event_store.upcoming(session, now=now)
        event = invited or (coming[0] if len(coming) == 1 else None)
        if event is None:
            if not coming:
                return rt.messages.render("ideas.events.none_coming", language)
            return rt.messages.render("ideas.events.which", language, reference=coming[0].reference)
    else:
        event = event_store.by_reference(session, reference)
        if event is None:
            return rt.messages.render("ideas.events.unknown", language, reference=reference)
    if not is_open(event, now):
        return rt.messages.render("ideas.events.closed", language, reference=event.reference)
    registered = register(rt, session, event, identity, now=now)
    return registration_reply(rt, session, registered, event, language)


def _interest_reply(rt: Runtime, session: Session, identity: Identity, said: str, *, language: str) -> str:
    """INVITEZ-MOI and a theme of the catalogue (its label or its code, in part): invited to its events."""
    said = _plain(said).strip(" .!?")
    themes = {code: rt.category_label(code, language) for code in rt.catalogue.categories if code != "autre"}
    theme = next((code for code, label in themes.items() if said and (
        said in (code, code.replace("_", " ")) or said in _plain(label) or _plain(label) in said
        or _words_of(said) & _words_of(label))), None)
    if theme is None:
        shown = ", ".join(sorted(themes.values())[:6])
        return rt.messages.render("ideas.events.interest_which", language, themes=shown)
    event_store.add_interest(session, identity, theme=theme)
    return rt.messages.render("ideas.events.interest_noted", language, theme=themes[theme])


def _last_invitation(session: Session, identity: Identity, *, now: datetime) -> Event | None:
    """The upcoming event of the latest invitation this person received, lately."""
    for invited in event_store.invitations_to(session, identity.contact_id, since=now - INVITATION_ANSWERED_WITHIN):
        event = event_store.by_reference(session, invited)
        if event is not None and is_open(event, now):
            return event
    return None


def send_reminders(rt: Runtime, session: Session, *, now: datetime | None = None) -> int:
    """Remind each seat once, the town's day before, never in quiet hours; claimed atomically across workers."""
    now = now or utcnow()
    if release_time(now, rt.settings.quiet_hours, rt.settings.timezone) is not None:
        return 0
    zone = ZoneInfo(rt.settings.timezone)
    tomorrow = (now.astimezone(zone) + timedelta(days=1)).date()
    day_after = datetime.combine(tomorrow + timedelta(days=1), datetime.min.time(), tzinfo=zone)
    sent = 0
    for event in event_store.starting_between(session, now, day_after.astimezone(ZoneInfo("UTC"))):
        for row, identity in event_store.registrations(session, key(event)):
            if row.status != "registered" or row.reminded_at is not None or identity is None:
                continue
            if not event_store.claim_reminder(session, key(row), now=now):
                continue
            if identity.channel == "voice" or identity.stopped_at is not None:
                continue
            language = _language(session, identity)
            outbox.enqueue(session, identity, rt.messages.render("ideas.events.reminder", language,
                                                                 **values(rt, event, language)),
                           purpose="event", meta={"event": event.reference, "calendar": event.reference})
            sent += 1
        if event.reminded_at is None:
            event.reminded_at = now
            session.add(event)
    if sent:
        log.info("event reminders queued", extra={"count": sent})
    return sent


def record_attendance(rt: Runtime, session: Session, event: Event, *, attendance: int, minutes: str,
                      attended: dict[int, bool] | None = None, actor: str | None = None,
                      now: datetime | None = None) -> Event:
    """After the event: attendance and minutes on each linked idea's public timeline; the event is "held"."""
    now = now or utcnow()
    if not 0 <= attendance <= MAX_CAPACITY:
        raise EventError(ATTENDANCE_REFUSED)
    if aware(event.starts_at) > now:
        raise EventError("L'événement n'a pas encore eu lieu.")
    event.attendance, event.minutes, event.status = attendance, minutes.strip(), "held"
    session.add(event)
    for row, _ in event_store.registrations(session, key(event)):
        if attended and key(row) in attended:
            row.attended = attended[key(row)]
            session.add(row)
    kind = KINDS.get(event.kind, event.kind)
    for case in event_store.ideas_of(session, event):
        case_store.add_event(session, case, "event", actor=actor or "referent", public=True, created_at=now,
                             title=f"{kind} : {event.title} ({attendance} participants)",
                             message=minutes.strip() or None)
    log.info("event held", extra={"event": event.reference, "attendance": attendance})
    return event


def calendar(rt: Runtime, event: Event) -> bytes:
    """The event as an iCalendar file (UTC times, no personal datum)."""
    cal = Calendar()
    cal.add("prodid", "-//Guichet//Evenements//FR")
    cal.add("version", "2.0")
    item = CalendarEvent()
    item.add("uid", f"{event.reference}@{_host(rt)}")
    item.add("summary", f"{KINDS.get(event.kind, event.kind)} : {event.title}")
    item.add("dtstart", aware(event.starts_at).astimezone(ZoneInfo("UTC")))
    item.add("dtend", aware(event.ends_at or event.starts_at + timedelta(hours=2)).astimezone(ZoneInfo("UTC")))
    item.add("dtstamp", aware(event.created_at).astimezone(ZoneInfo("UTC")))
    if event.place:
        item.add("location", event.place)
    if event.description:
        item.add("description", event.description)
    item.add("url", f"{rt.settings.public_url.rstrip('/')}/evenements/{event.reference}")
    if event.status == "cancelled":
        item.add("status", "CANCELLED")
    cal.add_component(item)
    return cal.to_ical()


def calendar_attachment(rt: Runtime, session: Session, meta: dict, channel: str) -> Media | None:
    """The .ics an e-mail about an event carries (other channels have the page's link)."""
    reference = (meta or {}).get("calendar")
    if channel != "email" or not reference:
        return None
    event = event_store.by_reference(session, reference)
    if event is None:
        return None
    return Media(content_type="text/calendar", data=calendar(rt, event), filename=f"{event.reference}.ics")


def _host(rt: Runtime) -> str:
    return re.sub(r"^https?://", "", rt.settings.public_url).split("/")[0] or "guichet"


def _language(session: Session, identity: Identity) -> str:
    return contacts.languages(session, {identity.contact_id}).get(identity.contact_id, "fr")


def _words_of(text: str) -> set[str]:
    """The words of five letters or more, cut at five ("jardins" and "jardin" meet): a theme named in part."""
    return {word[:5] for word in re.findall(r"[a-z]{5,}", _plain(text))}


def _plain(text: str) -> str:
    """Lower case, no accents, one space: "Je ne viens PLUS" → "je ne viens plus"."""
    stripped = "".join(c for c in unicodedata.normalize("NFD", text.lower()) if unicodedata.category(c) != "Mn")
    return re.sub(r"\s+", " ", stripped.replace("’", "'")).strip()
