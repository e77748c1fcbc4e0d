"""Outside bodies residents call themselves in an emergency (config/directory.yaml): GRDF for gas, Enedis..."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from routing.services import read_yaml

DIRECTORY_FILE = "directory.yaml"


@dataclass(frozen=True)
class Body:
    """An outside body, its number, and the emergencies and categories it covers."""

    name: str
    number: str
    emergencies: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    demo: bool = False  # a made-up number of the demo: a town replaces it


class Directory:
    """Every body of the directory; `for_report` picks those a report's resident should call."""

    def __init__(self, bodies: list[Body]):
        self.bodies = bodies

    @classmethod
    def load(cls, config_dir: Path, *, emergencies: set[str], categories: set[str]) -> Directory:
        """Read directory.yaml (none: an empty directory); ValueError naming the file and the problem."""
        path = Path(config_dir) / DIRECTORY_FILE
        if not path.exists():
            return cls([])
        entries = (read_yaml(path) or {}).get("bodies") or []
        bodies = []
        for number, entry in enumerate(entries, start=1):
            try:
                body = Body(name=str(entry["name"]), number=str(entry["number"]),
                            emergencies=tuple(entry.get("emergencies") or ()),
                            categories=tuple(entry.get("categories") or ()), demo=bool(entry.get("demo", False)))
            except (KeyError, TypeError, AttributeError) as err:
                raise ValueError(f"{path}: body {number} needs a `name` and a `number`") from err
            unknown = (set(body.emergencies) - emergencies) | (set(body.categories) - categories)
            if unknown:
                raise ValueError(f"{path}: body {body.name!r} names {', '.join(sorted(unknown))}, which "
                                 "catalogue.yaml does not know (emergency names or category codes)")
            bodies.append(body)
        return cls(bodies)

    def for_report(self, *, emergencies: tuple[str, ...], category: str | None) -> list[Body]:
        """The bodies covering one of `emergencies`, or the category of an urgent report."""
        return [body for body in self.bodies
                if set(body.emergencies) & set(emergencies) or (category and category in body.categories)]
