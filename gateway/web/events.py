"""The events' pages: the public agenda /evenements with its registration form and .ics, and the référent's pages
under /agents/evenements (create, invite, registrants, attendance and minutes)."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf.csrf import CSRFError, generate_csrf, validate_csrf
from wtforms.validators import ValidationError

from gateway.cases.privacy import mask_personal
from gateway.ideas import codes
from gateway.ideas import events as event_flow
from gateway.ideas.people import masked
from gateway.runtime import current_runtime
from store import events as event_store
from store.clock import utcnow
from store.db import key
from store.models import Event

log = logging.getLogger(__name__)

bp = Blueprint("events", __name__)
ORGANISERS = ("referent", "supervisor", "admin")
CHANNELS = {"sms": "SMS", "whatsapp": "WhatsApp", "telegram": "Telegram", "email": "e-mail", "voice": "téléphone",
            "web": "site web"}
STATUSES = {"registered": "inscrit", "waiting": "en attente", "cancelled": "annulé"}
EVENT_STATUSES = {"scheduled": "à venir", "held": "a eu lieu", "cancelled": "annulé"}


def _event_or_404(session, reference: str) -> Event:
    """The event of this reference, or the 404 page."""
    event = event_store.by_reference(session, reference)
    if event is None:
        abort(404)
    return event


@bp.before_request
def _check_csrf():
    """Every POST of these pages carries the session's token, or is refused with 400."""
    if request.method == "POST":
        try:
            validate_csrf(request.form.get("csrf_token"))
        except (ValidationError, CSRFError):
            log.warning("event form without a valid CSRF token", extra={"path": request.path})
            return render_template("events/message.html", title="Formulaire expiré",
                                   message="Le formulaire a expiré. Rechargez la page et recommencez."), 400
    return None


@bp.context_processor
def _globals() -> dict[str, Any]:
    rt = current_runtime()
    return {"csrf_token": generate_csrf, "KINDS": event_flow.KINDS, "CHANNELS": CHANNELS, "STATUSES": STATUSES,
            "EVENT_STATUSES": EVENT_STATUSES,
            "masked": masked,  # the screen masks numbers and addresses; the call list export has them whole
            "day_text": lambda moment: event_flow.day_text(rt, moment),
            "hour_text": lambda moment: event_flow.hour_text(rt, moment)}


def _shown(session, events: list[Event]) -> list[dict[str, Any]]:
    """What the agenda says of each event: never a resident, only seats and the ideas' references."""
    taken = event_store.seats_taken_by_event(session, [key(e) for e in events])
    shown = []
    for event in events:
        ideas = [{"reference": case.reference, "title": mask_personal(case.description)[:120]}
                 for case in event_store.ideas_of(session, event)]
        seats = None if event.capacity is None else max(0, event.capacity - taken.get(key(event), 0))
        shown.append({"event": event, "ideas": ideas, "seats_left": seats,
                      # written by the référent, shown like every public text: a number or an address masked
                      "minutes": mask_personal(event.minutes) if event.minutes else None,
                      "description": mask_personal(event.description) if event.description else None})
    return shown


# --- public ------------------------------------------------------------------------------------------------


@bp.get("/evenements")
def agenda():
    """The agenda: the events to come, then those held with their minutes."""
    rt, now = current_runtime(), utcnow()
    with rt.db.session() as session:
        coming = _shown(session, event_store.upcoming(session, now=now))
        held = _shown(session, [e for e in event_store.past(session, now=now) if e.status == "held"])
    return render_template("events/agenda.html", coming=coming, held=held)


def _page(reference: str, **context: Any):
    rt = current_runtime()
    with rt.db.session() as session:
        event = _event_or_404(session, reference)
        [shown] = _shown(session, [event])
    open_ = event_flow.is_open(event, utcnow())
    return render_template("events/event.html", item=shown, open=open_, **context)


@bp.get("/evenements/<reference>")
def event_page(reference: str):
    """One event: when, where, seats left, the ideas it is about, the registration form."""
    return _page(reference)


@bp.get("/evenements/<reference>.ics")
def event_calendar(reference: str):
    """The event as an iCalendar file."""
    rt = current_runtime()
    with rt.db.session() as session:
        event = _event_or_404(session, reference)
        body = event_flow.calendar(rt, event)
    return Response(body, mimetype="text/calendar",
                    headers={"Content-Disposition": f'attachment; filename="{event.reference}.ics"'})


@bp.post("/evenements/<reference>/code")
def send_code(reference: str):
    """Step one of registering from the page: a code sent to the phone or e-mail typed."""
    rt, now = current_runtime(), utcnow()
    typed = request.form.get("address", "")
    # Each page is drawn after its transaction ends: on SQLite a page read inside it would wait for the write lock
    # this very request holds (a 503 after 30 s).
    refused = None
    with rt.db.session() as session:
        event = _event_or_404(session, reference)
        try:
            codes.send(rt, session, purpose="register", target=event.reference, typed=typed, now=now,
                       text_key="ideas.events.code", reference=event.reference)
        except codes.CodeRefused as err:
            session.rollback()
            refused = str(err)
    if refused is not None:
        return _page(reference, error=refused, typed=typed), 422
    return _page(reference, typed=typed, code_sent=True)


@bp.post("/evenements/<reference>/inscription")
def register(reference: str):
    """Step two: the code typed back proves the address, and the person is registered (or waits for a seat)."""
    rt, now = current_runtime(), utcnow()
    typed = request.form.get("address", "")
    reply = None
    with rt.db.session() as session:
        event = _event_or_404(session, reference)
        closed = not event_flow.is_open(event, now)
        identity = None if closed else codes.check(rt, session, purpose="register", target=event.reference,
                                                   typed=typed, code=request.form.get("code", ""), now=now)
        if identity is not None:
            registered = event_flow.register(rt, session, event, identity, channel="web", now=now)
            reply = event_flow.registration_reply(rt, session, registered, event)
        # committed either way: a wrong code's try counts
    if closed:
        return _page(reference, error="Les inscriptions sont closes."), 409
    if reply is None:
        return _page(reference, typed=typed, code_sent=True, error=codes.REFUSED), 422
    return _page(reference, done=reply)


# --- back office -------------------------------------------------------------------------------------------


def _organiser() -> None:
    if current_user.role not in ORGANISERS:
        abort(403)


def _form_event() -> dict[str, Any]:
    form = request.form
    capacity = form.get("capacity", "").strip()
    try:
        starts = datetime.fromisoformat(f"{form.get('day', '')}T{form.get('hour', '')}")
    except ValueError as err:
        raise event_flow.EventError("Indiquez le jour et l'heure de l'événement.") from err
    if capacity and not capacity.isdigit():
        raise event_flow.EventError("La capacité est un nombre entier de places, d'au moins une (laissez vide pour "
                                    "sans limite).")
    return {"title": form.get("title", ""), "kind": form.get("kind", "cafe_citoyen"), "starts_local": starts,
            "place": form.get("place", ""), "capacity": int(capacity) if capacity else None,
            "ideas": [r for r in form.get("ideas", "").replace(",", " ").split() if r],
            "theme": form.get("theme") or None, "description": form.get("description", "")}


@bp.route("/agents/evenements", methods=["GET", "POST"])
@login_required
def backoffice_list():
    """The référent's events, and the form that creates one (its invitations leave at once)."""
    _organiser()
    rt, error = current_runtime(), None
    if request.method == "POST":
        try:
            with rt.db.session() as session:
                event = event_flow.create(rt, session, created_by=current_user.email,
                                          invite=bool(request.form.get("invite")), **_form_event())
                session.commit()
                return redirect(url_for("events.backoffice_event", reference=event.reference))
        except event_flow.EventError as err:
            error = str(err)
    with rt.db.session() as session:
        listed = _shown(session, event_store.every(session))
    themes = [(code, rt.category_label(code)) for code in rt.catalogue.categories]
    return render_template("events/backoffice_list.html", listed=listed, error=error, themes=themes), \
        (422 if error else 200)


@bp.get("/agents/evenements/<reference>")
@login_required
def backoffice_event(reference: str, error: str | None = None):
    """One event for its référent: who registered, on which channel, in which order; attendance and minutes."""
    _organiser()
    rt = current_runtime()
    with rt.db.session() as session:
        event = _event_or_404(session, reference)
        [shown] = _shown(session, [event])
        people = event_store.registrations(session, key(event))
    saved = error is None and request.method == "GET" and bool(request.args.get("enregistre"))
    return render_template("events/backoffice_event.html", item=shown, people=people, error=error, saved=saved)


@bp.post("/agents/evenements/<reference>/invitations")
@login_required
def backoffice_invite(reference: str):
    """Send the invitations of an event created without them (never twice)."""
    _organiser()
    rt = current_runtime()
    with rt.db.session() as session:
        event = _event_or_404(session, reference)
        event_flow.send_invitations(rt, session, event)
        session.commit()
    return redirect(url_for("events.backoffice_event", reference=reference))


@bp.post("/agents/evenements/<reference>/compte-rendu")
@login_required
def backoffice_minutes(reference: str):
    """After the event: attendance (and who came) and minutes, on the linked ideas' timelines."""
    _organiser()
    rt = current_runtime()
    with rt.db.session() as session:
        event = _event_or_404(session, reference)
        count = request.form.get("attendance", "").strip()
        came = {int(v) for v in request.form.getlist("attended") if v.isdigit() and len(v) < 10}
        attended = {key(row): key(row) in came for row, _ in event_store.registrations(session, key(event))
                    if row.status == "registered"} if came else None
        try:
            if count and not count.isdigit():  # "-3", "abc"; a number too big is refused by record_attendance
                raise event_flow.EventError(event_flow.ATTENDANCE_REFUSED)
            event_flow.record_attendance(rt, session, event, attendance=int(count) if count else len(came),
                                         minutes=request.form.get("minutes", ""), attended=attended,
                                         actor=current_user.email)
        except event_flow.EventError as err:
            session.rollback()
            return backoffice_event(reference, error=str(err)), 422
        session.commit()
    return redirect(url_for("events.backoffice_event", reference=reference, enregistre=1))
