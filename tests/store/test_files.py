"""Every kept photo is decoded and re-encoded: pixels only, EXIF dropped after its GPS is read, bombs refused."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from store.files import NotAPhoto, clean_photo, keep_photo
from tests.images import image_bytes, png_bomb, size_of
from tests.routing.test_photos import jpeg_with_gps


def test_a_geotagged_jpeg_gives_its_place_and_loses_its_exif():
    photo = clean_photo(jpeg_with_gps(47.388, 0.6822))

    assert (photo.content_type, round(photo.point[0], 4), round(photo.point[1], 4)) == ("image/jpeg", 47.388, 0.6822)
    with Image.open(io.BytesIO(photo.data)) as kept:
        assert (kept.format, kept.size, dict(kept.getexif()), kept.info.get("comment")) == ("JPEG", (8, 8), {}, None)


@pytest.mark.parametrize(("fmt", "kept_as"), [("JPEG", "JPEG"), ("PNG", "PNG"), ("WEBP", "WEBP"), ("GIF", "PNG")])
def test_jpeg_png_and_webp_stay_themselves_and_a_gif_becomes_a_png(fmt, kept_as):
    assert size_of(clean_photo(image_bytes(fmt, (30, 20))).data) == (kept_as, (30, 20))


def test_bytes_after_the_image_and_its_comments_are_not_kept():
    polyglot = image_bytes("JPEG", (16, 16), comment=b"<script>alert(1)</script>") + b"<html><script>alert(2)</script>"

    cleaned = clean_photo(polyglot).data

    assert b"script" not in cleaned


def test_an_upright_photo_is_turned_as_its_exif_said_before_the_exif_goes():
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to display"
    out = io.BytesIO()
    Image.new("RGB", (40, 20), "grey").save(out, format="JPEG", exif=exif)

    assert size_of(clean_photo(out.getvalue()).data) == ("JPEG", (20, 40))


@pytest.mark.parametrize(("data", "reason"), [
    (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "format"),
    (b"\0\0\0\0ftyp<svg><script>alert(1)</script></svg>", "format"),
    (b"<!doctype html><script>alert(1)</script>", "format"),
    (b"%PDF-1.7\n", "format"),
    (image_bytes("BMP"), "format"),
    (image_bytes("TIFF"), "format"),
    (image_bytes("JPEG", (64, 64))[:200], "broken"),
    (png_bomb(), "too_many_pixels"),
    (png_bomb(8000, 8000), "too_many_pixels"),  # 64 Mpx: under Pillow's own limit, over ours
    (b"", "format"),
])
def test_what_is_not_a_photo_we_keep_is_refused_with_its_reason(data, reason):
    with pytest.raises(NotAPhoto) as refused:
        clean_photo(data)
    assert refused.value.reason == reason


def test_a_photo_is_written_once_under_a_name_of_its_content(tmp_path):
    first = keep_photo(tmp_path, image_bytes("PNG"), prefix="inbound")
    again = keep_photo(tmp_path, image_bytes("PNG"), prefix="inbound")

    assert first.path == again.path and first.path.parent == tmp_path / "inbound" and first.path.suffix == ".png"
    assert [p.name for p in (tmp_path / "inbound").iterdir()] == [first.path.name]
