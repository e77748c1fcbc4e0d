"""Real image bytes for tests: photos are decoded and re-encoded, so a test's photo must be a picture."""

from __future__ import annotations

import io
import struct
import zlib

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


def png_bomb(width: int = 30000, height: int = 30000) -> bytes:
    """A PNG whose header says `width` x `height` (900 million pixels by default) in a few hundred bytes: its
    first rows only, as a decompression bomb is sent (the size is read from the header before any pixel)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = zlib.compress(b"\0" * ((width + 7) // 8 + 1) * 8, 9)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0))
            + chunk(b"IDAT", rows) + chunk(b"IEND", b""))
