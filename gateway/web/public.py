"""The public pages: home, case tracking, the map of cases, statistics and the feed of resolved cases.

French first, in the town's own identity (config/town.yaml, static/town/town.css), nothing personal: every word a resident wrote goes
through `mask_personal` before it reaches a page, the GeoJSON, the statistics or the feed; residents'
own photos are never shown, only the photos an agent published with a status change.
The map and the charts read `/carte/cas.geojson` and `/statistiques.json`; the same data is also on
the page as a list and as tables, for screen readers and for browsers without JavaScript.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, overload
from xml.etree import ElementTree
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, jsonify, make_response, redirect, render_template, request, url_for
from werkzeug.exceptions import HTTPException

from channels.twilio_whatsapp import TwilioWhatsApp
from gateway.cases.flows import format_cost
from gateway.cases.photos import public_name
from gateway.cases.privacy import mask_personal, public_description
from gateway.identity import spaced_phone
from gateway.runtime import Runtime, current_runtime
from nlu.references import find_references
from store import cases as case_store
from store import public as queries
from store.clock import aware, utcnow
from store.db import key
from store.models import Case
from store.statuses import ON_MAP, OPEN, SOLVED, Kind, ProblemStatus

log = logging.getLogger(__name__)

bp = Blueprint("public", __name__)  # scripts and styles: the app's static folder, under static/public/

TILE_ATTRIBUTION = '&copy; <a href="https://www.openstreetmap.org/copyright">les contributeurs d’OpenStreetMap</a>'
FEED_ENTRIES = 50
ATOM = "http://www.w3.org/2005/Atom"
MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
          "novembre", "décembre")

# Characters XML 1.0 cannot carry, whatever the escaping: a resident's SMS may hold them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

# Status → badge of town.css, in the map's colours (red received, orange under way, green resolved).
BADGES = {"red": "badge--red", "orange": "badge--orange", "green": "badge--green"}
COLOUR_NAMES = {"red": "rouge", "orange": "orange", "green": "vert"}


def tile_url(rt: Runtime) -> str:
    """The map tiles' URL template (`GUICHET_TILE_URL`); the map works without them."""
    return rt.settings.tile_url


def resolved_days(rt: Runtime) -> int:
    """How many days a resolved case stays on the map (`GUICHET_MAP_RESOLVED_DAYS`)."""
    return rt.settings.map_resolved_days


# ---- words and dates -----------------------------------------------------------------------------------------


def status_text(rt: Runtime, status: str) -> str:
    """A status in the residents' words, capitalised."""
    label = rt.messages.text(f"status.{status}", "fr")
    return label[:1].upper() + label[1:]


def colour_of(status: str) -> str | None:
    """The map colour of a status (None for statuses the map does not show)."""
    return ON_MAP.get(status)


def badge_of(status: str) -> str:
    """The badge class of a status (town.css)."""
    return BADGES.get(colour_of(status) or "", "badge--grey")


@overload
def local(rt: Runtime, moment: datetime) -> datetime: ...
@overload
def local(rt: Runtime, moment: None) -> None: ...
def local(rt: Runtime, moment: datetime | None) -> datetime | None:
    """A stored moment in the town's time zone."""
    return aware(moment).astimezone(ZoneInfo(rt.settings.timezone)) if moment is not None else None


def french_date(rt: Runtime, moment: datetime | None, *, with_time: bool = False) -> str:
    """`12 mars 2026`, or `12 mars 2026 à 14 h 05`, in the town's time zone."""
    moment = local(rt, moment)
    if moment is None:
        return ""
    day = "1er" if moment.day == 1 else str(moment.day)
    text = f"{day} {MONTHS[moment.month - 1]} {moment.year}"
    return f"{text} à {moment.hour} h {moment.minute:02d}" if with_time else text


def public_address(case_address: str | None) -> str:
    """Where, as the public may read it."""
    return mask_personal(case_address) if case_address else "Lieu à préciser"


def place(address: str, commune: str) -> str:
    """Where, with its commune unless the address already names it."""
    return address if not commune or commune in address else f"{address}, {commune}"


def photo_url(photo: str | None) -> str | None:
    """Where the public sees a photo published on a timeline (served by the Open311 media route)."""
    if not photo:
        return None
    if photo.startswith(("http://", "https://")):
        return photo
    return url_for("open311.media", name=public_name(Path(current_runtime().settings.media_dir), photo))


def site_url(rt: Runtime) -> str:
    """The public address of the site, for links that leave it (the feed)."""
    return (rt.settings.public_url or request.host_url).rstrip("/")


def communes(rt: Runtime) -> list[tuple[str, str]]:
    """(code, name) of the install's communes."""
    return [(commune.code, commune.name) for commune in rt.router.territories.communes()]


def commune_name(rt: Runtime, code: str | None) -> str:
    """A commune's name from its code."""
    return dict(communes(rt)).get(code or "", "")


# ---- home -----------------------------------------------------------------------------------------------------


def channels_on_offer(rt: Runtime) -> list[dict[str, str]]:
    """How residents reach the town, channel by channel, for the home page."""
    settings = rt.settings
    channels = [
        {"name": "SMS", "how": f"Envoyez un SMS au {spaced_phone(settings.twilio_sms_from)}."},
        {"name": "Téléphone",
         "how": f"Appelez le {spaced_phone(settings.twilio_voice_from or settings.twilio_sms_from)}, 24 h sur 24."},
        {"name": "E-mail",
         "how": f"Écrivez à {settings.inbox}, avec une photo si vous le pouvez."},
    ]
    whatsapp = rt.channels.get("whatsapp")
    if settings.twilio_whatsapp_from and isinstance(whatsapp, TwilioWhatsApp):
        channels.insert(1, {"name": "WhatsApp",
                            "how": f"Écrivez au {spaced_phone(whatsapp.sender)} "
                                   "et partagez votre position."})
    if settings.telegram_bot_token:
        bot = settings.telegram_bot_name.removeprefix("@")
        channels.insert(2, {"name": "Telegram", "bot": bot,
                            "how": f"Écrivez à @{bot} et partagez votre position." if bot else
                                   "Écrivez au robot de la mairie et partagez votre position."})
    return channels


def home():
    """The public home page: how to reach the town on each channel, tracking, the latest problems, and what
    residents' ideas made happen ("grâce à vous")."""
    rt = current_runtime()
    with rt.db.session() as session:
        shown = [_summary(rt, c) for c in queries.latest(session, limit=10)]
        thanks = queries.participation(session)
    return render_template("home.html", cases=shown, channels=channels_on_offer(rt), thanks=thanks)



@bp.app_errorhandler(404)
def page_not_found(error):
    """An address that leads nowhere: the town's page in French (JSON for the API and Open311, text for webhooks)."""
    if request.path.startswith(("/api/", "/open311/")):
        return jsonify(error="not found", description="no such resource"), 404
    if request.path.startswith("/webhooks/"):
        return "not found\n", 404, {"Content-Type": "text/plain; charset=utf-8"}
    return render_template("public/page_not_found.html"), 404

# What a person reads for the other errors a browser can meet, in the town's layout and in French.
HTTP_ERRORS = {
    400: ("Demande illisible", "La page n'a pas pu lire ce qui a été envoyé (des caractères de contrôle ou invalides, "
                               "ou un formulaire incomplet). Retirez-les, puis réessayez."),
    405: ("Action impossible ici", "Cette adresse ne reçoit pas ce type de demande. Revenez à la page précédente."),
    413: ("Envoi trop volumineux", "Ce qui a été envoyé dépasse la taille acceptée. Réduisez-le, puis réessayez."),
}


@bp.app_errorhandler(400)
@bp.app_errorhandler(405)
@bp.app_errorhandler(413)
def http_error(error: HTTPException):
    """A request the site cannot take: the town's page in French (JSON for the API and Open311, text for webhooks)."""
    code = error.code or 400
    # An app's handler for a code comes before a blueprint's for every HTTP error: the API and Open311 answer in
    # their own format through theirs (as for 429, gateway/web/limits.py).
    from gateway.web import api, open311

    own_format = {"api": api._http_error, "open311": open311._http_error}
    if request.blueprint in own_format:
        return own_format[request.blueprint](error)
    if request.path.startswith(("/api/", "/open311/")):
        return jsonify(error=error.name.lower(), description=error.description), code
    if request.path.startswith("/webhooks/"):
        return f"{error.name.lower()}\n", code, {"Content-Type": "text/plain; charset=utf-8"}
    title, text = HTTP_ERRORS[code]
    if code == 400 and error.description and error.description.startswith("La "):
        text = error.description  # a sentence of ours (gateway/web/guard.py), already French
    response = make_response(render_template("public/http_error.html", title=title, text=text), code)
    allowed = getattr(error, "valid_methods", None)  # a MethodNotAllowed says which methods the address takes
    if code == 405 and allowed:
        response.headers["Allow"] = ", ".join(allowed)
    return response


@bp.record_once
def _home_at_root(state) -> None:
    # The home page keeps the app-level endpoint `home` that the layout (base.html) links to.
    state.app.add_url_rule("/", "home", home)


def _summary(rt: Runtime, case: Case) -> dict[str, Any]:
    return {
        "reference": case.reference,
        "category": rt.category_label(case.category),
        "address": public_address(case.address),
        "status": status_text(rt, case.status),
        "badge": badge_of(case.status),
        "date": french_date(rt, case.created_at),
    }


# ---- tracking -------------------------------------------------------------------------------------------------


@bp.get("/suivi")
def tracking_form():
    """The tracking form's target: on to the case's page, or back home when nothing was typed."""
    written = (request.args.get("reference") or "").strip()
    if not written:
        return redirect(url_for("home") + "#suivre")
    return redirect(url_for("public.tracking", reference=written))


@bp.get("/suivi/<path:reference>")
def tracking(reference: str):
    """A case's tracking page: status, public timeline, resolution photos, how many people back it."""
    rt = current_runtime()
    prefix = rt.reference_prefix
    found = find_references(reference.strip(), prefix)
    if not found or found[0].written.replace(" ", "") != reference.strip().replace(" ", ""):
        return render_template("public/not_found.html", written=reference, mistyped=False), 404
    match = found[0]
    if not match.valid:
        return render_template("public/not_found.html", written=reference, mistyped=True), 404
    if match.reference != reference:
        return redirect(url_for("public.tracking", reference=match.reference), 301)
    with rt.db.session() as session:
        case = case_store.by_reference(session, match.reference)
        if case is None:
            return render_template("public/not_found.html", written=reference, mistyped=False), 404
        if case.kind == Kind.IDEA:  # an idea has its own page, in idea words (gateway/web/ideas.py)
            return redirect(url_for("ideas.idea_page", reference=case.reference))
        events = queries.public_timeline(session, key(case))
        people = queries.people_on(session, key(case))
        merged_into = queries.reference_of(session, case.merged_into_id)
    timeline = [
        {
            "date": french_date(rt, event.created_at, with_time=True),
            "iso": local(rt, event.created_at).isoformat(timespec="minutes"),
            "status": status_text(rt, event.status_to) if event.status_to else None,
            "created": event.kind == "created",
            "badge": badge_of(event.status_to or ""),
            "message": mask_personal(event.message) if event.message else None,
            "photo": photo_url(event.photo) if event.status_to in SOLVED else None,
        }
        for event in events
    ]
    shown = {
        **_summary(rt, case),
        "kind": case.kind,
        "description": public_description(case.description, case.urgency),
        "service": rt.service_name(case.service),
        "place": place(public_address(case.address), commune_name(rt, case.territory)),
        # an emergency is promised no delay, here either: the on-call team has it (SPEC)
        "due": french_date(rt, case.due_at) if case.status in OPEN and not case.expected_on
        and case.urgency != "emergency" else None,
        "expected": (f"{'1er' if case.expected_on.day == 1 else case.expected_on.day} "
                     f"{MONTHS[case.expected_on.month - 1]} {case.expected_on.year}")
        if case.expected_on and case.status in OPEN else None,
        "cost": format_cost(case.cost_cents) if case.cost_cents is not None else None,
        "resolved": french_date(rt, case.resolved_at) if case.status in SOLVED else None,
        "merged_into": merged_into,
        "colour": colour_of(case.status),
    }
    photos = [item["photo"] for item in timeline if item["photo"]]
    return render_template("public/tracking.html", case=shown, timeline=timeline, people=people, photos=photos)


# ---- map ------------------------------------------------------------------------------------------------------


def _map_filters() -> dict[str, str | None]:
    return {key: (request.args.get(key) or "").strip() or None for key in ("categorie", "statut", "commune")}


def _map_cases(rt: Runtime) -> list[dict[str, Any]]:
    filters = _map_filters()
    since = utcnow() - timedelta(days=resolved_days(rt))
    with rt.db.session() as session:
        rows = queries.map_cases(session, resolved_since=since, category=filters["categorie"],
                                 status=filters["statut"], territory=filters["commune"])
    return [
        {
            "reference": row.reference,
            "url": url_for("public.tracking", reference=row.reference),
            "status": row.status,
            "status_label": status_text(rt, row.status),
            "colour": colour_of(row.status),
            "colour_name": COLOUR_NAMES[colour_of(row.status) or ""],  # rows on the map have a map colour
            "badge": badge_of(row.status),
            "category": row.category,
            "category_label": rt.category_label(row.category),
            "description": public_description(row.description, row.urgency),
            "address": public_address(row.address),
            "place": place(public_address(row.address), commune_name(rt, row.territory)),
            "date": french_date(rt, row.created_at),
            "created_at": local(rt, row.created_at).isoformat(timespec="seconds"),
            "resolved_at": local(rt, row.resolved_at).isoformat(timespec="seconds") if row.resolved_at else None,
            "people": row.people,
            "lat": row.lat,
            "lon": row.lon,
        }
        for row in rows
    ]


@bp.get("/carte")
def map_page():
    """The map of open cases (and recently resolved ones) coloured by progress, with filters and as a list."""
    # shapely comes with the router's outlines: loaded by the first map, not by every web worker
    from shapely.geometry import mapping

    rt = current_runtime()
    cases = _map_cases(rt)
    outlines = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {"name": commune.name}, "geometry": mapping(commune.area)}
            for commune in rt.router.territories.communes()
        ],
    }
    statuses = [(status, status_text(rt, status)) for status in ON_MAP if status in set(ProblemStatus)]  # no idea
    categories = sorted(((code, rt.category_label(code)) for code in rt.catalogue.categories),
                        key=lambda item: item[1])
    return render_template(
        "public/map.html", cases=cases, filters=_map_filters(), statuses=statuses, categories=categories,
        communes=communes(rt), outlines=outlines, tile_url=tile_url(rt), tile_attribution=TILE_ATTRIBUTION,
        resolved_days=resolved_days(rt), geojson_url=url_for("public.map_geojson", **request.args),
    )


@bp.get("/carte/cas.geojson")
def map_geojson():
    """The map's cases as GeoJSON, with the same filters as the page (`categorie`, `statut`, `commune`)."""
    rt = current_runtime()
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [case.pop("lon"), case.pop("lat")]},
            "properties": case,
        }
        for case in _map_cases(rt)
    ]
    response = jsonify({"type": "FeatureCollection", "features": features})
    response.content_type = "application/geo+json"
    return response


# ---- statistics -----------------------------------------------------------------------------------------------


def statistics(rt: Runtime) -> dict[str, Any]:
    """Cases by category and status, and per service the median time to resolution and the share on time."""
    with rt.db.session() as session:
        pairs = queries.counts_by_category_and_status(session)
        delays = queries.delays_by_service(session)
    statuses = [s for s in (*ON_MAP, ProblemStatus.REJECTED) if any(p[1] == s for p in pairs)]
    statuses += sorted({p[1] for p in pairs} - set(statuses))
    by_category: dict[str, dict[str, int]] = {}
    for category, status, count in pairs:
        by_category.setdefault(category, {})[status] = count
    categories = sorted(by_category, key=lambda code: (-sum(by_category[code].values()), rt.category_label(code)))
    services = [
        {
            "service": d.service,
            "name": rt.service_name(d.service) if d.service else "Sans service",
            "resolved": d.resolved,
            "median_days": round(d.median_days, 1) if d.median_days is not None else None,
            "with_delay": d.with_delay,
            "within_delay": d.within_delay,
            "within_delay_share": round(d.within_delay / d.with_delay, 3) if d.with_delay else None,
        }
        for d in sorted(delays, key=lambda d: rt.service_name(d.service) if d.service else "")
    ]
    total = sum(count for _, _, count in pairs)
    solved = sum(count for _, status, count in pairs if status in SOLVED)
    with_delay = sum(d.with_delay for d in delays)
    within = sum(d.within_delay for d in delays)
    return {
        "statuses": [{"status": s, "label": status_text(rt, s), "colour": colour_of(s)} for s in statuses],
        "by_category": [
            {"category": code, "label": rt.category_label(code), "counts": {s: by_category[code].get(s, 0)
                                                                          for s in statuses},
             "total": sum(by_category[code].values())}
            for code in categories
        ],
        "by_status": [{"status": s, "label": status_text(rt, s),
                       "count": sum(count for _, status, count in pairs if status == s)} for s in statuses],
        "by_service": services,
        "totals": {
            "cases": total,
            "open": sum(count for _, status, count in pairs if status in OPEN),
            "resolved": solved,
            "within_delay_share": round(within / with_delay, 3) if with_delay else None,
        },
    }


@bp.get("/statistiques")
def statistics_page():
    """Statistics as charts, each also given as a table."""
    return render_template("public/statistics.html", stats=statistics(current_runtime()))


@bp.get("/statistiques.json")
def statistics_json():
    """The statistics the charts draw."""
    return jsonify(statistics(current_runtime()))


# ---- feed -----------------------------------------------------------------------------------------------------


@bp.get("/flux/resolus.atom")
def resolved_feed():
    """An Atom 1.0 feed of the latest resolved cases."""
    rt = current_runtime()
    site = site_url(rt)
    with rt.db.session() as session:
        entries = queries.resolved_feed(session, limit=FEED_ENTRIES)
    ElementTree.register_namespace("", ATOM)

    def child(parent, tag, text=None, **attributes):
        element = ElementTree.SubElement(parent, f"{{{ATOM}}}{tag}", attributes)
        element.text = _NOT_XML.sub("", text) if text else text
        return element

    feed = ElementTree.Element(f"{{{ATOM}}}feed", {"{http://www.w3.org/XML/1998/namespace}lang": "fr"})
    child(feed, "id", f"{site}{url_for('public.resolved_feed')}")
    child(feed, "title", f"{rt.town_name} – signalements résolus")
    child(feed, "subtitle", "Les derniers problèmes résolus par les services de la ville.")
    newest = entries[0][0].resolved_at if entries else None
    child(feed, "updated", _atom_date(rt, newest or utcnow()))
    child(feed, "link", rel="self", type="application/atom+xml", href=f"{site}{url_for('public.resolved_feed')}")
    child(feed, "link", rel="alternate", type="text/html", href=f"{site}{url_for('public.map_page')}")
    author = child(feed, "author")
    child(author, "name", rt.town_name)
    child(feed, "generator", "Guichet")
    for case, event in entries:
        entry = child(feed, "entry")
        link = f"{site}{url_for('public.tracking', reference=case.reference)}"
        child(entry, "id", link)
        child(entry, "title", f"{case.reference} – {rt.category_label(case.category)}, {public_address(case.address)}")
        child(entry, "updated", _atom_date(rt, case.resolved_at))
        child(entry, "published", _atom_date(rt, case.created_at))
        child(entry, "link", rel="alternate", type="text/html", href=link)
        child(entry, "category", term=case.category, label=rt.category_label(case.category))
        summary = f"{status_text(rt, case.status)} le {french_date(rt, case.resolved_at)}. " \
                  f"Signalement : {public_description(case.description, case.urgency)}"
        if event is not None and event.message:
            summary += f" Réponse du service : {mask_personal(event.message)}"
        child(entry, "summary", summary, type="text")
    body = '<?xml version="1.0" encoding="utf-8"?>\n' + ElementTree.tostring(feed, encoding="unicode")
    return Response(body, content_type="application/atom+xml; charset=utf-8")


def _atom_date(rt: Runtime, moment: datetime) -> str:
    return local(rt, moment).isoformat(timespec="seconds")
