"""Where a photo was taken, from its GPS EXIF tags (a phone's camera writes them; WhatsApp strips them)."""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any

from PIL import Image, UnidentifiedImageError

GPS_IFD = 0x8825
LATITUDE_REF, LATITUDE, LONGITUDE_REF, LONGITUDE = 1, 2, 3, 4


def gps_from_photo(data: bytes) -> tuple[float, float] | None:
    """The (lat, lon) a photo carries in its EXIF GPS tags, or None."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            return gps_of(image)
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        return None


def gps_of(image: Image.Image) -> tuple[float, float] | None:
    """The (lat, lon) of an opened image's EXIF GPS tags, or None."""
    try:
        return point_of_tags(image.getexif().get_ifd(GPS_IFD))
    except (OSError, ValueError, SyntaxError):  # a broken EXIF block is no place
        return None


def point_of_tags(gps: Mapping[int, Any]) -> tuple[float, float] | None:
    """The (lat, lon) of EXIF GPS tags, or None when they do not make a place on Earth."""
    try:
        lat = _degrees(gps[LATITUDE]) * (-1 if gps.get(LATITUDE_REF) in ("S", b"S") else 1)
        lon = _degrees(gps[LONGITUDE]) * (-1 if gps.get(LONGITUDE_REF) in ("W", b"W") else 1)
    except (KeyError, TypeError, ValueError, ZeroDivisionError):
        return None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180) or (lat == 0 and lon == 0):  # NaN fails both
        return None
    return lat, lon


def _degrees(value) -> float:
    degrees, minutes, seconds = (float(part) for part in value)
    return degrees + minutes / 60 + seconds / 3600
