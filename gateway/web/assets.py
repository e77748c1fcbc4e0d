"""Front-end files: the npm packages (Leaflet and leaflet.markercluster, Chart.js) served as they are under /static/vendor/, and the
town's identity from config/town.yaml (its logo, and its colours as CSS custom properties).

`make install` runs `npm ci --ignore-scripts`; without node_modules the pages still render, without map or charts.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, send_file, send_from_directory

from gateway.runtime import current_runtime
from gateway.settings import REPO

bp = Blueprint("assets", __name__)

# Only these folders of node_modules are served, each under its own name.
VENDORED = {
    "leaflet": REPO / "node_modules" / "leaflet" / "dist",
    "chartjs": REPO / "node_modules" / "chart.js" / "dist",
    "markercluster": REPO / "node_modules" / "leaflet.markercluster" / "dist",
}


@bp.get("/static/vendor/<package>/<path:filename>")
def vendor(package: str, filename: str):
    """A file of an npm package's dist folder, cached a day."""
    folder = VENDORED.get(package)
    if folder is None:
        abort(404)
    return send_from_directory(folder, filename, max_age=86400)


@bp.get("/static/town/logo")
def town_logo():
    """The town's logo (config/town.yaml `logo`), cached an hour."""
    identity = current_runtime().identity
    response = send_file(identity.logo, mimetype=identity.logo_type, max_age=3600)
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    return response


@bp.get("/static/town/colours.css")
def town_colours():
    """The town's colours as CSS custom properties, read by static/town/town.css."""
    colours = current_runtime().identity.colours
    css = f":root {{ --town-primary: {colours.primary}; --town-secondary: {colours.secondary}; }}\n"
    return Response(css, mimetype="text/css", headers={"Cache-Control": "public, max-age=3600"})
