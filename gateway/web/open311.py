"""Open311 GeoReport v2 under /open311/v2/: other systems read and file cases (SPEC "The web").

Resources take a format suffix (`services.xml`, `requests/GU-4827-3916.json`). JSON is derived from the
XML as the spec's "Spark convention" says: the root element is dropped and repeated children become an
array. Identifiers are strings, dates carry the town's UTC offset, errors are `<errors><error>` (or
`[{"code", "description"}]`) with the HTTP status the spec names: 404 not found, 403 bad `api_key`,
400 anything else. Residents' text is masked (gateway/cases/privacy.py) before it leaves.

Services are the catalogue's categories; requests are cases (`service_request_id` is the reference).
Services are `realtime`: POST answers the reference at once, and a reference is also its own token.
The mySociety `servicerequestupdates` extension (GET) lists the public timeline events.

Ideas (SPEC "Ideas and participation") are requests too, kept apart by an extension argument and field:
GET `requests` and `servicerequestupdates` list problems only unless `kind=idea` (ideas only) or `kind=all`
is asked; a request asked by its `service_request_id` is given whatever its kind. Every request carries
`kind` (`problem` or `idea`); an idea's `service_code` is its theme (a catalogue category), its Open311
`status` is `open` until it is decided against (`no_go`) or realised (`done`), and it adds `idea_status`
(received, under_study, go, no_go, in_progress, done), `supports`, `referent` (the référent's name, public)
and `progress` (per cent); `status_notes` holds the official answer: reasons, cost and execution period.
"""

from __future__ import annotations

import hmac
import json
import logging
import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from xml.etree import ElementTree
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, request, send_file
from werkzeug.exceptions import HTTPException

from gateway.cases.flows import Intake, delay_text, format_cost, open_or_join
from gateway.cases.photos import public_name, public_photo, published_path, written_paths
from gateway.cases.privacy import mask_personal, public_description
from gateway.errors import Forbidden, GuichetError, Invalid, NotFound
from gateway.ideas import similar
from gateway.runtime import Runtime, current_runtime
from gateway.web.security import as_file
from store import cases as case_store
from store import contacts
from store import ideas as idea_store
from store import open311 as queries
from store.clock import utcnow
from store.db import key
from store.files import NotAPhoto
from store.models import Case, CaseEvent
from store.statuses import OPEN, TRANSITIONS, IdeaStatus, Kind, ProblemStatus

log = logging.getLogger(__name__)

bp = Blueprint("open311", __name__, url_prefix="/open311/v2")

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
FORMATS = {"xml": "text/xml; charset=utf-8", "json": "application/json; charset=utf-8"}
MAX_DESCRIPTION = 4000
WINDOW = timedelta(days=90)  # the spec's default range for GET requests, and its maximum
DEFAULT_LIMIT = 1000  # "90 days or the first 1,000 requests, whichever is smaller"
DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE = 50, 200
CHANNEL = "open311"
KEYWORDS_SHOWN = 8

# XML element of each item in a list, by the list's name (the JSON arrays).
ITEM_TAGS = {
    "services": "service",
    "service_requests": "request",
    "service_request_updates": "request_update",
    "errors": "error",
    "endpoints": "endpoint",
    "formats": "format",
    "attributes": "attribute",
    "values": "value",
}

# mySociety's extended status of each of our statuses, for servicerequestupdates.
EXTENDED_STATUS: dict[str, str] = {
    ProblemStatus.RECEIVED: "open",
    ProblemStatus.VALIDATED: "action_scheduled",
    ProblemStatus.IN_PROGRESS: "in_progress",
    ProblemStatus.RESOLVED: "fixed",
    ProblemStatus.REJECTED: "no_further_action",
    ProblemStatus.DUPLICATE: "duplicate",
    IdeaStatus.UNDER_STUDY: "investigating",
    IdeaStatus.GO: "planned",
    IdeaStatus.NO_GO: "no_further_action",
    IdeaStatus.DONE: "fixed",
}

# The `kind` extension argument: which cases a listing holds (problems only when it is not given).
KINDS: dict[str, list[str] | None] = {"problem": [Kind.PROBLEM], "idea": [Kind.IDEA], "all": None}

_HTML = re.compile(r"<\s*/?\s*[A-Za-z!][^>]*>")
# Characters XML 1.0 cannot carry, whatever escaping: a resident's SMS may hold them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


# ---- rendering -----------------------------------------------------------------------------------------------


def render(fmt: str, root: str, payload: Any, status: int = 200) -> Response:
    """`payload` as the spec's XML under `root`, or as its JSON form."""
    if fmt == "json":
        body = json.dumps(payload, ensure_ascii=False)
    else:
        element = _element(root, payload)
        body = '<?xml version="1.0" encoding="utf-8"?>\n' + ElementTree.tostring(element, encoding="unicode")
    return Response(body, status=status, content_type=FORMATS[fmt])


def _element(tag: str, value: Any) -> ElementTree.Element:
    element = ElementTree.Element(tag)
    if isinstance(value, dict):
        for key, child in value.items():
            element.append(_element(key, child))
    elif isinstance(value, list):
        for child in value:
            element.append(_element(ITEM_TAGS[tag], child))
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = _NOT_XML.sub("", str(value))
    return element


def error(fmt: str, status: int, description: str) -> Response:
    """The spec's error body with its HTTP status."""
    return render(fmt, "errors", [{"code": status, "description": description}], status)


def _format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise NotFound(f"Unknown format {fmt!r}: use .xml or .json.")
    return fmt


def _refusal(status: int, description: str) -> Response:
    """The spec's error list in the request's format, with the status it names: 403, 404, 429, else 400."""
    fmt = (request.view_args or {}).get("fmt")
    return error(fmt if fmt in FORMATS else "xml", status if status in (403, 404, 429) else 400, description)


@bp.errorhandler(GuichetError)
def _refused(err: GuichetError) -> Response:
    return _refusal(err.status, str(err))


@bp.errorhandler(HTTPException)
def _http_error(err: HTTPException) -> Response:
    return _refusal(err.code or 400, err.description or err.name)


@bp.errorhandler(500)
def _unexpected(err: HTTPException) -> Response:
    # What no handler claims (Flask has logged it): the spec's "CRM is down" is a 400 with a description the
    # client shows to its user. A database outage is the app's 503 with Retry-After (gateway/app.py).
    return _refusal(400, "Le service est momentanément indisponible. Réessayez plus tard.")


# ---- arguments -----------------------------------------------------------------------------------------------


def _argument(name: str, source=None) -> str | None:
    """An argument, an empty one counting as absent (the spec says so)."""
    value = (source if source is not None else request.args).get(name, "").strip()
    return value or None


EARLIEST_DATE, LATEST_DATE = datetime(1970, 1, 1), datetime(2999, 12, 31)  # as written, before its offset


def _list_argument(name: str) -> list[str] | None:
    value = _argument(name)
    return [part.strip() for part in value.split(",") if part.strip()] if value else None


def _datetime_argument(name: str, zone: ZoneInfo) -> datetime | None:
    value = _argument(name)
    if value is None:
        return None
    try:
        # An unencoded "+02:00" in a query string arrives as " 02:00".
        parsed = datetime.fromisoformat(re.sub(r" (\d{2}:?\d{2})$", r"+\1", value.replace("Z", "+00:00")))
    except ValueError as err:
        raise Invalid(f"{name} must be a W3C date-time such as 2024-05-01T08:00:00+02:00.") from err
    parsed = parsed if parsed.tzinfo else parsed.replace(tzinfo=zone)  # no zone given: the town's time
    # Years 1 and 9999 overflow once moved to UTC or widened by the 90-day window: no case is ever there,
    # so dates far from today are refused as written (a day's margin either side covers any UTC offset).
    local = parsed.replace(tzinfo=None)
    if not EARLIEST_DATE <= local <= LATEST_DATE:
        raise Invalid(f"{name} must lie between {EARLIEST_DATE:%Y} and {LATEST_DATE:%Y}.")
    return parsed


def _window(zone: ZoneInfo) -> tuple[datetime, datetime]:
    """`start_date` and `end_date`, defaulting to the most recent 90 days, never more than 90 days apart."""
    start, end = _datetime_argument("start_date", zone), _datetime_argument("end_date", zone)
    if start is None:
        end = end or utcnow()
        start = end - WINDOW
    elif end is None:
        end = start + WINDOW
    if end < start:
        raise Invalid("end_date is before start_date.")
    if end - start > WINDOW:
        raise Invalid("The range between start_date and end_date may not exceed 90 days.")
    return start, end


def _paging() -> tuple[int, int]:
    """Offset and limit: `page` and `page_size` (50 by default, at most 200), else the spec's 1,000."""
    page, size = _argument("page"), _argument("page_size")
    if page is None and size is None:
        return 0, DEFAULT_LIMIT
    try:
        number = int(page or 1)
        size_value = int(size or DEFAULT_PAGE_SIZE)
    except ValueError as err:
        raise Invalid("page and page_size must be whole numbers.") from err
    if number < 1 or size_value < 1:
        raise Invalid("page and page_size start at 1.")
    size_value = min(size_value, MAX_PAGE_SIZE)
    return (number - 1) * size_value, size_value


def _api_keys(rt: Runtime) -> list[str]:
    """The keys allowed to file requests: `GUICHET_OPEN311_API_KEYS`, comma-separated."""
    return [key.strip() for key in rt.settings.open311_api_keys.split(",") if key.strip()]


def _check_api_key(rt: Runtime, given: str | None) -> None:
    """403 unless `given` is one of the configured keys; with no key configured, nobody may post."""
    if not given or not any(hmac.compare_digest(given.encode(), key.encode()) for key in _api_keys(rt)):
        raise Forbidden("Invalid api_key received -- can't proceed with create_request.")


# ---- what the resources say ----------------------------------------------------------------------------------


def _when(rt: Runtime, moment: datetime | None) -> str | None:
    """A W3C date-time in the town's time zone, with its offset."""
    if moment is None:
        return None
    return moment.astimezone(ZoneInfo(rt.settings.timezone)).isoformat(timespec="seconds")


def _public_text(text: str | None) -> str:
    return mask_personal(text or "")[:MAX_DESCRIPTION]


def _media_url(rt: Runtime, photo: str | None) -> str | None:
    """A photo's public address: as published when it is a URL, else served by this API."""
    if not photo:
        return None
    if photo.startswith(("http://", "https://")):
        return photo
    return f"{rt.settings.public_url}{bp.url_prefix}/media/{public_name(Path(rt.settings.media_dir), photo)}"


def _service_group(rt: Runtime, code: str) -> str:
    """The name of the first service (in services.yaml order) that takes a category: how the town groups them."""
    return next((s.name for s in rt.router.services.all() if code in s.categories), "")


def service_entry(rt: Runtime, category) -> dict[str, Any]:
    label = category.label.get("fr") or category.code
    return {
        "service_code": category.code,
        "service_name": label,
        "description": f"{label}. Délai de traitement prévu : {delay_text(rt, category.code, 'fr')}.",
        "metadata": False,
        "type": "realtime",
        "keywords": ", ".join(category.keywords.get("fr", ())[:KEYWORDS_SHOWN]),
        "group": _service_group(rt, category.code),
    }


def _status_notes(rt: Runtime, case: Case, event: CaseEvent | None) -> str:
    label = rt.messages.text(f"status.{case.status}", "fr")
    notes = label[:1].upper() + label[1:] + "."
    if event is not None and event.message and event.status_to == case.status:
        notes += " " + _public_text(event.message)
    return notes[:MAX_DESCRIPTION]


def _idea_notes(rt: Runtime, case: Case, event: CaseEvent | None) -> str:
    """An idea's status in idea words, then its official answer: reasons, cost, execution period."""
    label = rt.messages.text(f"ideas.web.status.{case.status}", "fr")
    if label.startswith("ideas."):
        label = rt.messages.text(f"status.{case.status}", "fr")
    notes = [label[:1].upper() + label[1:] + "."]
    if case.decision_reasons and case.status in (IdeaStatus.GO, IdeaStatus.NO_GO, IdeaStatus.IN_PROGRESS,
                                                 IdeaStatus.DONE):
        notes.append(_public_text(case.decision_reasons))
        if case.cost_cents is not None:
            notes.append(f"Coût prévu : {format_cost(case.cost_cents)}.")
        if case.period_start and case.period_end:
            notes.append(f"Réalisation du {case.period_start:%d/%m/%Y} au {case.period_end:%d/%m/%Y}.")
        elif case.period_start or case.period_end:
            notes.append(f"Réalisation {'à partir du' if case.period_start else 'avant le'} "
                         f"{(case.period_start or case.period_end):%d/%m/%Y}.")
    elif event is not None and event.message and event.status_to == case.status:
        notes.append(_public_text(event.message))
    return " ".join(notes)[:MAX_DESCRIPTION]


def _day(rt: Runtime, day) -> str | None:
    """A day as a W3C date-time at midnight in the town's time zone."""
    if day is None:
        return None
    return datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(rt.settings.timezone)).isoformat(timespec="seconds")


def idea_entry(rt: Runtime, case: Case, event: CaseEvent | None, photo: str | None, *, supports: int,
               referent: str | None) -> dict[str, Any]:
    """An idea as a request, with the extension fields (module docstring)."""
    entry = request_entry(rt, case, event, photo)
    under_study = case.status in (IdeaStatus.RECEIVED, IdeaStatus.UNDER_STUDY)
    entry.update({
        "status_notes": _idea_notes(rt, case, event),
        "service_notice": (f"Décision attendue le {case.decision_due_on:%d/%m/%Y}." if case.decision_due_on
                           else "Idée étudiée par un référent de la mairie.") if under_study else None,
        "expected_datetime": _day(rt, case.decision_due_on) if under_study else _day(rt, case.period_end),
        "idea_status": case.status,
        "supports": supports,
        "referent": referent,
        "progress": case.progress,
    })
    return entry


def request_entry(rt: Runtime, case: Case, event: CaseEvent | None, photo: str | None) -> dict[str, Any]:
    closed = case.status not in OPEN
    return {
        "service_request_id": case.reference,
        "kind": case.kind,
        "status": "closed" if closed else "open",
        "status_notes": _status_notes(rt, case, event),
        "service_name": rt.category_label(case.category),
        "service_code": case.category,
        "description": (similar.public_text(case.description)[:MAX_DESCRIPTION] if case.kind == "idea"
                        else public_description(case.description, case.urgency)[:MAX_DESCRIPTION]),
        "agency_responsible": rt.service_name(case.service) if case.service else None,
        # an emergency is promised no delay (SPEC): the on-call team has it
        "service_notice": ("Urgence transmise à l'équipe d'astreinte." if case.urgency == "emergency"
                           else f"Délai de traitement prévu : {delay_text(rt, case.category, 'fr')}."),
        "requested_datetime": _when(rt, case.created_at),
        "updated_datetime": _when(rt, case.updated_at),  # the last status change: for a closed case, its closing
        "expected_datetime": None if case.urgency == "emergency" else _when(rt, case.due_at),
        "address": mask_personal(case.address) if case.address else None,  # a client's address_string is free text
        "address_id": None,
        "zipcode": None,
        "lat": case.lat,
        "long": case.lon,
        "media_url": _media_url(rt, photo),
    }


def _request_entries(rt: Runtime, session, cases: list[Case]) -> list[dict[str, Any]]:
    ids = [key(case) for case in cases]
    events = queries.last_public_events(session, ids)
    photos = queries.resolution_photos(session, ids)
    ideas = [case for case in cases if case.kind == Kind.IDEA]
    supports = idea_store.support_counts(session, [key(case) for case in ideas])
    referents = queries.names_of_agents(session, sorted({c.referent_id for c in ideas if c.referent_id is not None}))
    return [
        idea_entry(rt, case, events.get(key(case)), photos.get(key(case)), supports=supports.get(key(case), 0),
                   referent=referents.get(case.referent_id or 0))
        if case.kind == Kind.IDEA else request_entry(rt, case, events.get(key(case)), photos.get(key(case)))
        for case in cases
    ]


def _kinds() -> list[str] | None:
    """The kinds of case a listing holds: the `kind` extension argument, problems only by default."""
    asked = _argument("kind") or "problem"
    if asked not in KINDS:
        raise Invalid("kind must be problem, idea or all.")
    return KINDS[asked]


# ---- resources -----------------------------------------------------------------------------------------------


@bp.get("/discovery.<fmt>")
def discovery(fmt: str) -> Response:
    """Where the endpoint is, in which formats, and how to get a key."""
    fmt, rt = _format(fmt), current_runtime()
    config = Path(rt.settings.config_dir)
    changed = max((p.stat().st_mtime for p in config.glob("*.yaml")), default=0.0)
    changeset = datetime.fromtimestamp(changed, ZoneInfo(rt.settings.timezone)).strftime("%Y-%m-%d %H:%M")
    return render(fmt, "discovery", {
        "changeset": changeset,
        "contact": rt.settings.inbox,
        "key_service": f"Demandez une clé d'API à {rt.settings.inbox}.",
        "endpoints": [{
            "specification": SPECIFICATION,
            "url": f"{rt.settings.public_url}{bp.url_prefix}",
            "changeset": changeset,
            "type": "production",
            "formats": ["text/xml", "application/json"],
        }],
    })


@bp.get("/services.<fmt>")
def services(fmt: str) -> Response:
    """The catalogue's categories."""
    fmt, rt = _format(fmt), current_runtime()
    return render(fmt, "services", [service_entry(rt, c) for c in rt.catalogue.categories.values()])


@bp.get("/services/<code>.<fmt>")
def service_definition(code: str, fmt: str) -> Response:
    """A category's extra questions: none (every service has `metadata` false)."""
    fmt, rt = _format(fmt), current_runtime()
    if code not in rt.catalogue.categories:
        raise NotFound(f"Unknown service_code {code!r}.")
    return render(fmt, "service_definition", {"service_code": code, "attributes": []})


@bp.get("/requests.<fmt>")
def requests_list(fmt: str) -> Response:
    """Cases, filtered as GeoReport says, newest first, paged; problems only unless `kind` asks for ideas."""
    fmt, rt = _format(fmt), current_runtime()
    zone = ZoneInfo(rt.settings.timezone)
    offset, limit = _paging()
    references = _list_argument("service_request_id")
    filters: dict[str, Any] = {}
    if references is None:
        statuses = _list_argument("status")
        unknown = set(statuses or ()) - {"open", "closed"}
        if unknown:
            raise Invalid("status must be open, closed, or both separated by a comma.")
        start, end = _window(zone)
        filters = {"categories": _list_argument("service_code"), "statuses": _internal_statuses(statuses),
                   "start": start, "end": end, "kinds": _kinds()}
    with rt.db.session() as session:
        cases = queries.requests_page(session, references=references, offset=offset, limit=limit, **filters)
        entries = _request_entries(rt, session, cases)
    return render(fmt, "service_requests", entries)


def _internal_statuses(statuses: list[str] | None) -> list[str] | None:
    """Our statuses behind `open` and `closed`; None for both."""
    if not statuses or set(statuses) == {"open", "closed"}:
        return None
    every = {status for kind in TRANSITIONS.values() for status in kind}
    if set(statuses) == {"open"}:
        return sorted(OPEN)
    return sorted(every - set(OPEN))


@bp.get("/requests/<service_request_id>.<fmt>")
def request_one(service_request_id: str, fmt: str) -> Response:
    """One case, in a list of one."""
    fmt, rt = _format(fmt), current_runtime()
    with rt.db.session() as session:
        case = case_store.by_reference(session, service_request_id)
        if case is None:
            raise NotFound(f"No service request {service_request_id}.")
        entries = _request_entries(rt, session, [case])
    return render(fmt, "service_requests", entries)


@bp.get("/tokens/<token>.<fmt>")
def token(token: str, fmt: str) -> Response:
    """The request a token stands for; services are realtime, so a token is the request's own id."""
    fmt, rt = _format(fmt), current_runtime()
    with rt.db.session() as session:
        case = case_store.by_reference(session, token)
    if case is None:
        raise NotFound(f"No token {token}.")
    return render(fmt, "service_requests", [{"service_request_id": case.reference, "token": token}])


@bp.post("/requests.<fmt>")
def request_create(fmt: str) -> Response:
    """File a case for an app or another system: api_key, service_code, a place, a description."""
    fmt, rt = _format(fmt), current_runtime()
    form = request.form
    _check_api_key(rt, _argument("api_key", form))
    code = _argument("service_code", form)
    if code is None:
        raise Invalid("service_code is required.")
    category = rt.catalogue.categories.get(code)
    if category is None:
        raise NotFound(f"Unknown service_code {code!r}.")
    description = _argument("description", form) or ""
    if len(description) > MAX_DESCRIPTION:
        raise Invalid(f"description is longer than {MAX_DESCRIPTION} characters.")
    if _HTML.search(description):
        raise Invalid("description may not contain HTML.")
    located = _locate(rt, form)
    intake = Intake(kind="problem", category=code, urgency=category.urgency, description=description,
                    address=located.place.label, located=located)
    with rt.db.session() as session:
        identity = contacts.identity_for(session, channel=CHANNEL, address=_reporter_address(form),
                                         gateway_address=None, name=_reporter_name(form))
        # No channel adapter answers on open311: the client reads updates through this API.
        contacts.stop(session, identity, "open311: updates are read through the API")
        result = open_or_join(rt, session, identity, intake)
        reference = result.case.reference
    log.info("open311 request filed", extra={"case": reference, "channel": CHANNEL, "joined": result.joined})
    notice = f"Délai de traitement prévu : {delay_text(rt, code, 'fr')}."
    if result.joined:
        notice = f"Ce problème était déjà signalé ({reference}) : votre demande s'y ajoute. " + notice
    return render(fmt, "service_requests", [{"service_request_id": reference, "service_notice": notice,
                                             "account_id": None}])


def _locate(rt: Runtime, form):
    """The place of a posted request: `lat` and `long`, else `address_string`; it must be in a territory."""
    lat, lon, address = _argument("lat", form), _argument("long", form), _argument("address_string", form)
    if lat is not None or lon is not None:
        try:
            point = float(lat or ""), float(lon or "")
        except ValueError as err:
            raise Invalid("lat and long must both be given, as WGS84 decimal degrees.") from err
        if not (-90 <= point[0] <= 90 and -180 <= point[1] <= 180):
            raise Invalid("lat and long are not WGS84 decimal degrees.")
        located = rt.router.locate_point(*point, label=address)
    elif address is not None:
        located = rt.router.locate_text(address)
        if located is None:
            raise Invalid(f"The address {address!r} cannot be found; send lat and long.")
    elif _argument("address_id", form):
        raise Invalid("address_id is not supported here; send lat and long, or address_string.")
    else:
        raise Invalid("A location is required: lat and long, or address_string.")
    if located.territory is None:
        communes = " et ".join(c.name for c in rt.router.territories.communes())
        raise Invalid(f"This location is outside the territory served ({communes}); "
                                "please contact the town in charge of it.")
    return located


def _reporter_address(form) -> str:
    """Who files: their e-mail, else their phone, else their device (or nobody in particular)."""
    email, phone = _argument("email", form), _argument("phone", form)
    if email:
        return email.lower()
    if phone:
        return contacts.normalise_phone(phone) or phone
    return f"anonymous:{_argument('device_id', form) or ''}"


def _reporter_name(form) -> str | None:
    name = " ".join(filter(None, (_argument("first_name", form), _argument("last_name", form))))
    return name or None


@bp.get("/servicerequestupdates.<fmt>")
def request_updates(fmt: str) -> Response:
    """mySociety's extension: public status changes between `start_date` and `end_date` (problems unless `kind`)."""
    fmt, rt = _format(fmt), current_runtime()
    start, end = _window(ZoneInfo(rt.settings.timezone))
    offset, limit = _paging()
    kinds = _kinds()
    with rt.db.session() as session:
        updates = queries.public_updates(session, start=start, end=end, offset=offset, limit=limit, kinds=kinds)
    return render(fmt, "service_request_updates", [
        {
            "update_id": str(event.id),
            "service_request_id": reference,
            "status": EXTENDED_STATUS.get(event.status_to or "", "open"),
            "updated_datetime": _when(rt, event.created_at),
            "description": _public_text(event.message),
            "media_url": _media_url(rt, event.photo) or "",
        }
        for event, reference in updates
    ])


@bp.get("/media/<path:name>")
def media(name: str) -> Response:
    """A photo published on a case's timeline (a resolution photo), faces and plates blurred; nothing else."""
    rt = current_runtime()
    media_dir = Path(rt.settings.media_dir)
    path = published_path(media_dir, name)
    with rt.db.session() as session:
        published = path is not None and queries.is_public_photo(session, written_paths(media_dir, name))
    if path is None or not published:
        raise NotFound("No such photo.")
    try:
        copy, content_type = public_photo(path)
    except NotAPhoto as err:
        raise NotFound("No such photo.") from err
    # Absolute: Flask reads a relative path from the package, not from where GUICHET_MEDIA_DIR was meant.
    return as_file(send_file(copy.absolute(), max_age=3600), content_type=content_type, name=Path(name).stem)


@bp.route("/<path:unknown>", methods=["GET", "POST"])
def not_found(unknown: str) -> Response:
    """Anything else under /open311/v2/: the spec's 404."""
    fmt = unknown.rsplit(".", 1)[-1] if "." in unknown else "xml"
    return error(fmt if fmt in FORMATS else "xml", 404, f"No resource {unknown}.")
