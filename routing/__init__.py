"""Places, territories and services: where a report is and who handles it.

The conversation engine builds one `Router` per process and asks it `locate_text`, `locate_point` and
`service_for`; everything is loaded from the config directory once, at construction.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from nlu.communes import Commune, CommuneList, load_communes
from routing.distance import haversine_m
from routing.places import Place, Territory
from routing.services import Service, Services

if TYPE_CHECKING:  # geopy, shapely and numpy load with the first Router, not with the web process's imports
    from routing.geocoders import Geocoder

__all__ = ["Commune", "Located", "Place", "Router", "Service", "Territory"]


@dataclass(frozen=True)
class Located:
    """A place and the territory holding it (None outside every configured commune).

    Outside, `commune` is the one in charge when it is known: named by the resident ("à Tours"), or the
    nearest of communes.yaml (`near`: said "près de Tours", since a position only comes close to a centre).
    """

    place: Place
    territory: Territory | None
    commune: Commune | None = None
    near: bool = False


class Router:
    """Finds where a report is and which service takes it, from the town's config."""

    def __init__(self, config_dir: Path | str, geocoder: Geocoder | None = None, *,
                 fallback: Geocoder | None = None) -> None:
        from routing.geocoders import GazetteerGeocoder
        from routing.territories import Territories

        self.territories = Territories.load(config_dir)
        self.communes: CommuneList = load_communes(config_dir)
        # Asked when the geocoder finds nothing (GUICHET_GEOCODER_FALLBACK=ban): the BAN knows every address.
        self.fallback = fallback
        self.services = Services.load(config_dir)
        if isinstance(geocoder, GazetteerGeocoder):
            self.gazetteer = geocoder
        else:
            self.gazetteer = GazetteerGeocoder(config_dir, self.territories)
        self.geocoder = geocoder or self.gazetteer
        missing = [c.code for c in self.territories.communes() if self.services.fallback(c.code) is None]
        if missing:
            raise ValueError(f"services.yaml: no service takes 'autre' in {', '.join(missing)}; add one (the accueil).")

    def locate_text(self, text: str, *, commune: str | None = None) -> Located | None:
        """Where a typed address or landmark is, or None when it cannot be found.

        `commune` is the code of the commune the message names (nlu's `Analysis.commune`): one Guichet does
        not serve places the report there, whatever streets of ours share the name ("rue Nationale à Tours");
        one it serves is preferred among the gazetteer's answers ("la mairie de Saint-Aubin").
        An online geocoder knows every address in France but not "devant la mairie": when it finds
        nothing inside the territory, the town's gazetteer gets a try; when the gazetteer finds nothing, the
        fallback (the BAN) does.
        """
        outside = self.outside_commune(commune)
        if outside is not None:
            return outside
        named = self.communes.get(commune)
        name = named.name if named else None
        place = self.geocoder.geocode(text, commune=name)
        if self.geocoder is not self.gazetteer and (place is None or self._territory(place) is None):
            place = self.gazetteer.geocode(text, commune=name) or place
        if place is None and self.fallback is not None:
            place = self.fallback.geocode(text, commune=name)
        if place is None:
            return None
        return self._located(place)

    def locate_point(self, lat: float, lon: float, label: str | None = None) -> Located:
        """A shared position (GPS, photo tags), labelled by the nearest street unless `label` is given."""
        place = Place(lat, lon, label, "point") if label else self.gazetteer.nearest_street(lat, lon)
        return self._located(place or Place(lat, lon, f"{lat:.5f}, {lon:.5f}", "point"))

    def outside_commune(self, code: str | None) -> Located | None:
        """The answer for a report in a commune Guichet does not serve, named by its code; None for ours."""
        commune = self.communes.get(code)
        if commune is None or commune.served:
            return None
        lat, lon = (commune.lat, commune.lon) if commune.lat is not None and commune.lon is not None else (0.0, 0.0)
        return Located(Place(lat, lon, commune.name, "point"), None, commune)

    def nearest_commune(self, lat: float, lon: float) -> Commune | None:
        """The commune of communes.yaml whose town hall is nearest (lat, lon), within its `nearest_km`.

        A commune whose town hall lies inside our territories (real Tours under the demo's invented Valmont)
        is never the nearest: a position outside is not in it.
        """
        best, best_m = None, self.communes.nearest_km * 1000
        for commune in self.communes.communes:
            if commune.served or commune.lat is None or commune.lon is None:
                continue
            metres = haversine_m(lat, lon, commune.lat, commune.lon)
            if metres <= best_m and self.territories.locate(commune.lat, commune.lon) is None:
                best, best_m = commune, metres
        return best

    def _located(self, place: Place) -> Located:
        territory = self._territory(place)
        if territory is not None:
            return Located(place, territory)
        nearest = self.nearest_commune(place.lat, place.lon)
        return Located(place, None, nearest, near=nearest is not None)

    def service_for(self, category: str, territory: Territory | None) -> Service | None:
        """The service for a case of `category` in `territory`; None outside every territory."""
        return None if territory is None else self.services.route(category, territory)

    def _territory(self, place: Place) -> Territory | None:
        """The territory holding a place."""
        return self.territories.locate(place.lat, place.lon)
