"""What the conversation engine learns from one message."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

INTENTS = ("report", "idea", "status", "help", "stop", "other")  # SPEC's six, the contract of `intent`
# What the engine tells apart within them (`act`): START and an erasure request are of the STOP family (the words
# about being written to at all, as carriers keep STOP and START together); a greeting or thanks alone is other.
ACTS = {"start": "stop", "erase": "stop", "greeting": "other", "thanks": "other"}
URGENCIES = ("normal", "high", "emergency")


@dataclass(frozen=True)
class Analysis:
    """The understood content of one resident message; every field is derived from the text alone."""

    intent: str = "other"  # one of INTENTS (built with one of ACTS, it keeps that in `act`)
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
    act: str | None = None  # the finer label within `intent`: start, erase (stop); greeting, thanks (other)

    def __post_init__(self) -> None:
        if self.intent in ACTS:
            object.__setattr__(self, "act", self.intent)
            object.__setattr__(self, "intent", ACTS[self.intent])

    @property
    def said(self) -> str:
        """What the engine acts on: the finer label when there is one, else the intent."""
        return self.act or self.intent

    def to_json(self) -> dict:
        """The JSON object printed by `guichet analyze`."""
        data = asdict(self)
        data["emergency_numbers"] = list(self.emergency_numbers)
        data["emergencies"] = list(self.emergencies)
        return data
