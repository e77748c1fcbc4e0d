"""Files kept beside the database: photos sent by residents and agents, under GUICHET_MEDIA_DIR.

Every photo goes through `keep_photo`, whoever sends it (a resident's MMS, WhatsApp, Telegram or e-mail, an
agent's upload in the back office, the API or the command line): Pillow decodes it and writes its pixels
anew as JPEG, PNG or WebP. Its EXIF block (GPS, camera, owner's name) is dropped once its GPS tags are read;
anything that is not a JPEG, PNG, WebP or GIF image (SVG, HTML, PDF, HEIC, a program named .jpg) and any
image of more than `MAX_PIXELS` (a decompression bomb: a few hundred bytes that decode to gigabytes) is
refused with `NotAPhoto`. A GIF keeps its first frame, as PNG. So nothing under the media folder is other
than a plain picture, and nothing there can run in a browser.
"""

from __future__ import annotations

import hashlib
import io
import uuid
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from routing.photos import gps_of

# What Pillow may decode (nothing else is even tried), and what each is kept as.
DECODED = ("JPEG", "PNG", "WEBP", "GIF")
KEPT_AS = {"JPEG": "JPEG", "PNG": "PNG", "WEBP": "WEBP", "GIF": "PNG"}
CONTENT_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
EXTENSIONS = {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp"}
MAX_PIXELS = 50_000_000  # a 50-megapixel phone camera; a 30000x30000 PNG is 900 million
JPEG_QUALITY = 90


class NotAPhoto(ValueError):
    """Bytes Guichet does not keep as a photo; `reason` is one of REASONS' keys."""

    REASONS = {
        "format": "ce n'est pas une image JPEG, PNG, WebP ou GIF",
        "too_many_pixels": f"image de plus de {MAX_PIXELS // 1_000_000} millions de pixels",
        "broken": "image illisible ou tronquée",
    }

    def __init__(self, reason: str):
        super().__init__(self.REASONS[reason])
        self.reason = reason


@dataclass(frozen=True)
class CleanPhoto:
    """A photo as Guichet keeps it: re-encoded pixels, and the place its GPS tags gave, if any."""

    data: bytes
    content_type: str
    point: tuple[float, float] | None = None


@dataclass(frozen=True)
class KeptPhoto:
    """A photo written under the media folder."""

    path: Path
    content_type: str
    point: tuple[float, float] | None = None


def clean_photo(data: bytes) -> CleanPhoto:
    """The photo's pixels re-encoded, EXIF dropped after its GPS is read; NotAPhoto when it is not one we keep."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=DECODED) as image:
                if image.width * image.height > MAX_PIXELS:
                    raise NotAPhoto("too_many_pixels")
                source = image.format or "PNG"
                point = gps_of(image)
                upright = ImageOps.exif_transpose(image)  # the EXIF orientation goes with the EXIF: apply it
                upright.load()
        kept_as = KEPT_AS[source]
        return CleanPhoto(data=_encoded(upright, kept_as), content_type=CONTENT_TYPES[kept_as], point=point)
    except NotAPhoto:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as err:
        raise NotAPhoto("too_many_pixels") from err
    except UnidentifiedImageError as err:
        raise NotAPhoto("format") from err
    except (OSError, ValueError, SyntaxError, EOFError, KeyError) as err:  # what a broken file raises in Pillow
        raise NotAPhoto("broken") from err


def _encoded(image: Image.Image, kept_as: str) -> bytes:
    """The pixels alone, written anew: no EXIF, no comment, ICC profile or text chunk, no trailing bytes."""
    image = image.copy()
    # Pillow writes what `info` holds (a JPEG comment, an ICC profile) back into the file: only the palette's
    # transparency is part of the picture.
    image.info = {"transparency": image.info["transparency"]} if "transparency" in image.info else {}
    out = io.BytesIO()
    if kept_as == "JPEG":
        image.convert("RGB").save(out, format="JPEG", quality=JPEG_QUALITY)
    elif kept_as == "WEBP":
        mode = "RGBA" if "A" in image.mode or image.mode == "P" else "RGB"
        image.convert(mode).save(out, format="WEBP", quality=JPEG_QUALITY)
    else:
        if image.mode not in ("1", "L", "LA", "P", "RGB", "RGBA"):
            image = image.convert("RGBA")
        image.save(out, format="PNG")
    return out.getvalue()


def content_type_of(head: bytes) -> str | None:
    """The type of a file Guichet wrote, from its first bytes: JPEG, PNG or WebP, else None."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


def keep_photo(media_dir: Path, data: bytes, *, prefix: str) -> KeptPhoto:
    """Clean `data` (see `clean_photo`) and write it once under `media_dir/prefix`; NotAPhoto if it is not one."""
    return keep_clean(media_dir, clean_photo(data), prefix=prefix)


def keep_clean(media_dir: Path, photo: CleanPhoto, *, prefix: str) -> KeptPhoto:
    """Write a photo `clean_photo` gave once under `media_dir/prefix`."""
    path = _write(media_dir / prefix, photo.data, EXTENSIONS[photo.content_type])
    return KeptPhoto(path=path, content_type=photo.content_type, point=photo.point)


def public_copy(path: Path, make: Callable[[bytes], bytes]) -> Path:
    """The copy of a kept photo the public sees (`make` turns the original's bytes into it), made once."""
    copy = path.with_name(f"{path.stem}.public{path.suffix}")
    if not copy.exists():
        data = make(path.read_bytes())
        temporary = copy.with_suffix(f"{copy.suffix}.{uuid.uuid4().hex[:8]}.part")
        temporary.write_bytes(data)
        temporary.replace(copy)
    return copy


def _write(folder: Path, data: bytes, extension: str) -> Path:
    """Write `data` once under a name derived from its content; returns the path."""
    digest = hashlib.sha256(data).hexdigest()[:20]
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{digest}{extension}"
    if not path.exists():
        temporary = path.with_suffix(f"{path.suffix}.{uuid.uuid4().hex[:8]}.part")  # two workers may race
        temporary.write_bytes(data)
        temporary.replace(path)
    return path
