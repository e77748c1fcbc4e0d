"""Who is called in an emergency: the outside bodies residents call themselves (config/directory.yaml: GRDF for
gas, Enedis...) and the town's on-call team that Guichet alerts (config/oncall.yaml, gateway/cases/oncall.py)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from routing.services import read_yaml
from store import contacts

DIRECTORY_FILE = "directory.yaml"
ONCALL_FILE = "oncall.yaml"
CHANNELS = ("sms", "email", "phone")


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


@dataclass(frozen=True)
class OnCallContact:
    """One person or desk of an on-call list."""

    name: str
    channel: str  # sms, email, phone
    address: str  # E.164 number, or e-mail address


class OnCallTeams:
    """The on-call list of each commune, and the default one."""

    def __init__(self, communes: dict[str, tuple[OnCallContact, ...]], default: tuple[OnCallContact, ...] = ()):
        self.communes, self.default = communes, default

    @classmethod
    def load(cls, config_dir: Path) -> OnCallTeams:
        """Read oncall.yaml (none: nobody is alerted); ValueError naming the file and the problem."""
        path = Path(config_dir) / ONCALL_FILE
        if not path.exists():
            return cls({})
        data = read_yaml(path) or {}
        if not isinstance(data, dict):
            raise ValueError(f"{path} should hold `default:` and `communes:`; see config/README.md")
        communes = {str(code): _contacts(path, str(code), entries)
                    for code, entries in (data.get("communes") or {}).items()}
        return cls(communes, _contacts(path, "default", data.get("default") or []))

    def team(self, commune: str | None) -> tuple[OnCallContact, ...]:
        """The ordered list alerted for a case of `commune` (unknown: the default list)."""
        return self.communes.get(commune or "") or self.default

    def addresses(self, channel: str) -> set[str]:
        """Every on-call address reachable on an inbound `channel` (sms: the sms and phone contacts)."""
        wanted = {"sms": ("sms", "phone"), "email": ("email",)}.get(channel, ())
        teams = [*self.communes.values(), self.default]
        return {contact.address for team in teams for contact in team if contact.channel in wanted}


def _contacts(path: Path, where: str, entries) -> tuple[OnCallContact, ...]:
    found = []
    for number, entry in enumerate(entries or [], start=1):
        try:
            name, channel, address = str(entry["name"]), str(entry["channel"]), str(entry["address"]).strip()
        except (KeyError, TypeError) as err:
            raise ValueError(f"{path}: contact {number} of {where} needs a `name`, a `channel` and an `address`") from err
        if channel not in CHANNELS:
            raise ValueError(f"{path}: contact {name!r} of {where} has channel {channel!r}; write one of "
                             f"{', '.join(CHANNELS)}")
        if channel == "email":
            if "@" not in address:
                raise ValueError(f"{path}: contact {name!r} of {where} needs an e-mail address, not {address!r}")
            address = address.lower()
        else:
            phone = contacts.normalise_phone(address)
            if phone is None:
                raise ValueError(f"{path}: contact {name!r} of {where} needs a phone number like +33612345678, "
                                 f"not {address!r}")
            address = phone
        found.append(OnCallContact(name, channel, address))
    return tuple(found)
