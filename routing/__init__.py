"""Places, territories and services: where a report is and who handles it.

The conversation engine builds one `Router` per process and asks it `locate_text`, `locate_point` and
`service_for`; everything is loaded from the config directory once, at construction.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from routing.geocoders import GazetteerGeocoder, Geocoder
from routing.places import Place, Territory
from routing.services import Service, Services
from routing.territories import Territories

__all__ = ["Located", "Place", "Router", "Service", "Territory"]


@dataclass(frozen=True)
class Located:
    """A place and the territory holding it (None outside every configured commune)."""

    place: Place
    territory: Territory | None


class Router:
    """Finds where a report is and which service takes it, from the town's config."""

    def __init__(self, config_dir: Path | str, geocoder: Geocoder | None = None) -> None:
        self.territories = Territories.load(config_dir)
        self.services = Services.load(config_dir)
        if isinstance(geocoder, GazetteerGeocoder):
            self.gazetteer = geocoder
        else:
            self.gazetteer = GazetteerGeocoder(config_dir, self.territories)
        self.geocoder = geocoder or self.gazetteer
        missing = [c.code for c in self.territories.communes() if self.services.fallback(c.code) is None]
        if missing:
            raise ValueError(f"services.yaml: no service takes 'autre' in {', '.join(missing)}; add one (the accueil).")

    def locate_text(self, text: str) -> Located | None:
        """Where a typed address or landmark is, or None when it cannot be found.

        An online geocoder knows every address in France but not "devant la mairie": when it finds
        nothing inside the territory, the town's gazetteer gets a try.
        """
        place = self.geocoder.geocode(text)
        if self.geocoder is not self.gazetteer and (place is None or self._territory(place) is None):
            place = self.gazetteer.geocode(text) or place
        if place is None:
            return None
        return Located(place, self._territory(place))

    def locate_point(self, lat: float, lon: float, label: str | None = None) -> Located:
        """A shared position (GPS, photo tags), labelled by the nearest street unless `label` is given."""
        place = Place(lat, lon, label, "point") if label else self.gazetteer.nearest_street(lat, lon)
        return Located(place or Place(lat, lon, f"{lat:.5f}, {lon:.5f}", "point"), self.territories.locate(lat, lon))

    def service_for(self, category: str, territory: Territory | None) -> Service | None:
        """The service for a case of `category` in `territory`; None outside every territory."""
        return None if territory is None else self.services.route(category, territory)

    def _territory(self, place: Place) -> Territory | None:
        """The territory holding a place."""
        return self.territories.locate(place.lat, place.lon)
