"""A local Base Adresse Nationale and Nominatim, answering from the demo gazetteer, for tests and the demo.

Both speak the real wire format, so production code reaches them through geopy's own `BANFrance` and
`Nominatim` classes (`GUICHET_GEOCODER=ban` or `nominatim`, `GUICHET_GEOCODER_URL` = the stand-in's URL).
The two services share the path `/search`: Nominatim requests carry `format`, BAN requests never do.
Run it alone with `python -m routing.standins --port 8081`.
"""

from __future__ import annotations

import argparse
import json
import logging
import zlib
from pathlib import Path
from typing import Any

from flask import Flask, jsonify, request

from channels.standins.server import LocalServer
from routing.geocoders import GazetteerGeocoder, GazetteerHit
from routing.territories import TERRITORIES_FILE, Territories

logger = logging.getLogger(__name__)

CONFIG_DIR = Path(__file__).resolve().parent.parent / "config"
DEPARTMENT = ("Indre-et-Loire", "Centre-Val de Loire")  # where the demo territory lies
BAN_TYPES = {"address": "housenumber", "street": "street", "landmark": "locality"}
BAN_SCORES = {"housenumber": 0.97, "street": 0.89, "locality": 0.78}
OSM_LICENCE = "Data © OpenStreetMap contributors, ODbL 1.0. http://osm.org/copyright"


class GeocoderStandin(LocalServer):
    """BAN's and Nominatim's `/search` on 127.0.0.1, both answering from the gazetteer in `config_dir`."""

    name = "geocoder stand-in"

    def __init__(self, config_dir: Path | str = CONFIG_DIR, port: int = 0, host: str = "127.0.0.1") -> None:
        territories = Territories.load(config_dir)
        self.gazetteer = GazetteerGeocoder(config_dir, territories)
        features = json.loads((Path(config_dir) / TERRITORIES_FILE).read_text(encoding="utf-8"))["features"]
        self._communes = {f["properties"]["code"]: f["properties"] for f in features if f["properties"]["kind"] == "commune"}
        self._territories = territories
        super().__init__(host, port)
        self.queries: list[str] = []  # every `q` received, oldest first
        self.app = self._build_app()

    def _build_app(self) -> Flask:
        """The Flask app: `/search` (and BAN's `/search/`)."""
        app = Flask(__name__)

        @app.get("/search")
        @app.get("/search/")
        def search() -> Any:
            query = request.args.get("q", "").strip()
            if not query:
                if "format" in request.args:
                    return jsonify({"error": {"code": 400, "message": "Nothing to search for."}}), 400
                return jsonify({"code": 400, "message": "q: required and must not be empty"}), 400
            self.queries.append(query)
            hit = self.gazetteer.find(query)
            if "format" in request.args:
                return jsonify([self._nominatim_place(hit)] if hit else [])
            return jsonify(self._ban_collection(query, hit, int(request.args.get("limit", 5))))

        return app

    def _ban_collection(self, query: str, hit: GazetteerHit | None, limit: int) -> dict[str, Any]:
        """A BAN answer: a GeoJSON FeatureCollection of at most one feature."""
        features = [self._ban_feature(hit)] if hit else []
        return {
            "type": "FeatureCollection", "version": "draft", "features": features[:limit],
            "attribution": "BAN", "licence": "ETALAB-2.0", "query": query, "limit": limit,
        }

    def _ban_feature(self, hit: GazetteerHit) -> dict[str, Any]:
        """One BAN feature for a gazetteer hit."""
        commune = self._communes[hit.entry.commune]
        kind = BAN_TYPES[hit.place.precision] if hit.house_number or hit.entry.kind == "landmark" else "street"
        name = f"{hit.house_number} {hit.entry.name}" if hit.house_number else hit.entry.name
        properties = {
            "label": f"{name} {commune['postcode']} {commune['name']}",
            "score": BAN_SCORES[kind],
            "id": f"{commune['citycode']}_{zlib.crc32(hit.entry.name.encode()) % 10000:04d}",
            "name": name,
            "postcode": commune["postcode"],
            "citycode": commune["citycode"],
            "city": commune["name"],
            "context": f"{commune['postcode'][:2]}, {', '.join(DEPARTMENT)}",
            "type": kind,
            "importance": 0.5,
        }
        if hit.house_number:
            properties |= {"housenumber": hit.house_number, "street": hit.entry.name}
        return {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [round(hit.place.lon, 6), round(hit.place.lat, 6)]},
            "properties": properties,
        }

    def _nominatim_place(self, hit: GazetteerHit) -> dict[str, Any]:
        """One Nominatim `format=json` result for a gazetteer hit (coordinates as strings, as Nominatim does)."""
        commune = self._communes[hit.entry.commune]
        territory = self._territories.locate(hit.place.lat, hit.place.lon)
        district = [territory.district_name] if territory and territory.district_name else []
        if hit.house_number:
            osm_class, osm_type, addresstype, name = "place", "house", "place", ""
            head = [hit.house_number, hit.entry.name]
        elif hit.entry.kind == "landmark":
            osm_class, osm_type, addresstype, name = "amenity", "public_building", "amenity", hit.entry.name
            head = [hit.entry.name]
        else:
            osm_class, osm_type, addresstype, name = "highway", "residential", "road", hit.entry.name
            head = [hit.entry.name]
        parts = [*head, *district, commune["name"], *DEPARTMENT, "France métropolitaine", commune["postcode"], "France"]
        lat, lon = round(hit.place.lat, 7), round(hit.place.lon, 7)
        return {
            "place_id": zlib.crc32(hit.place.label.encode()),
            "licence": OSM_LICENCE,
            "osm_type": "node" if osm_class != "highway" else "way",
            "osm_id": zlib.crc32(hit.entry.name.encode()),
            "lat": str(lat),
            "lon": str(lon),
            "class": osm_class,
            "type": osm_type,
            "place_rank": 30 if osm_class != "highway" else 26,
            "importance": 0.1,
            "addresstype": addresstype,
            "name": name,
            "display_name": ", ".join(parts),
            "boundingbox": [f"{lat - 0.0001:.7f}", f"{lat + 0.0001:.7f}", f"{lon - 0.0001:.7f}", f"{lon + 0.0001:.7f}"],
        }


def main(argv: list[str] | None = None) -> None:
    """Run the stand-in in the foreground: `python -m routing.standins --port 8081`."""
    parser = argparse.ArgumentParser(description="A local BAN and Nominatim answering from the demo gazetteer.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--config-dir", type=Path, default=CONFIG_DIR)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    GeocoderStandin(args.config_dir, port=args.port, host=args.host).serve_in_foreground(
        "Geocoder stand-in (BAN and Nominatim)")


if __name__ == "__main__":
    main()
