"""Front-end packages installed by npm (DSFR, Leaflet, Chart.js), served as they are under /static/vendor/.

`make install` runs `npm ci --ignore-scripts`; without node_modules the pages still render, unstyled.
"""

from __future__ import annotations

from flask import Blueprint, abort, send_from_directory

from gateway.settings import REPO

bp = Blueprint("assets", __name__)

# Only these folders of node_modules are served, each under its own name.
VENDORED = {
    "dsfr": REPO / "node_modules" / "@gouvfr" / "dsfr" / "dist",
    "leaflet": REPO / "node_modules" / "leaflet" / "dist",
    "chartjs": REPO / "node_modules" / "chart.js" / "dist",
}


@bp.get("/static/vendor/<package>/<path:filename>")
def vendor(package: str, filename: str):
    """A file of an npm package's dist folder, cached a day."""
    folder = VENDORED.get(package)
    if folder is None:
        abort(404)
    return send_from_directory(folder, filename, max_age=86400)
