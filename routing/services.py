"""City services (config/services.yaml) and which one a case goes to."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from routing.places import Territory

SERVICES_FILE = "services.yaml"
FALLBACK_CATEGORY = "autre"


@dataclass(frozen=True)
class Service:
    """A city service: the categories it handles in the communes (and districts) it serves."""

    code: str
    name: str
    communes: tuple[str, ...]
    categories: tuple[str, ...]
    email: str | None = None
    districts: tuple[str, ...] = ()  # empty: every district of its communes

    def serves(self, category: str, territory: Territory) -> bool:
        """Whether a case of `category` in `territory` belongs here."""
        return (
            category in self.categories
            and territory.commune_code in self.communes
            and (not self.districts or territory.district_code in self.districts)
        )


class Services:
    """Every configured service; `route` picks the one for a category and a territory."""

    def __init__(self, services: list[Service]) -> None:
        self._services = services
        self._by_code = {service.code: service for service in services}
        if len(self._by_code) != len(services):
            raise ValueError(f"{SERVICES_FILE}: two services share a code; service codes must be unique.")

    @classmethod
    def load(cls, config_dir: Path | str) -> Services:
        """Read services.yaml; ValueError naming the file and the problem when it is malformed."""
        path = Path(config_dir) / SERVICES_FILE
        try:
            entries = (read_yaml(path) or {})["services"]
        except (KeyError, TypeError) as err:
            raise ValueError(f"{path} lists no `services:`; see config/README.md") from err
        services = []
        for number, entry in enumerate(entries, start=1):
            try:
                services.append(Service(
                    code=entry["code"],
                    name=entry["name"],
                    communes=tuple(entry["communes"]),
                    categories=tuple(entry["categories"]),
                    email=entry.get("email"),
                    districts=tuple(entry.get("districts", ())),
                ))
            except (KeyError, TypeError) as err:
                raise ValueError(f"{path}: service {number} needs a code, a name, its communes and categories "
                                 f"({err} is missing or malformed)") from err
        return cls(services)

    def all(self) -> list[Service]:
        """Every service, in file order."""
        return list(self._services)

    def get(self, code: str) -> Service:
        """The service with this code (KeyError if unknown)."""
        return self._by_code[code]

    def fallback(self, commune_code: str) -> Service | None:
        """The commune's service for `autre`, which takes what no other service takes."""
        return next(
            (s for s in self._services if FALLBACK_CATEGORY in s.categories and commune_code in s.communes), None
        )

    def route(self, category: str, territory: Territory) -> Service:
        """The service for a case of `category` in `territory`: a district service first, else the commune's."""
        serving = [service for service in self._services if service.serves(category, territory)]
        serving.sort(key=lambda service: not service.districts)
        if serving:
            return serving[0]
        fallback = self.fallback(territory.commune_code)
        if fallback is None:
            raise LookupError(f"no service takes '{FALLBACK_CATEGORY}' in {territory.commune_code}; add one to {SERVICES_FILE}.")
        return fallback


def read_yaml(path: Path) -> Any:
    """A file of the town's config as YAML; ValueError naming the file, and the line and column of a syntax error."""
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ValueError(f"{path} is not valid YAML{where}: {err.problem}; check the quotes and the indentation "
                         "there") from err
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as err:
        raise ValueError(f"cannot read {path}: {err}") from err
