"""Communes and districts as polygons (config/territories.geojson), and which one holds a point."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from routing.places import Territory

TERRITORIES_FILE = "territories.geojson"


@dataclass(frozen=True)
class Commune:
    """A commune of the install, with its districts (possibly none)."""

    code: str
    name: str
    area: BaseGeometry
    districts: tuple[tuple[str, str, BaseGeometry], ...]  # (code, name, area)


class Territories:
    """The configured communes and districts; `locate` finds the one holding a point."""

    def __init__(self, communes: list[Commune]) -> None:
        self._communes = communes
        self._by_code = {commune.code: commune for commune in communes}

    @classmethod
    def load(cls, config_dir: Path | str) -> Territories:
        """Read territories.geojson: features with `code`, `name`, `kind` (commune or district), `commune`."""
        path = Path(config_dir) / TERRITORIES_FILE
        features = json.loads(path.read_text(encoding="utf-8"))["features"]
        districts: dict[str, list[tuple[str, str, BaseGeometry]]] = {}
        for feature in features:
            properties = feature["properties"]
            if properties["kind"] == "district":
                area = shape(feature["geometry"])
                shapely.prepare(area)
                districts.setdefault(properties["commune"], []).append((properties["code"], properties["name"], area))
        communes = []
        for feature in features:
            properties = feature["properties"]
            if properties["kind"] == "commune":
                area = shape(feature["geometry"])
                shapely.prepare(area)
                communes.append(Commune(
                    code=properties["code"],
                    name=properties["name"],
                    area=area,
                    districts=tuple(districts.pop(properties["code"], ())),
                ))
        if districts:
            raise ValueError(f"{path}: districts of unknown communes {sorted(districts)}; add those communes or fix `commune`.")
        return cls(communes)

    def communes(self) -> list[Commune]:
        """Every commune, in file order."""
        return list(self._communes)

    def commune(self, code: str) -> Commune:
        """The commune with this code (KeyError if unknown)."""
        return self._by_code[code]

    def locate(self, lat: float, lon: float) -> Territory | None:
        """The commune and district holding (lat, lon), or None outside every commune."""
        for commune in self._communes:
            if not shapely.intersects_xy(commune.area, lon, lat):
                continue
            for code, name, area in commune.districts:
                if shapely.intersects_xy(area, lon, lat):
                    return Territory(code, name, commune.code, commune.name, code, name)
            return Territory(commune.code, commune.name, commune.code, commune.name)
        return None
