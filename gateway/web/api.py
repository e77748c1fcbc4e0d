"""The agents' JSON API: the back office's actions for other tools, with `Authorization: Bearer <token>`.

Same permissions and audit log as the web back office (the `act_*` functions of gateway/actions.py).
Tokens come from `guichet user add --token` or the admins' page; only their digest is stored.
`/cases` is the queue of the agent's services; ideas have their own resources, `/ideas` and `/ideas/<ref>`,
with what only ideas have (supports, référent, the official answer, the execution period, progress).
"""

from __future__ import annotations

import base64
import binascii
import logging
from functools import wraps

from flask import Blueprint, g, jsonify, request
from werkzeug.exceptions import HTTPException

from gateway.cases import actions
from gateway.cases.actions import Photo
from gateway.cases.agents import AgentUser
from gateway.cases.flows import as_json
from gateway.errors import GuichetError, Invalid, NotFound, Unauthorized
from gateway.runtime import current_runtime
from store import agents as agent_store
from store import cases as case_store
from store import public as public_store
from store.db import key
from store.models import Case
from store.statuses import Kind

log = logging.getLogger(__name__)

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def problem(message: str, status: int, **headers):
    """The API's error body, `{"error", "status"}`, with its status and headers."""
    response = jsonify(error=message, status=status)
    response.status_code = status
    response.headers.update(headers)
    return response


@bp.errorhandler(GuichetError)
def _refused(err: GuichetError):
    headers = {"WWW-Authenticate": 'Bearer realm="guichet"'} if err.status == 401 else {}
    return problem(str(err), err.status, **headers)


@bp.errorhandler(HTTPException)
def _http_error(err: HTTPException):
    return problem(err.description or err.name, err.code or 500)


@bp.errorhandler(500)
def _unexpected(err: HTTPException):
    # Reached for what no handler claims (Flask has logged it); a database outage is the app's 503.
    return problem("internal error; the request was not carried out", 500)


def token_required(view):
    """Resolve the bearer token to its agent (401 otherwise); the view gets `g.agent`."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized("missing token: send 'Authorization: Bearer <token>'")
        with current_runtime().db.session() as session:
            agent = agent_store.by_token(session, token.strip())
            user = AgentUser(agent) if agent is not None else None
        if user is None:
            raise Unauthorized("invalid or revoked token")
        g.agent = user
        return view(*args, **kwargs)

    return wrapper


def _payload() -> dict:
    """The request's fields, from a JSON object or a form."""
    if request.is_json:
        data = request.get_json(silent=True)
        if not isinstance(data, dict):
            raise Invalid("the body must be a JSON object")
        return data
    return request.form.to_dict()


def _text(data: dict, name: str, *, required: bool = True) -> str | None:
    value = data.get(name)
    if value is not None and not isinstance(value, str):
        raise Invalid(f"'{name}' must be a string")
    if required and not (value or "").strip():
        raise Invalid(f"'{name}' is required")
    return value


def _photo(data: dict) -> Photo | None:
    """A photo as a multipart file `photo`, or base64 in JSON (`photo_base64`)."""
    upload = request.files.get("photo")
    raw = None
    if upload is not None and upload.filename:
        raw = upload.read(actions.MAX_PHOTO_BYTES + 1)
    elif data.get("photo_base64"):
        try:
            raw = base64.b64decode(str(data["photo_base64"]), validate=True)
        except (binascii.Error, ValueError) as err:
            raise Invalid("'photo_base64' is not valid base64") from err
    if raw is None:
        return None
    photo = Photo.from_upload(raw)
    if photo is None:
        raise Invalid("the photo must be a JPEG, PNG, GIF or WebP image under 10 MB")
    return photo


def _case_json(session, case) -> dict:
    data = as_json(current_runtime(), session, case, with_timeline=True)
    data["resident_messages"] = [
        {"at": e.created_at.isoformat(), "kind": e.kind, "message": e.message}
        for e in agent_store.resident_messages(session, case)
    ]
    return data


@bp.get("/me")
@token_required
def me():
    """Who the token belongs to, and what they see."""
    return jsonify(email=g.agent.email, name=g.agent.name, role=g.agent.role, services=g.agent.scope)


@bp.get("/cases")
@token_required
def cases():
    """The queue of the agent's services: `status` (default open; `all`), `category`, `territory`, `urgency`, `overdue`."""
    rt = current_runtime()
    filters = actions.queue_filters(request.args)
    try:
        limit = min(max(int(request.args.get("limit", 200)), 1), 1000)
    except ValueError as err:
        raise Invalid("'limit' must be a number") from err
    with rt.db.session() as session:
        rows = agent_store.queue(session, services=g.agent.scope, limit=limit, **filters)
        data = [as_json(rt, session, case) for case in rows]
    return jsonify(cases=data, count=len(data))


@bp.get("/cases/<reference>")
@token_required
def case(reference: str):
    """One case with its timeline and the residents' messages."""
    with current_runtime().db.session() as session:
        found = actions.visible_case(session, g.agent, reference)
        return jsonify(_case_json(session, found))


def _sees_ideas_of(agent: AgentUser, case: Case) -> bool:
    """Référents, supervisors and admins see every idea; an agent those of their services."""
    return agent.role == "referent" or agent.can_see(case)


def _idea_json(session, case: Case, *, supports: int, referent: str | None, with_timeline: bool = False) -> dict:
    data = as_json(current_runtime(), session, case, with_timeline=with_timeline)
    data.update({
        "supports": supports,
        "referent": referent,
        "decision_due_on": case.decision_due_on.isoformat() if case.decision_due_on else None,
        "decision_reasons": case.decision_reasons,
        "decided_at": case.decided_at.isoformat() if case.decided_at else None,
        "period_start": case.period_start.isoformat() if case.period_start else None,
        "period_end": case.period_end.isoformat() if case.period_end else None,
        "progress": case.progress,
        "events": [event.reference for event in public_store.idea_events(session, key(case))],
    })
    if with_timeline:  # as_json lists the same timeline, in the same order: add the steps' title and progress
        for entry, event in zip(data["timeline"], case_store.timeline(session, case), strict=True):
            entry.update(title=event.title, progress=event.progress)
    return data


@bp.get("/ideas")
@token_required
def ideas():
    """The ideas the agent may see, newest first: `theme` (a catalogue category), `status`, `limit`."""
    try:
        limit = min(max(int(request.args.get("limit", 200)), 1), 1000)
    except ValueError as err:
        raise Invalid("'limit' must be a number") from err
    with current_runtime().db.session() as session:
        rows = public_store.ideas(session, theme=request.args.get("theme") or None,
                                  status=request.args.get("status") or None, limit=limit)
        data = [_idea_json(session, row.case, supports=row.supports, referent=row.referent)
                for row in rows if _sees_ideas_of(g.agent, row.case)]
    return jsonify(ideas=data, count=len(data))


@bp.get("/ideas/<reference>")
@token_required
def idea(reference: str):
    """One idea with its supports, référent, official answer and whole timeline (steps with title and progress)."""
    with current_runtime().db.session() as session:
        found = case_store.by_reference(session, reference.strip())
        if found is None or found.kind != Kind.IDEA or not _sees_ideas_of(g.agent, found):
            raise NotFound(f"aucune idée {reference.strip().upper()} parmi celles que vous voyez")
        return jsonify(_idea_json(session, found, supports=public_store.support_count(session, key(found)),
                                  referent=public_store.referent_name(session, found.referent_id),
                                  with_timeline=True))


def _act(reference: str, action, code: int = 200, **fields):
    rt = current_runtime()
    with rt.db.session() as session:
        result = action(rt, session, g.agent, reference, via="api", **fields)
        data = as_json(rt, session, result)
    return jsonify(data), code


@bp.post("/cases/<reference>/status")
@token_required
def case_status(reference: str):
    """Change the status: `status`, optional `message` (public) and photo; a validation may carry `expected_on`
    (`2026-12-12`) and `cost` (euros: a number, or text such as "1 200,50")."""
    data = _payload()
    return _act(reference, actions.act_status, status=_text(data, "status"),
                message=_text(data, "message", required=False), photo=_photo(data),
                expected_on=_text(data, "expected_on", required=False), cost=_cost(data))


@bp.post("/cases/<reference>/plan")
@token_required
def case_plan(reference: str):
    """Change the expected date (`expected_on`) and optionally the `cost` of a validated case; followers are told."""
    data = _payload()
    return _act(reference, actions.act_plan, expected_on=_text(data, "expected_on"), cost=_cost(data))


def _cost(data: dict) -> str | int | float | None:
    value = data.get("cost")
    if value is not None and (isinstance(value, bool) or not isinstance(value, str | int | float)):
        raise Invalid("'cost' must be a number of euros or a string")
    return value


@bp.post("/cases/<reference>/messages")
@token_required
def case_message(reference: str):
    """Write `text` to the reporter on their channel."""
    data = _payload()
    return _act(reference, actions.act_message, 202, text=_text(data, "text"))


@bp.post("/cases/<reference>/reroute")
@token_required
def case_reroute(reference: str):
    """Hand the case to `service` (a service code), with an optional internal `reason`."""
    data = _payload()
    return _act(reference, actions.act_reroute, service=_text(data, "service"),
                reason=_text(data, "reason", required=False))


@bp.post("/cases/<reference>/notes")
@token_required
def case_note(reference: str):
    """Add an internal note `text`."""
    data = _payload()
    return _act(reference, actions.act_note, 201, text=_text(data, "text"))


@bp.post("/cases/<reference>/merge")
@token_required
def case_merge(reference: str):
    """Merge the case into `target` (a reference); answers with the target case."""
    data = _payload()
    return _act(reference, actions.act_merge, target=_text(data, "target"),
                message=_text(data, "message", required=False))
