"""The agents' back office: login, the queue of their services (list and map), the case page and its actions.

Every form carries a CSRF token (checked before any view runs); every action goes through `act_*`, which
the JSON API (gateway/web/api.py) shares, so permissions and the audit log are the same on both.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import LoginManager, current_user, login_required, login_user, logout_user
from flask_wtf.csrf import CSRFError, generate_csrf, validate_csrf
from sqlmodel import Session
from wtforms.validators import ValidationError

from gateway.cases import flows as case_service
from gateway.cases.actions import (
    MAX_PHOTO_BYTES,
    Photo,
    act_merge,
    act_message,
    act_note,
    act_plan,
    act_reroute,
    act_status,
    agent_row,
    queue_filters,
    visible_case,
)
from gateway.cases.agents import ActionError, AgentUser, add_agent, authenticate, new_token
from gateway.engine import limits
from gateway.engine.photos import MISSING_REASONS
from gateway.errors import GuichetError, NotFound, TooManyRequests
from gateway.runtime import Runtime, current_runtime
from gateway.web.security import as_file
from nlu.analysis import URGENCIES
from store import agents as agent_store
from store import attachments
from store import cases as case_store
from store import limits as limit_store
from store.clock import aware, utcnow
from store.db import key
from store.models import Attachment, Case
from store.statuses import OPEN, TRANSITIONS, ProblemStatus, colour

log = logging.getLogger(__name__)

bp = Blueprint("backoffice", __name__, url_prefix="/agents")
login_manager = LoginManager()
login_manager.login_view = "backoffice.login"
login_manager.login_message = "Connectez-vous pour accéder au guichet des agents."
login_manager.login_message_category = "info"

BADGES = {"red": "badge--red", "orange": "badge--orange", "green": "badge--green", "grey": "badge--grey"}
ROLE_LABELS = {"agent": "Agent", "referent": "Référent", "supervisor": "Superviseur", "admin": "Administrateur"}
ACTION_LABELS = {
    "login": "Connexion", "login_failed": "Échec de connexion", "logout": "Déconnexion", "status": "Statut",
    "message": "Message au déclarant", "reroute": "Réorientation", "merge": "Fusion", "note": "Note interne",
    "user_add": "Utilisateur créé", "user_disable": "Utilisateur désactivé", "user_enable": "Utilisateur réactivé",
    "token_add": "Jeton créé", "token_revoke": "Jeton révoqué", "limits_lift": "Limite de messages levée",
    "user_password": "Mot de passe changé", "contact_erase": "Effacement d'un habitant",
    "plan": "Date ou coût prévu modifié",
}
# The audit log's details, by their key: the French word, and how a value reads.
DETAIL_LABELS = {
    "status": "statut", "message": "message", "photo": "photo", "target": "dossier cible", "reason": "motif",
    "service_from": "de", "service_to": "vers", "user": "compte", "role": "rôle", "services": "services",
    "label": "libellé", "token": "jeton", "identities": "identités", "messages": "messages", "cases": "dossiers",
    "photos": "photos", "people": "personnes", "channel": "canal", "contact": "habitant", "choices": "choix",
    "expected_on": "date prévue", "cost_cents": "coût estimé",
}


@bp.record_once
def _setup(state) -> None:
    login_manager.init_app(state.app)


@login_manager.user_loader
def _load_user(user_id: str) -> AgentUser | None:
    """The agent of a session cookie, while its generation is the agent's (logout bumps it: server-side revocation)."""
    agent_id, _, generation = user_id.partition(".")
    if not agent_id.isdigit() or not generation.isdigit():
        return None
    with current_runtime().db.session() as session:
        agent = agent_store.by_id(session, int(agent_id))
        if agent is None or not agent.active or agent.session_generation != int(generation):
            return None
        return AgentUser(agent)


# What agents read instead of the codes stored (timeline kinds, channels, who acted).
EVENT_LABELS = {
    "created": "Signalement", "status": "Statut", "follower": "Nouvel abonné", "escalated": "Relance (délai dépassé)",
    "note": "Note interne", "agent_message": "Message au déclarant", "resident_message": "Message d'un habitant",
    "rerouted": "Réorientation", "planned": "Date d'intervention", "oncall": "Astreinte",
    "satisfaction": "« C'est réglé ? »",
}
CHANNEL_LABELS = {"sms": "SMS", "whatsapp": "WhatsApp", "telegram": "Telegram", "email": "e-mail",
                  "voice": "téléphone", "web": "site web", "open311": "Open311", "api": "API", "cli": "ligne de commande"}
ACTOR_LABELS = {"resident": "un habitant", "scheduler": "le guichet (automatique)", "oncall": "l'astreinte",
                "cli": "ligne de commande", "demo": "démo", "agent": "un agent", "system": "le guichet"}
# The next step first: the order of a case's life, then the ways out of it.
STATUS_ORDER = ["received", "validated", "under_study", "in_progress", "go", "resolved", "no_go", "rejected",
                "duplicate"]


def local_time(moment, fmt: str = "%d/%m/%Y %H:%M") -> str:
    """A stored moment (UTC) as the town's clock reads it (GUICHET_TIMEZONE)."""
    if moment is None:
        return "—"
    zone = ZoneInfo(current_runtime().settings.timezone)
    return aware(moment).astimezone(zone).strftime(fmt)


def territory_text(rt: Runtime, commune: str | None, district: str | None) -> str:
    """ "Valmont – Les Tilleuls" for the codes stored on a case."""
    if not commune:
        return "—"
    try:
        found = rt.router.territories.commune(commune)
    except KeyError:
        return commune
    names = dict((code, name) for code, name, _ in found.districts)
    return f"{found.name} – {names.get(district, district)}" if district else found.name


def service_text(rt: Runtime, code: str | None) -> str:
    """A service with its commune when the install serves several ("Police municipale (Valmont)")."""
    if not code:
        return "—"
    try:
        service = rt.router.services.get(code)
    except KeyError:
        return code
    communes = rt.router.territories.communes()
    if len(communes) < 2:
        return service.name
    names = {commune.code: commune.name for commune in communes}
    return f"{service.name} ({', '.join(names.get(c, c) for c in service.communes)})"


def next_statuses(kind: str, status: str) -> list[str]:
    """The statuses an agent may choose, the next step of the case's life first."""
    allowed = [s for s in TRANSITIONS[kind][status] if s != ProblemStatus.DUPLICATE]
    return sorted(allowed, key=lambda s: STATUS_ORDER.index(s) if s in STATUS_ORDER else len(STATUS_ORDER))


@bp.context_processor
def _globals() -> dict[str, Any]:
    rt = current_runtime()
    return {"csrf_token": generate_csrf, "badge": badge, "status_text": status_text, "ROLE_LABELS": ROLE_LABELS,
            "ACTION_LABELS": ACTION_LABELS, "EVENT_LABELS": EVENT_LABELS, "CHANNEL_LABELS": CHANNEL_LABELS,
            "ACTOR_LABELS": ACTOR_LABELS, "local_time": local_time, "audit_detail": audit_detail,
            "territory_text": lambda commune, district=None: territory_text(rt, commune, district),
            "service_text": lambda code: service_text(rt, code)}


@bp.before_request
def _check_csrf():
    """Every POST of the back office carries the token of the agent's session, or is refused with 400."""
    if request.method == "POST":
        request.max_content_length = MAX_PHOTO_BYTES + 64 * 1024
        try:
            validate_csrf(request.form.get("csrf_token"))
        except (ValidationError, CSRFError) as err:
            log.warning("back office form without a valid CSRF token", extra={"path": request.path})
            return render_template("backoffice/error.html", title="Formulaire expiré",
                                   message=f"Le formulaire a expiré ou n'a pas été envoyé depuis le guichet "
                                           f"({err}). Rechargez la page et recommencez."), 400
    return None


# --- what the pages show -------------------------------------------------------------------------------------


def badge(status: str) -> str:
    """The badge class of a status (town.css), in the map's colours."""
    return BADGES[colour(status)]


def status_text(status: str) -> str:
    """A status in plain French."""
    return current_runtime().messages.text(f"status.{status}")


def audit_detail(detail: dict[str, Any]) -> str:
    """An audit line's details in French: « statut : validé ; photo : non ; coût estimé : 120,00 € »."""
    parts = []
    for name, value in detail.items():
        if value in (None, "", []):
            continue
        if isinstance(value, bool):
            shown = "oui" if value else "non"
        elif name == "status":
            shown = status_text(str(value))
        elif name == "role":
            shown = ROLE_LABELS.get(str(value), str(value))
        elif name == "channel":
            shown = CHANNEL_LABELS.get(str(value), str(value))
        elif name in ("service_from", "service_to"):
            shown = service_text(current_runtime(), str(value))
        elif name == "cost_cents" and isinstance(value, int):
            shown = case_service.format_cost(value)
        elif name == "expected_on":
            shown = "/".join(reversed(str(value).split("-")))
        elif isinstance(value, list):
            shown = ", ".join(map(str, value))
        else:
            shown = str(value)
        parts.append(f"{DETAIL_LABELS.get(name, name)} : {shown}")
    return " ; ".join(parts)


def filter_choices(rt: Runtime) -> dict[str, list[tuple[str, str]]]:
    """The options of the queue's filters."""
    statuses: list[tuple[str, str]] = []
    for kind in ("problem", "idea"):
        for status in TRANSITIONS[kind]:
            if status not in [s for s, _ in statuses]:
                statuses.append((status, rt.messages.text(f"status.{status}")))
    territories = []
    for commune in rt.router.territories.communes():
        territories.append((commune.code, commune.name))
        territories.extend((code, f"{commune.name} – {name}") for code, name, _ in commune.districts)
    return {
        "statuses": statuses,
        "categories": [(code, rt.category_label(code)) for code in rt.catalogue.categories],
        "territories": territories,
        "urgencies": [(u, rt.messages.text(f"urgency.{u}")) for u in URGENCIES],
        "services": [(s.code, service_text(rt, s.code)) for s in rt.router.services.all()],
    }


def _row(rt: Runtime, case: Case, followers: dict[int, int]) -> dict[str, Any]:
    now = utcnow()
    return {
        "reference": case.reference, "status": case.status, "status_label": case_service.status_label(rt, case),
        "colour": colour(case.status), "category": rt.category_label(case.category),
        "urgency": case.urgency, "urgency_label": rt.messages.text(f"urgency.{case.urgency}"),
        "service": service_text(rt, case.service), "address": case.address,
        "territory": case.district or case.territory, "lat": case.lat, "lon": case.lon,
        "created_at": case.created_at, "due_at": case.due_at, "followers": followers.get(key(case), 0),
        "overdue": case.due_at is not None and case.due_at < now and case.status in OPEN,
        "unread": case.resident_reply_at is not None,  # a resident wrote since an agent last opened the case
    }


def _queue_rows(rt: Runtime, session: Session, who: AgentUser, filters: dict, **extra) -> list[dict[str, Any]]:
    cases = agent_store.queue(session, services=who.scope, **filters, **extra)
    followers = agent_store.follower_counts(session, [key(c) for c in cases])
    return [_row(rt, c, followers) for c in cases]


def _fail(err: GuichetError, reference: str | None = None):
    """A refused action: the error page for a case the agent may not see, else back to the form with why."""
    if err.status == 404:
        abort(404, description=str(err))
    flash(f"Action impossible : {err}", "error")
    return redirect(url_for(".case_page", reference=reference) if reference else url_for(".queue"), 303)


def _done(text: str, reference: str):
    flash(text, "success")
    return redirect(url_for(".case_page", reference=reference), 303)


# --- the pages -----------------------------------------------------------------------------------------------


@bp.route("/connexion", methods=["GET", "POST"])
def login():
    """The login form (e-mail and password)."""
    if current_user.is_authenticated and request.method == "GET":
        return redirect(url_for(".queue"))
    error = None
    email = ""
    if request.method == "POST":
        rt = current_runtime()
        email = request.form.get("email", "").strip()
        try:
            with rt.db.session() as session:
                agent = authenticate(session, email, request.form.get("password", ""),
                                     address=request.remote_addr or "")
                known = agent_store.by_email(session, email) if agent is None else agent
                agent_store.audit(session, agent=known, action="login" if agent else "login_failed", via="web",
                                  actor=known.email if known else "")
                user = AgentUser(agent) if agent else None
        except TooManyRequests as err:
            page = render_template("backoffice/login.html", error=str(err), email=email)
            return page, 429, {"Retry-After": str(err.retry_after)}
        if user is not None:
            login_user(user)
            return redirect(same_site_path(request.args.get("next")) or url_for(".queue"), 303)
        error = "Identifiant ou mot de passe incorrect."
    return render_template("backoffice/login.html", error=error, email=email), 401 if error else 200


def same_site_path(target: str | None) -> str | None:
    """`target` if it is a path of this site (never an open redirect), else None.

    Browsers drop tabs and line breaks from a URL and read a backslash as a slash, so `/%09/evil.example` would
    lead to //evil.example: a path with any control character, backslash, scheme or host is refused.
    """
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ord(char) < 32 or ord(char) == 127 for char in target):
        return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else None


@bp.post("/deconnexion")
@login_required
def logout():
    """Log out."""
    with current_runtime().db.session() as session:
        agent_store.audit(session, agent=agent_row(session, current_user), action="logout", via="web")
        agent_store.end_sessions(session, current_user.id)
    logout_user()
    flash("Vous êtes déconnecté.", "info")
    return redirect(url_for(".login"), 303)


@bp.get("/")
@login_required
def queue():
    """The queue of the agent's services, as a table with filters."""
    rt = current_runtime()
    filters = queue_filters(request.args)
    with rt.db.session() as session:
        rows = _queue_rows(rt, session, current_user, filters)
        held = len(limit_store.held_contacts(session, since=utcnow() - limits.DAY)) if current_user.sees_all else 0
    return render_template("backoffice/queue.html", rows=rows, filters=filters, choices=filter_choices(rt),
                           query=request.args.to_dict(), held=held)


@bp.get("/limites")
@login_required
def held_page():
    """Supervisors: the people whose messages a flood limit held in the last day, and what they wrote."""
    if not current_user.sees_all:
        abort(403, description="Réservé aux superviseurs.")
    since = utcnow() - limits.DAY
    with current_runtime().db.session() as session:
        people = [{"contact": contact, "identities": limit_store.identities_of(session, key(contact)),
                   "count": limit_store.count_messages(session, key(contact), since=since),
                   "messages": limit_store.messages_of(session, key(contact), since=since, limit=10)}
                  for contact in limit_store.held_contacts(session, since=since)]
    return render_template("backoffice/held.html", people=people)


@bp.post("/limites/<int:contact_id>/lever")
@login_required
def held_lift(contact_id: int):
    """Supervisors: let a held person through; their counts start again now."""
    if not current_user.sees_all:
        abort(403, description="Réservé aux superviseurs.")
    with current_runtime().db.session() as session:
        limits.lift(session, contact_id)
        agent_store.audit(session, agent=agent_row(session, current_user), action="limits_lift", via="web",
                          contact=contact_id)
    flash("Les messages de cette personne sont de nouveau traités.", "success")
    return redirect(url_for(".held_page"), 303)


@bp.get("/carte")
@login_required
def map_page():
    """The queue on a map, markers coloured by progress."""
    rt = current_runtime()
    filters = queue_filters(request.args)
    return render_template("backoffice/map.html", filters=filters, choices=filter_choices(rt),
                           query=request.args.to_dict(),
                           tile_url=rt.settings.tile_url)


@bp.get("/carte.json")
@login_required
def map_data():
    """The located cases of the queue, for the map (the same filters as the list)."""
    rt = current_runtime()
    with rt.db.session() as session:
        rows = _queue_rows(rt, session, current_user, queue_filters(request.args), located_only=True)
    return jsonify(cases=[
        {"reference": r["reference"], "lat": r["lat"], "lon": r["lon"], "status": r["status"],
         "status_label": r["status_label"], "colour": r["colour"], "category": r["category"],
         "address": r["address"], "overdue": r["overdue"],
         "url": url_for(".case_page", reference=r["reference"])}
        for r in rows
    ])


@bp.get("/dossiers/<reference>")
@login_required
def case_page(reference: str):
    """One case: details, the resident's messages, the timeline, photos and the actions."""
    rt = current_runtime()
    with rt.db.session() as session:
        try:
            case = visible_case(session, current_user, reference)
        except NotFound as err:
            abort(404, description=str(err))
        reporter = agent_store.reporter(session, case)
        merged_into = session.get(Case, case.merged_into_id) if case.merged_into_id else None
        context = {
            "case": case,
            "row": _row(rt, case, {key(case): case_store.follower_count(session, case)}),
            "reporter": reporter,
            "messages": agent_store.resident_messages(session, case),
            "timeline": case_store.timeline(session, case),
            "photos": attachments.of_case(session, case),
            "missing_reasons": MISSING_REASONS,
            "audit": agent_store.audit_log(session, case=case, limit=50),
            "next_statuses": next_statuses(case.kind, case.status),
            "can_merge": ProblemStatus.DUPLICATE in TRANSITIONS[case.kind][case.status],
            "merged_into": merged_into.reference if merged_into else None,
            "can_plan": case.status in case_service.VALIDATION or case.status == ProblemStatus.IN_PROGRESS,
            "cost_text": case_service.format_cost(case.cost_cents),
        }
        # Shown unread this once: opening the case reads the residents' replies.
        case_store.mark_read(session, case)
    return render_template("backoffice/case.html", choices=filter_choices(rt), **context)


def _form_action(reference: str, action, success: str, **fields):
    rt = current_runtime()
    try:
        with rt.db.session() as session:
            case = action(rt, session, current_user, reference, **fields)
            shown = case.reference
    except GuichetError as err:
        return _fail(err, reference)
    if action is act_reroute and not current_user.can_see(case):
        flash(success, "success")
        return redirect(url_for(".queue"), 303)
    return _done(success, shown)


@bp.post("/dossiers/<reference>/statut")
@login_required
def case_status(reference: str):
    """Change the status, with a public message and an optional photo."""
    photo = None
    upload = request.files.get("photo")
    if upload is not None and upload.filename:
        photo = Photo.from_upload(upload.read(MAX_PHOTO_BYTES + 1))
        if photo is None:
            return _fail(ActionError("la photo doit être une image JPEG, PNG, GIF ou WebP de moins de 10 Mo"),
                         reference)
    return _form_action(reference, act_status, "Statut modifié : les personnes qui suivent le dossier sont prévenues.",
                        status=request.form.get("status", ""), message=request.form.get("message"), photo=photo,
                        expected_on=request.form.get("expected_on"), cost=request.form.get("cost"))


@bp.post("/dossiers/<reference>/planning")
@login_required
def case_plan(reference: str):
    """Change the expected date (and the cost) of a validated case."""
    return _form_action(reference, act_plan, "Date prévue modifiée : les personnes qui suivent le dossier sont prévenues.",
                        expected_on=request.form.get("expected_on"), cost=request.form.get("cost"))


@bp.post("/dossiers/<reference>/message")
@login_required
def case_message(reference: str):
    """Write to the reporter on their channel."""
    return _form_action(reference, act_message, "Message envoyé au déclarant sur son canal.",
                        text=request.form.get("text", ""))


@bp.post("/dossiers/<reference>/reorienter")
@login_required
def case_reroute(reference: str):
    """Hand the case to another service."""
    return _form_action(reference, act_reroute, "Dossier réorienté.", service=request.form.get("service", ""),
                        reason=request.form.get("reason"))


@bp.post("/dossiers/<reference>/fusionner")
@login_required
def case_merge(reference: str):
    """Merge the case into another one."""
    return _form_action(reference, act_merge, "Dossier fusionné : ses abonnés suivent désormais ce dossier.",
                        target=request.form.get("target", ""), message=request.form.get("message"))


@bp.post("/dossiers/<reference>/note")
@login_required
def case_note(reference: str):
    """Add an internal note."""
    return _form_action(reference, act_note, "Note interne ajoutée.", text=request.form.get("text", ""))


@bp.get("/photos/<int:attachment_id>")
@login_required
def photo(attachment_id: int):
    """A photo of a case the agent may see."""
    rt = current_runtime()
    with rt.db.session() as session:
        attachment = session.get(Attachment, attachment_id)
        case = session.get(Case, attachment.case_id) if attachment and attachment.case_id else None
        if attachment is None or case is None or not current_user.can_see(case) or not attachment.path:
            abort(404)
        path = Path(attachment.path)
    media = Path(rt.settings.media_dir).resolve()
    if not path.resolve().is_relative_to(media) or not path.is_file():
        abort(404)
    # The original, for agents only; served so that nothing in it can run, whatever an old file holds.
    response = send_file(path.absolute(), max_age=0)  # a relative path would be read from the package
    response.headers["Cache-Control"] = "private, no-store"
    return as_file(response, content_type=attachment.content_type, name=f"photo-{attachment_id}")


@bp.get("/journal")
@login_required
def audit_page():
    """The audit log: every action of the agents of one's services (everything for supervisors)."""
    with current_runtime().db.session() as session:
        entries = agent_store.audit_log(session, services=current_user.scope, limit=500)
    return render_template("backoffice/audit.html", entries=entries)


# --- users (admins) ------------------------------------------------------------------------------------------


def _admin_only() -> None:
    if not current_user.is_admin:
        abort(403, description="Réservé aux administrateurs.")


@bp.get("/utilisateurs")
@login_required
def users():
    """Agents and their tokens."""
    _admin_only()
    rt = current_runtime()
    with rt.db.session() as session:
        people = [(agent, agent_store.tokens_of(session, agent)) for agent in agent_store.everyone(session)]
    return render_template("backoffice/users.html", people=people, choices=filter_choices(rt),
                           roles=agent_store.ROLES, new_token=None)


@bp.post("/utilisateurs")
@login_required
def users_add():
    """Create an agent."""
    _admin_only()
    rt = current_runtime()
    try:
        with rt.db.session() as session:
            agent = add_agent(session, email=request.form.get("email", ""), name=request.form.get("name", ""),
                              password=request.form.get("password", ""), role=request.form.get("role", "agent"),
                              services=request.form.getlist("services"),
                              known_services={s.code for s in rt.router.services.all()},
                              themes=request.form.getlist("themes"), territories=request.form.getlist("territories"),
                              known_themes=set(rt.catalogue.categories),
                              known_territories={c.code for c in rt.router.territories.communes()})
            agent_store.audit(session, agent=agent_row(session, current_user), action="user_add", via="web",
                              user=agent.email, role=agent.role, services=agent.services, themes=agent.themes,
                              territories=agent.territories)
    except GuichetError as err:
        flash(f"Création impossible : {err}", "error")
        return redirect(url_for(".users"), 303)
    flash(f"Compte créé pour {agent.email}.", "success")
    return redirect(url_for(".users"), 303)


@bp.post("/utilisateurs/<int:agent_id>/jeton")
@login_required
def users_token(agent_id: int):
    """Create an API token for an agent; it is shown once, on this page."""
    _admin_only()
    rt = current_runtime()
    token = new_token()
    with rt.db.session() as session:
        agent = agent_store.by_id(session, agent_id)
        if agent is None:
            abort(404)
        agent_store.add_token(session, agent, token, label=request.form.get("label", "").strip())
        agent_store.audit(session, agent=agent_row(session, current_user), action="token_add", via="web",
                          user=agent.email)
        people = [(a, agent_store.tokens_of(session, a)) for a in agent_store.everyone(session)]
    response = render_template("backoffice/users.html", people=people, choices=filter_choices(rt),
                               roles=agent_store.ROLES, new_token=(agent.email, token))
    return response, 201, {"Cache-Control": "no-store"}


@bp.post("/utilisateurs/<int:agent_id>/actif")
@login_required
def users_active(agent_id: int):
    """Deactivate or reactivate an agent."""
    _admin_only()
    with current_runtime().db.session() as session:
        agent = agent_store.by_id(session, agent_id)
        if agent is None:
            abort(404)
        if agent.id == current_user.id:
            flash("Vous ne pouvez pas désactiver votre propre compte.", "error")
            return redirect(url_for(".users"), 303)
        agent.active = not agent.active
        session.add(agent)
        agent_store.audit(session, agent=agent_row(session, current_user),
                          action="user_enable" if agent.active else "user_disable", via="web", user=agent.email)
    return redirect(url_for(".users"), 303)


@bp.post("/jetons/<int:token_id>/revoquer")
@login_required
def token_revoke(token_id: int):
    """Revoke an API token."""
    _admin_only()
    with current_runtime().db.session() as session:
        row = agent_store.revoke_token(session, token_id)
        if row is None:
            abort(404)
        agent_store.audit(session, agent=agent_row(session, current_user), action="token_revoke", via="web",
                          token=row.hint)
    return redirect(url_for(".users"), 303)


@bp.errorhandler(403)
@bp.errorhandler(404)
def _error(err):
    titles = {403: "Accès refusé", 404: "Dossier ou page introuvable"}
    return render_template("backoffice/error.html", title=titles[err.code], message=err.description), err.code
