"""What the conversation engine learns from one message."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

INTENTS = ("report", "idea", "status", "help", "stop", "start", "erase", "greeting", "thanks", "other")
URGENCIES = ("normal", "high", "emergency")


@dataclass(frozen=True)
class Analysis:
    """The understood content of one resident message; every field is derived from the text alone."""

    intent: str = "other"  # one of INTENTS
    category: str | None = None  # a catalogue code, or None when nothing matched
    urgency: str = "normal"  # one of URGENCIES
    address: str | None = None  # the place as the resident wrote it ("14 rue Victor Hugo", "devant la mairie")
    commune: str | None = None  # the code of the commune the message names ("tours" for "à Tours", "37100")
    reference: str | None = None  # a valid case reference, normalised ("GU-4827-3918")
    mistyped_reference: str | None = None  # a reference-looking string whose check digit fails, as written
    language: str = "fr"  # "fr" or "en"
    confidence: float = 0.0  # 0..1, confidence in `category`
    emergency_numbers: tuple[str, ...] = field(default_factory=tuple)  # ("112", "18") for a gas smell
    emergencies: tuple[str, ...] = field(default_factory=tuple)  # their kinds, catalogue names: ("gas",)
    answer: str | None = None  # "yes" / "no" when the message is a bare yes or no, else None
    corrects: bool = False  # the message corrects the one before ("pardon je voulais dire impasse des Lilas")

    def to_json(self) -> dict:
        """The JSON object printed by `guichet analyze`."""
        data = asdict(self)
        data["emergency_numbers"] = list(self.emergency_numbers)
        data["emergencies"] = list(self.emergencies)
        return data
