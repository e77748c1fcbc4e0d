"""Real image bytes for tests: photos are decoded and re-encoded, so a test's photo must be a picture."""

from __future__ import annotations

import io

from PIL import Image


def image_bytes(fmt: str = "JPEG", size: tuple[int, int] = (64, 48), colour: str = "darkgrey", **options) -> bytes:
    """A plain picture of `size` in `fmt` (JPEG, PNG, WEBP, GIF)."""
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format=fmt, **options)
    return out.getvalue()


def size_of(data: bytes) -> tuple[str | None, tuple[int, int]]:
    """The format and size of image bytes."""
    with Image.open(io.BytesIO(data)) as image:
        return image.format, image.size
