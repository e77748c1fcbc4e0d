"""Files kept beside the database: photos sent by residents and agents, under GUICHET_MEDIA_DIR."""

from __future__ import annotations

import hashlib
import mimetypes
from pathlib import Path

EXTENSIONS = {"image/jpeg": ".jpg", "image/png": ".png", "image/gif": ".gif", "image/webp": ".webp"}


def keep(media_dir: Path, data: bytes, *, content_type: str | None, prefix: str) -> Path:
    """Write `data` once under a name derived from its content; returns the path."""
    digest = hashlib.sha256(data).hexdigest()[:20]
    extension = EXTENSIONS.get(content_type or "") or mimetypes.guess_extension(content_type or "") or ".bin"
    folder = media_dir / prefix
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{digest}{extension}"
    if not path.exists():
        temporary = path.with_suffix(path.suffix + ".part")
        temporary.write_bytes(data)
        temporary.replace(path)
    return path
