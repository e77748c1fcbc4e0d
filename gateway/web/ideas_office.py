"""The référent's pages of the back office: their ideas, and one idea's decision, steps, contributions and people.

Same login, CSRF check and look as the back office (gateway/web/backoffice.py); every action goes through
gateway/ideas/ (decisions, timeline, people), which check the référent's scope and write the audit log.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from gateway.cases import flows
from gateway.cases.actions import MAX_PHOTO_BYTES, Photo, visible_case
from gateway.errors import GuichetError, NotFound
from gateway.ideas import decisions, people, timeline
from gateway.runtime import current_runtime
from gateway.web import backoffice
from store import agents as agent_store
from store import ideas as idea_store
from store.clock import utcnow
from store.db import key
from store.statuses import IdeaStatus

bp = Blueprint("ideas_office", __name__, url_prefix="/agents/idees")
bp.before_request(backoffice._check_csrf)
bp.context_processor(backoffice._globals)


@bp.context_processor
def _idea_words() -> dict:
    """An idea's status in idea words here ("déposée", "en cours de réalisation"), never a street problem's."""
    rt = current_runtime()
    return {"status_text": lambda status: rt.messages.text(f"ideas.web.status.{status}")}

REGISTRATION_LABELS = {"registered": "inscrit", "waiting": "liste d'attente", "cancelled": "annulé"}


def _scope() -> tuple[list[str] | None, list[str] | None]:
    """The themes and territories of the ideas this agent sees here (None: all)."""
    if current_user.sees_all:
        return None, None
    if current_user.is_referent:
        return list(current_user.themes) or None, list(current_user.territories) or None
    abort(403, description="Réservé aux référents, superviseurs et administrateurs.")


@bp.get("/")
@login_required
def ideas():
    """The ideas of the référent's themes and territories, with their supporters."""
    rt = current_runtime()
    themes, territories = _scope()
    with rt.db.session() as session:
        cases = idea_store.ideas_of(session, themes=themes, territories=territories)
        supports = idea_store.support_counts(session, [key(c) for c in cases])
        pending = idea_store.contributions_of(session, [key(c) for c in cases], status="pending")
        names = {a.id: a.name or a.email for a in idea_store.referents(session)}
        rows = [{"case": c, "category": rt.category_label(c.category), "supports": supports.get(key(c), 0),
                 "referent": names.get(c.referent_id or 0), "pending": sum(p.case_id == c.id for p in pending)}
                for c in cases]
    return render_template("ideas_office/list.html", rows=rows)


@bp.get("/<reference>")
@login_required
def idea_page(reference: str):
    """One idea: status, référent, the decision form, steps with the progress, contributions, people, counts."""
    rt = current_runtime()
    with rt.db.session() as session:
        try:
            case = visible_case(session, current_user, reference)
        except NotFound as err:
            abort(404, description=str(err))
        if case.kind != "idea":
            abort(404, description=f"{case.reference} n'est pas une idée")
        referent = agent_store.by_id(session, case.referent_id) if case.referent_id else None
        events = idea_store.events_of(session, key(case))
        events_by = {key(e): e for e in events}
        context = {
            "case": case, "category": rt.category_label(case.category),
            "referent": referent, "referents": idea_store.referents(session),
            "can_decide": current_user.can_decide(case),
            "decided": case.status in decisions.DECIDED,
            "steps": timeline.steps(session, case),
            "contributions": idea_store.contributions_of(session, [key(case)]),
            "people": people.people_of(session, case), "counts": people.counts(session, case),
            "events": events, "cost_text": flows.format_cost(case.cost_cents),
            "registrations": [(r, events_by[r.event_id]) for r, _c, _i
                              in idea_store.registrations_of(session, list(events_by))],
            "REGISTRATION_LABELS": REGISTRATION_LABELS,
            "today": utcnow().astimezone(ZoneInfo(rt.settings.timezone)).date().isoformat(),
        }
    return render_template("ideas_office/idea.html", **context)


def _act(reference: str, success: str, action, *args, **fields):
    rt = current_runtime()
    try:
        with rt.db.session() as session:
            action(rt, session, current_user, *args, **fields)
    except GuichetError as err:
        if err.status == 404:
            abort(404, description=str(err))
        flash(f"Action impossible : {err}", "error")
        return redirect(url_for(".idea_page", reference=reference), 303)
    flash(success, "success")
    return redirect(url_for(".idea_page", reference=reference), 303)


@bp.post("/<reference>/prendre")
@login_required
def take(reference: str):
    """The référent takes the idea."""
    return _act(reference, "Vous êtes le référent de cette idée.", decisions.take, reference)


@bp.post("/<reference>/referent")
@login_required
def assign(reference: str):
    """Hand the idea to another référent."""
    return _act(reference, "Référent changé.", decisions.assign_referent, reference,
                email=request.form.get("email", ""))


@bp.post("/<reference>/decision")
@login_required
def decide(reference: str):
    """Under study with a date, go with reasons (cost, period), or no-go with reasons."""
    form = request.form
    choice = form.get("decision", "")
    told = "Décision publiée : chaque soutien et abonné la reçoit sur son canal, motifs compris."
    if choice == IdeaStatus.UNDER_STUDY:
        return _act(reference, "Idée à l'étude : les soutiens connaissent la date attendue de la décision.",
                    decisions.under_study, reference, due_on=form.get("decision_due_on"), message=form.get("message"))
    if choice == IdeaStatus.GO:
        return _act(reference, told, decisions.go, reference, reasons=form.get("reasons"), cost=form.get("cost"),
                    period_start=form.get("period_start"), period_end=form.get("period_end"))
    if choice == IdeaStatus.NO_GO:
        return _act(reference, told, decisions.no_go, reference, reasons=form.get("reasons"))
    flash("Action impossible : choisissez à l'étude, retenue ou non retenue", "error")
    return redirect(url_for(".idea_page", reference=reference), 303)


@bp.post("/<reference>/etape")
@login_required
def step(reference: str):
    """Publish a timeline step (title, text, photo, progress), or the last one that says done."""
    photo = None
    upload = request.files.get("photo")
    if upload is not None and upload.filename:
        photo = Photo.from_upload(upload.read(MAX_PHOTO_BYTES + 1))
        if photo is None:
            flash("Action impossible : la photo doit être une image JPEG, PNG, GIF ou WebP de moins de 10 Mo", "error")
            return redirect(url_for(".idea_page", reference=reference), 303)
    done = request.form.get("done") in ("1", "on", "oui")
    return _act(reference, "Étape publiée : les soutiens la reçoivent." if not done
                else "Idée réalisée : les participants sont remerciés.", timeline.publish_step, reference,
                title=request.form.get("title"), text=request.form.get("text"),
                progress=request.form.get("progress"), photo=photo, done=done)


@bp.post("/<reference>/contributions/<int:contribution_id>")
@login_required
def moderate(reference: str, contribution_id: int):
    """Publish or refuse a contribution."""
    publish = request.form.get("verdict") == "publish"
    return _act(reference, "Contribution publiée." if publish else "Contribution refusée.", timeline.moderate,
                contribution_id, publish=publish)


@bp.post("/<reference>/message")
@login_required
def broadcast(reference: str):
    """Write to every impliqué supporter, or to everyone registered to one of the idea's events."""
    return _act(reference, "Message mis en file pour chaque destinataire (STOP, nuit et plafond respectés).",
                people.broadcast, reference, text=request.form.get("text", ""),
                event_reference=request.form.get("event") or None)


@bp.get("/<reference>/appels.csv")
@login_required
def call_list(reference: str):
    """The CSV of the impliqué supporters to call, audit-logged."""
    rt = current_runtime()
    try:
        with rt.db.session() as session:
            text = people.call_list(session, current_user, reference)
    except GuichetError as err:
        abort(err.status if err.status in (403, 404) else 400, description=str(err))
    name = f"appels-{reference.strip().upper()}.csv"
    return Response("\ufeff" + text, content_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})


@bp.errorhandler(403)
@bp.errorhandler(404)
def _error(err):
    titles = {403: "Accès refusé", 404: "Idée ou page introuvable"}
    return render_template("backoffice/error.html", title=titles[err.code], message=err.description), err.code
