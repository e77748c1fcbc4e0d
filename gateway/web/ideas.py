"""The ideas' public pages: `/idees` (filters by theme and status, search, sorted by date or supports) and
`/idees/<reference>` (the official answer, the timeline with its progress, events, contributions, supporting).

Like every public page nothing personal shows: residents' words, the référent's answers and steps go through
`mask_personal`; residents are never named unless they agreed (Support.public_name, once the idea is done);
the référent is. Supporting from the page takes two forms: a phone number or an e-mail address, to which a
code goes (gateway/ideas/codes.py), then the code. Both are CSRF-protected and rate-limited per client
address (gateway/web/limits.py), and the first answers the same words whatever the address, known or not.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from flask_wtf.csrf import CSRFError, generate_csrf, validate_csrf
from wtforms.validators import ValidationError

from gateway.cases.flows import format_cost
from gateway.cases.privacy import mask_personal
from gateway.ideas import codes, similar, supports
from gateway.runtime import Runtime, current_runtime
from gateway.web.public import (
    MONTHS,
    badge_of,
    commune_name,
    french_date,
    local,
    photo_url,
    place,
    public_address,
)
from nlu.references import find_references
from store import cases as case_store
from store import public as queries
from store.clock import utcnow
from store.db import key
from store.models import Case
from store.statuses import IdeaStatus, Kind

log = logging.getLogger(__name__)

bp = Blueprint("ideas", __name__)

SUPPORT = "support"  # the codes' purpose
# Ideas still open to supports; a decided no-go or a realised idea keeps its count as it is.
SUPPORTABLE = (IdeaStatus.RECEIVED, IdeaStatus.UNDER_STUDY, IdeaStatus.GO, IdeaStatus.IN_PROGRESS)
# The statuses the list's filter offers, in the order an idea goes through them.
LISTED = (IdeaStatus.RECEIVED, IdeaStatus.UNDER_STUDY, IdeaStatus.GO, IdeaStatus.IN_PROGRESS, IdeaStatus.DONE,
          IdeaStatus.NO_GO)
SORTS = {"recentes": "les plus récentes", "soutiens": "les plus soutenues"}
EVENTS_PATH = "/evenements"  # the events' pages (gateway/web/events.py, another blueprint)


def idea_status(rt: Runtime, status: str) -> str:
    """An idea's status in the residents' words, capitalised (`Retenue`, `À l'étude`)."""
    label = rt.messages.text(f"ideas.web.status.{status}", "fr")
    if label.startswith("ideas."):  # no idea word for it: the common one
        label = rt.messages.text(f"status.{status}", "fr")
    return label[:1].upper() + label[1:]


def day_text(day) -> str:
    """`1er juin 2027` for a date."""
    return f"{'1er' if day.day == 1 else day.day} {MONTHS[day.month - 1]} {day.year}" if day else ""


def _supports_text(count: int) -> str:
    return f"{count} soutien" if count <= 1 else f"{count} soutiens"


# ---- the list -------------------------------------------------------------------------------------------------


def _list_filters() -> dict[str, str | None]:
    filters = {name: (request.args.get(name) or "").strip() or None for name in ("theme", "statut", "q", "tri")}
    if filters["tri"] not in SORTS:
        filters["tri"] = "recentes"
    return filters


@bp.get("/idees")
def ideas_page():
    """The ideas, open and decided, with their supports and référent; filtered, searched and sorted."""
    rt = current_runtime()
    filters = _list_filters()
    with rt.db.session() as session:
        rows = queries.ideas(session, theme=filters["theme"], status=filters["statut"])
    shown = []
    for row in rows:
        text = similar.public_text(row.case.description)
        # The search reads what the page shows: a masked number or name cannot be found by guessing it.
        if filters["q"] and not _matches(filters["q"], text, rt.category_label(row.case.category)):
            continue
        shown.append({
            "reference": row.case.reference,
            "description": text,
            "theme": rt.category_label(row.case.category),
            "status": idea_status(rt, row.case.status),
            "badge": badge_of(row.case.status),
            "supports": row.supports,
            "supports_text": _supports_text(row.supports),
            "referent": row.referent,
            "date": french_date(rt, row.case.created_at),
            "iso": local(rt, row.case.created_at).date().isoformat(),
            "created": row.case.created_at,
        })
    if filters["tri"] == "soutiens":
        shown.sort(key=lambda idea: (-idea["supports"], -idea["created"].timestamp()))
    themes = sorted(((code, rt.category_label(code)) for code in rt.catalogue.categories), key=lambda item: item[1])
    statuses = [(status.value, idea_status(rt, status)) for status in LISTED]
    return render_template("ideas/list.html", ideas=shown, filters=filters, themes=themes, statuses=statuses,
                           sorts=SORTS)


def _matches(query: str, *texts: str) -> bool:
    """Every word of the search is in one of the texts (case and accents as typed, apart from capitals)."""
    haystack = " ".join(texts).casefold()
    return all(word in haystack for word in query.casefold().split())


# ---- one idea -------------------------------------------------------------------------------------------------


def _find(reference: str):
    """(the idea, None) or (None, the answer to give: a redirect or a 404)."""
    rt = current_runtime()
    found = find_references(reference.strip(), rt.reference_prefix)
    if not found or not found[0].valid or found[0].written.replace(" ", "") != reference.strip().replace(" ", ""):
        return None, (render_template("public/not_found.html", written=reference,
                                      mistyped=bool(found) and not found[0].valid), 404)
    if found[0].reference != reference:
        return None, redirect(url_for("ideas.idea_page", reference=found[0].reference), 301)
    with rt.db.session() as session:
        case = case_store.by_reference(session, found[0].reference)
    if case is None:
        return None, (render_template("public/not_found.html", written=reference, mistyped=False), 404)
    if case.kind != Kind.IDEA:
        return None, redirect(url_for("public.tracking", reference=case.reference))
    return case, None


def _idea(rt: Runtime, case: Case) -> dict[str, Any]:
    """Everything the idea's page shows, masked."""
    with rt.db.session() as session:
        events = queries.idea_timeline(session, key(case))
        meetings = queries.idea_events(session, key(case))
        contributions = queries.published_contributions(session, key(case))
        names = queries.participant_names(session, key(case)) if case.status == IdeaStatus.DONE else []
        referent = queries.referent_name(session, case.referent_id)
        count = queries.support_count(session, key(case))
    decided = case.status in (IdeaStatus.GO, IdeaStatus.NO_GO, IdeaStatus.IN_PROGRESS, IdeaStatus.DONE)
    steps = [
        {
            "date": french_date(rt, event.created_at, with_time=True),
            "iso": local(rt, event.created_at).isoformat(timespec="minutes"),
            # An event's line carries its title as the agenda shows it; a step's title is masked like its text.
            "title": (event.title if event.kind == "event" else mask_personal(event.title)) if event.title else
                     ("Idée enregistrée" if event.kind == "created" else
                      idea_status(rt, event.status_to) if event.status_to else "Étape"),
            "badge": badge_of(event.status_to or "") if event.kind == "status" else None,
            "message": mask_personal(event.message) if event.message else None,
            "photo": photo_url(event.photo) if event.kind == "step" else None,
            "progress": event.progress,
        }
        for event in events
    ]
    return {
        "reference": case.reference,
        "status": idea_status(rt, case.status),
        "status_code": case.status,
        "badge": badge_of(case.status),
        "theme": rt.category_label(case.category),
        "description": similar.public_text(case.description),
        "place": place(public_address(case.address), commune_name(rt, case.territory)) if case.address else
                 commune_name(rt, case.territory) or None,
        "date": french_date(rt, case.created_at),
        "referent": referent,
        "decision_due": day_text(case.decision_due_on)
                        if case.status in (IdeaStatus.RECEIVED, IdeaStatus.UNDER_STUDY) else None,
        "decided": decided,
        "go": case.status != IdeaStatus.NO_GO,
        "decided_at": french_date(rt, case.decided_at),
        "reasons": mask_personal(case.decision_reasons) if decided and case.decision_reasons else None,
        "cost": format_cost(case.cost_cents) if decided and case.cost_cents is not None else None,
        "period_start": day_text(case.period_start) if decided else "",
        "period_end": day_text(case.period_end) if decided else "",
        "progress": 100 if case.status == IdeaStatus.DONE and case.progress is None else case.progress,
        "supports": count,
        "supports_text": _supports_text(count),
        "supportable": case.status in SUPPORTABLE,
        "steps": steps,
        "events": [
            {"reference": meeting.reference, "title": meeting.title,
             "date": french_date(rt, meeting.starts_at, with_time=True),
             "iso": local(rt, meeting.starts_at).isoformat(timespec="minutes"),
             "place": meeting.place, "held": meeting.status == "held",
             "url": f"{EVENTS_PATH}/{meeting.reference}"}
            for meeting in meetings
        ],
        "contributions": [
            {"text": mask_personal(c.text), "date": french_date(rt, c.created_at),
             "iso": local(rt, c.created_at).date().isoformat()}
            for c in contributions
        ],
        "participants": names,
    }


def _page(rt: Runtime, case: Case, *, step: str = "address", status: int = 200, **form: Any):
    response = render_template("ideas/idea.html", idea=_idea(rt, case), step=step, csrf_token=generate_csrf,
                               form=form)
    return response, status, {"Cache-Control": "no-store"} if step != "address" else {}


@bp.get("/idees/<path:reference>")
def idea_page(reference: str):
    """An idea's page: status, the official answer, the timeline with its progress, events, contributions."""
    case, answer = _find(reference)
    if case is None:
        return answer
    return _page(current_runtime(), case)


def _form_target(rt: Runtime, reference: str):
    """(the idea a support form was posted to, None) or (None, the answer: a 404, or the page saying why not)."""
    case, answer = _find(reference)
    if case is None:
        return None, answer
    refused = _valid_form(rt, case)
    return (None, refused) if refused is not None else (case, None)


def _valid_form(rt: Runtime, case: Case):
    """None when the form carries the page's CSRF token, else the page again saying it expired (400)."""
    try:
        validate_csrf(request.form.get("csrf_token"))
    except (ValidationError, CSRFError):
        log.warning("idea form without a valid CSRF token", extra={"case": case.reference})
        return _page(rt, case, status=400,
                     error="Le formulaire a expiré. Rechargez la page et recommencez.")
    if case.status not in SUPPORTABLE:
        return _page(rt, case, status=400, error="Cette idée ne reçoit plus de soutiens.")
    return None


@bp.post("/idees/<path:reference>/soutenir")
def support_request(reference: str):
    """First form: the phone number or e-mail address a code goes to; the same answer whether it is known."""
    rt = current_runtime()
    case, refused = _form_target(rt, reference)
    if case is None:
        return refused
    typed = (request.form.get("adresse") or "").strip()[:200]
    try:
        with rt.db.session() as session:
            codes.send(rt, session, purpose=SUPPORT, target=case.reference, typed=typed, now=utcnow(),
                       text_key="ideas.web.support_code", reference=case.reference)
    except codes.CodeRefused as err:
        return _page(rt, case, status=422, error=str(err), typed=typed)
    log.info("support code requested from the idea's page", extra={"case": case.reference})
    return _page(rt, case, step="code", typed=typed)


@bp.post("/idees/<path:reference>/soutenir/code")
def support_confirm(reference: str):
    """Second form: the code; right, the support counts (once per person, whatever the channel)."""
    rt = current_runtime()
    case, refused = _form_target(rt, reference)
    if case is None:
        return refused
    typed = (request.form.get("adresse") or "").strip()[:200]
    code = (request.form.get("code") or "").strip()[:20]
    now = utcnow()
    with rt.db.session() as session:
        identity = codes.check(rt, session, purpose=SUPPORT, target=case.reference, typed=typed, code=code, now=now)
        idea = case_store.by_reference(session, case.reference) if identity is not None else None
        done = supports.support(session, idea, identity, channel="web", now=now) if idea and identity else None
    if done is None:
        return _page(rt, case, step="code", status=422, typed=typed,
                     error=codes.REFUSED)
    return _page(rt, case, step="thanks", new=done.new)
