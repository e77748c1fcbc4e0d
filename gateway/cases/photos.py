"""The public copy of a photo: what the tracking page, the Open311 `media_url` and every public page show.

Agents see the original behind login; the public sees a copy in which every face OpenCV's Haar cascades find
(frontal and profile) is blurred, and every licence plate the plate cascade finds too. The copy is made once,
beside the original (`files.public_copy`), the first time the public asks for it.
"""

from __future__ import annotations

import threading
from functools import cache
from pathlib import Path
from typing import Any

from store import files

# (cascade file, scale factor, neighbours, smallest box in pixels): plates are wide, faces square.
CASCADES = (
    ("haarcascade_frontalface_default.xml", 1.1, 5, (24, 24)),
    ("haarcascade_profileface.xml", 1.1, 5, (24, 24)),
    ("haarcascade_russian_plate_number.xml", 1.1, 4, (40, 12)),
)
MARGIN = 0.15  # of a box's size, blurred around it too: hair, chin, a plate's frame
_lock = threading.Lock()  # a CascadeClassifier is not safe to share between threads


def public_photo(path: Path) -> tuple[Path, str]:
    """The public copy of the kept photo at `path` (made on first use) and its content type; NotAPhoto when the
    file is not a photo (a file kept before photos were cleaned, say)."""
    copy = files.public_copy(path, lambda data: blur_people(files.clean_photo(data).data))
    with copy.open("rb") as head:
        content_type = files.content_type_of(head.read(16))
    if content_type is None:
        raise files.NotAPhoto("format")
    return copy, content_type


def public_name(media_dir: Path, photo: str) -> str:
    """How a published photo is named in its public address: its path under the media folder (`agent/…`),
    whether the photo's path or the folder's setting was written relative or absolute."""
    path = Path(photo)
    for inside, folder in ((path, media_dir), (path.absolute(), media_dir.absolute()),
                           (path.resolve(), media_dir.resolve())):
        try:
            return inside.relative_to(folder).as_posix()
        except ValueError:
            continue
    return path.name


def written_paths(media_dir: Path, name: str) -> list[str]:
    """The ways the timeline may hold the path of the photo a public address names: as the media folder's
    setting is written, made absolute, and with links resolved."""
    path = media_dir / name
    return sorted({str(path), str(path.absolute()), str(path.resolve())})


def published_path(media_dir: Path, name: str) -> Path | None:
    """The kept photo a public address names, if it lies under the media folder (None for a name no file
    system takes: too long, a NUL)."""
    path = media_dir / name
    try:
        if ".." in Path(name).parts or not path.resolve().is_relative_to(media_dir.resolve()) or not path.is_file():
            return None
    except (OSError, ValueError):
        return None
    return path


def blur_people(data: bytes) -> bytes:
    """The photo with the faces and plates the cascades find blurred, re-encoded in its own format."""
    import cv2
    import numpy as np

    image = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_COLOR)
    if image is None:
        raise files.NotAPhoto("broken")
    height, width = image.shape[:2]
    for x, y, w, h in find_people(image):
        dx, dy = int(w * MARGIN), int(h * MARGIN)
        left, top, right, bottom = max(0, x - dx), max(0, y - dy), min(width, x + w + dx), min(height, y + h + dy)
        region = image[top:bottom, left:right]
        # A blur as wide as a quarter of the box: no feature left that a person (or the cascade) would know.
        image[top:bottom, left:right] = cv2.GaussianBlur(region, (0, 0), max(bottom - top, right - left) / 4)
    extension = files.EXTENSIONS[files.content_type_of(data) or "image/jpeg"]
    ok, encoded = cv2.imencode(extension, image)
    if not ok:
        raise files.NotAPhoto("broken")
    return encoded.tobytes()


def find_people(image: Any) -> list[tuple[int, int, int, int]]:
    """The boxes (x, y, width, height) of the faces and plates found in a BGR image."""
    import cv2

    grey = cv2.equalizeHist(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY))
    boxes: list[tuple[int, int, int, int]] = []
    with _lock:
        for name, scale, neighbours, smallest in CASCADES:
            found = _cascade(name).detectMultiScale(grey, scaleFactor=scale, minNeighbors=neighbours,
                                                   minSize=smallest)
            boxes += [tuple(int(v) for v in box) for box in found]  # type: ignore[misc]
            if "profile" in name:  # a profile facing the other way is the mirror image of one the cascade knows
                flipped = _cascade(name).detectMultiScale(cv2.flip(grey, 1), scaleFactor=scale,
                                                          minNeighbors=neighbours, minSize=smallest)
                boxes += [(grey.shape[1] - int(x) - int(w), int(y), int(w), int(h)) for x, y, w, h in flipped]
    return boxes


@cache
def _cascade(name: str) -> Any:
    import cv2

    classifier = cv2.CascadeClassifier(str(Path(cv2.data.haarcascades) / name))  # type: ignore[attr-defined]
    if classifier.empty():
        raise RuntimeError(f"OpenCV's cascade {name} is missing: reinstall opencv-python-headless<5")
    return classifier
