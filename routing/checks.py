"""`guichet config check`: the town's catalogue, services, territories and gazetteer read together, one
sentence per problem. Errors stop a start-up or make it route wrongly; notes are worth a look."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import shapely

from routing.geocoders import load_gazetteer
from routing.services import FALLBACK_CATEGORY, SERVICES_FILE, Services
from routing.territories import TERRITORIES_FILE, Territories


@dataclass
class Findings:
    """What the check found."""

    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def check_routing(config_dir: Path, categories: list[str]) -> Findings:
    """Territories, services and the gazetteer against each other and against the catalogue's `categories`."""
    found = Findings()
    try:
        territories = Territories.load(config_dir)
    except (OSError, ValueError, KeyError, TypeError) as err:
        found.errors.append(f"{TERRITORIES_FILE}: {err}")
        return found
    try:
        services = Services.load(config_dir)
    except ValueError as err:
        found.errors.append(str(err))
        return found
    communes = {commune.code: commune for commune in territories.communes()}
    districts = {code: commune.code for commune in communes.values() for code, _, _ in commune.districts}
    known_categories = set(categories) | {FALLBACK_CATEGORY}
    for service in services.all():
        for commune in service.communes:
            if commune not in communes:
                found.errors.append(f"{SERVICES_FILE}: service {service.code} serves commune {commune!r}, which "
                                    f"{TERRITORIES_FILE} does not have (known: {', '.join(sorted(communes))})")
        for district in service.districts:
            if district not in districts:
                found.errors.append(f"{SERVICES_FILE}: service {service.code} names district {district!r}, which "
                                    f"{TERRITORIES_FILE} does not have")
            elif districts[district] not in service.communes:
                found.errors.append(f"{SERVICES_FILE}: service {service.code} names district {district!r} of "
                                    f"{districts[district]}, which is not among its communes")
        for category in service.categories:
            if category not in known_categories:
                found.errors.append(f"{SERVICES_FILE}: service {service.code} takes category {category!r}, which "
                                    f"catalogue.yaml does not define")
    for code in communes:
        fallback = services.fallback(code)
        if fallback is None:
            found.errors.append(f"{SERVICES_FILE}: no service takes '{FALLBACK_CATEGORY}' in {code}; add one (the "
                                "accueil), which receives whatever no other service takes")
            continue
        for category in categories:
            if category != FALLBACK_CATEGORY and not any(category in s.categories and code in s.communes
                                                         for s in services.all()):
                found.notes.append(f"{code}: category {category} has no service of its own and goes to "
                                   f"{fallback.code}")
    _check_gazetteer(config_dir, communes, districts, found)
    return found


def _check_gazetteer(config_dir: Path, communes: dict, districts: dict[str, str], found: Findings) -> None:
    try:
        entries = load_gazetteer(config_dir)
    except (OSError, ValueError, KeyError) as err:
        found.errors.append(f"gazetteer.csv cannot be read: {err}")
        return
    outside: dict[str, int] = {}
    for number, entry in enumerate(entries, start=2):
        if entry.commune not in communes:
            found.errors.append(f"gazetteer.csv line {number}: {entry.name} is in commune {entry.commune!r}, which "
                                f"{TERRITORIES_FILE} does not have")
            continue
        if entry.district and districts.get(entry.district) != entry.commune:
            found.errors.append(f"gazetteer.csv line {number}: {entry.name} names district {entry.district!r}, "
                                f"which is not a district of {entry.commune}")
        if not shapely.intersects_xy(communes[entry.commune].area, entry.start[1], entry.start[0]):
            outside[entry.commune] = outside.get(entry.commune, 0) + 1
    for commune, count in outside.items():
        found.notes.append(f"gazetteer.csv: {count} place(s) of {commune} start outside its boundary (a street "
                           "along the limit, or a wrong commune)")
