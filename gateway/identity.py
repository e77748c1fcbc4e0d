"""The town's identity (config/town.yaml): name, logo, colours, contact, and what its legal pages say.

Read once at start-up by the Runtime: a missing field, a logo file that is not there or a colour that white
text cannot be read on (WCAG 2.1's 4.5:1 for text) stops the process with one sentence naming the field.
"""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from routing.services import read_yaml

TOWN_FILE = "town.yaml"
TEXT_CONTRAST = 4.5  # WCAG 2.1, success criterion 1.4.3, for text of normal size
LOGO_TYPES = {".svg": "image/svg+xml", ".png": "image/png", ".webp": "image/webp", ".jpg": "image/jpeg",
              ".jpeg": "image/jpeg"}
_HEX = re.compile(r"#[0-9a-fA-F]{6}")


class _Part(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True, str_min_length=1)


class Colours(_Part):
    """The town's two colours, each carrying white text and readable as text on white."""

    primary: str
    secondary: str

    @field_validator("primary", "secondary")
    @classmethod
    def _readable(cls, value: str) -> str:
        if not _HEX.fullmatch(value):
            raise ValueError(f"{value!r} is not a colour written #rrggbb, e.g. '#1f4e79'")
        ratio = contrast(value, "#ffffff")
        if ratio < TEXT_CONTRAST:
            raise ValueError(f"{value} against white has a contrast of {ratio:.1f}:1, below the {TEXT_CONTRAST}:1 "
                             "WCAG asks of text; choose a darker colour, e.g. '#1f4e79'")
        return value.lower()


class Contact(_Part):
    """How residents reach the town hall itself."""

    phone: str
    email: str
    address: str


class Legal(_Part):
    """What the mentions légales name."""

    siret: str
    publication_director: str
    host: str

    @field_validator("siret")
    @classmethod
    def _fourteen_digits(cls, value: str) -> str:
        digits = value.replace(" ", "")
        if not (digits.isdigit() and len(digits) == 14):
            raise ValueError(f"{value!r} is not a SIRET: write its 14 digits, e.g. '21370000000017'")
        return digits


class Dpo(_Part):
    """The data protection officer residents may write to."""

    name: str
    email: str
    address: str


class Identity(_Part):
    """Everything the pages show of the town."""

    name: str
    logo: Path
    colours: Colours
    contact: Contact
    legal: Legal
    dpo: Dpo
    # The report the home page gives as an example: one of the town's own streets.
    example: str = "lampadaire éteint 12 rue Balzac"

    @property
    def logo_type(self) -> str:
        """The logo's media type."""
        return LOGO_TYPES[self.logo.suffix.lower()]


def load_identity(config_dir: Path) -> Identity:
    """The identity in `config_dir/town.yaml`; ValueError with one sentence naming the file and the field."""
    path = config_dir / TOWN_FILE
    if not path.exists():
        raise ValueError(f"{path} is missing: copy the shipped config/{TOWN_FILE} and write the town's name, logo, "
                         "colours and legal details in it")
    raw = read_yaml(path)
    try:
        identity = Identity.model_validate(raw if isinstance(raw, dict) else {})
    except ValidationError as err:
        first = err.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "the file"
        message = first["msg"].removeprefix("Value error, ")
        if first["type"] == "missing":
            message = "is missing"
        elif first["type"] == "string_too_short":
            message = "is empty: write it"
        raise ValueError(f"{path}: {field} {message}") from err
    logo = identity.logo if identity.logo.is_absolute() else config_dir / identity.logo
    if logo.suffix.lower() not in LOGO_TYPES or not logo.is_file():
        raise ValueError(f"{path}: logo {identity.logo} is not an SVG, PNG, WebP or JPEG file in {config_dir}; "
                         "write the path of the town's logo relative to that folder")
    return identity.model_copy(update={"logo": logo})


def contrast(first: str, second: str) -> float:
    """WCAG 2.1's contrast ratio of two #rrggbb colours (1 to 21)."""
    lighter, darker = sorted((luminance(first), luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def luminance(colour: str) -> float:
    """WCAG 2.1's relative luminance of a #rrggbb colour."""
    def channel(hex_pair: str) -> float:
        value = int(hex_pair, 16) / 255
        return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4

    red, green, blue = (channel(colour[i:i + 2]) for i in (1, 3, 5))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def spaced_phone(number: str) -> str:
    """A French number as residents write it: `+33247000000` → `02 47 00 00 00`; any other left as it is."""
    digits = number.replace(" ", "").replace(".", "")
    if digits.startswith("+33") and len(digits) == 12 and digits[3:].isdigit():
        digits = "0" + digits[3:]
    if len(digits) == 10 and digits.isdigit() and digits.startswith("0"):
        return " ".join(digits[i:i + 2] for i in range(0, 10, 2))
    return number
