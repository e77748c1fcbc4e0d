"""What a location is once understood: a point with a readable label, and the territory holding it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Place:
    """A located point; `precision` says how exactly: "address", "street", "landmark" or "point" (GPS)."""

    lat: float
    lon: float
    label: str  # what the resident reads back: "14 Rue Victor Hugo, Valmont"
    precision: str


@dataclass(frozen=True)
class Territory:
    """The commune, and the district when the commune has districts, that contains a place."""

    code: str  # the most precise code: "valmont-centre", or "saint-aubin" for a commune without districts
    name: str  # the name of that code: "Centre", "Saint-Aubin-sur-Loire"
    commune_code: str
    commune_name: str
    district_code: str | None = None
    district_name: str | None = None

    @property
    def label(self) -> str:
        """The name shown to residents and agents: "Valmont - Centre" or "Saint-Aubin-sur-Loire"."""
        if self.district_name is None:
            return self.commune_name
        return f"{self.commune_name} - {self.district_name}"
