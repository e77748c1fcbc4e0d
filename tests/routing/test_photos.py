"""GPS tags of a photo as a place."""

import io

from PIL import Image

from routing.photos import gps_from_photo


def jpeg_with_gps(lat: float, lon: float) -> bytes:
    def dms(value: float):
        value = abs(value)
        degrees = int(value)
        minutes = int((value - degrees) * 60)
        seconds = round(((value - degrees) * 60 - minutes) * 60, 4)
        return (degrees, minutes, seconds)

    image = Image.new("RGB", (8, 8), "grey")
    exif = Image.Exif()
    exif.get_ifd(0x8825).update({1: "N" if lat >= 0 else "S", 2: dms(lat), 3: "E" if lon >= 0 else "W", 4: dms(lon)})
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def test_a_geotagged_photo_gives_its_place():
    lat, lon = gps_from_photo(jpeg_with_gps(47.388, 0.6822))
    assert (round(lat, 4), round(lon, 4)) == (47.388, 0.6822)


def test_west_and_south_are_negative():
    lat, lon = gps_from_photo(jpeg_with_gps(-33.45, -70.66))
    assert (round(lat, 2), round(lon, 2)) == (-33.45, -70.66)


def test_a_photo_without_tags_or_not_a_photo_gives_none():
    plain = io.BytesIO()
    Image.new("RGB", (8, 8)).save(plain, format="PNG")
    assert gps_from_photo(plain.getvalue()) is None
    assert gps_from_photo(b"not an image") is None
