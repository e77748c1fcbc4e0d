"""Build the binary fixtures: `photo_geotagged.eml`, an HTML-only mail with a small JPEG carrying GPS EXIF tags.

The photo points at 47.388 N, 0.6822 E (14 rue Victor Hugo, Valmont). Run it again after changing it:
`.venv/bin/python tests/channels/email/build_fixtures.py`. The people and addresses are invented.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from fractions import Fraction
from pathlib import Path

from PIL import Image

FIXTURES = Path(__file__).parent / "fixtures"
LAT, LON = 47.388, 0.6822
GPS_IFD = 0x8825


def _dms(value: float) -> tuple[Fraction, Fraction, Fraction]:
    degrees = int(value)
    minutes_float = (value - degrees) * 60
    minutes = int(minutes_float)
    seconds = Fraction(round((minutes_float - minutes) * 60 * 10000), 10000)
    return Fraction(degrees), Fraction(minutes), seconds


def geotagged_jpeg(lat: float = LAT, lon: float = LON) -> bytes:
    """A 64×48 JPEG whose EXIF GPS tags say (lat, lon)."""
    image = Image.new("RGB", (64, 48), (90, 90, 95))
    exif = Image.Exif()
    exif[0x010F] = "Fixture Camera"  # Make
    exif[GPS_IFD] = {
        1: "N" if lat >= 0 else "S",  # GPSLatitudeRef
        2: _dms(abs(lat)),  # GPSLatitude
        3: "E" if lon >= 0 else "W",  # GPSLongitudeRef
        4: _dms(abs(lon)),  # GPSLongitude
    }
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif, quality=70)
    return buffer.getvalue()


def photo_geotagged() -> bytes:
    mail = EmailMessage()
    mail["From"] = "Camille Martin <camille.martin@example.org>"
    mail["To"] = "guichet@valmont.example"
    mail["Subject"] = "Trou dans la chaussée"
    mail["Date"] = format_datetime(datetime(2026, 11, 3, 9, 41, tzinfo=UTC))
    mail["Message-ID"] = "<photo-7f3a2c@mail.example.org>"
    mail.set_content(
        "<html><body><div>Bonjour,</div><div>Il y a un gros nid de poule ici, voir la photo.</div>"
        "<div>Camille</div></body></html>",
        subtype="html",
    )
    mail.add_attachment(geotagged_jpeg(), maintype="image", subtype="jpeg", filename="IMG_2041.jpg")
    mail.set_boundary("=_guichet-fixture-photo")  # the same bytes on every build
    return mail.as_bytes(policy=SMTP)


if __name__ == "__main__":
    (FIXTURES / "photo_geotagged.eml").write_bytes(photo_geotagged())
    print("wrote", FIXTURES / "photo_geotagged.eml")
