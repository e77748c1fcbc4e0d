"""Photos as agents and the public get them: agents the original behind login, the public a copy whose faces
are blurred; every photo served so that nothing in it runs, whatever the file holds."""

from __future__ import annotations

import io
import re
from pathlib import Path

import cv2
import numpy as np
import requests
from PIL import Image
from skimage import data as samples
from sqlmodel import select

from store import attachments
from store.models import Attachment, Case
from tests.gateway.web.backoffice.test_backoffice import page_of

FACES = cv2.CascadeClassifier(cv2.data.haarcascades + "haarcascade_frontalface_default.xml")


def astronaut_jpeg() -> bytes:
    """Eileen Collins' NASA portrait (public domain), shipped with scikit-image."""
    out = io.BytesIO()
    Image.fromarray(samples.astronaut()).save(out, format="JPEG", quality=95)
    return out.getvalue()


def grey(data: bytes) -> np.ndarray:
    return cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_GRAYSCALE)


def sharpness(image: np.ndarray, box) -> float:
    """The variance of the Laplacian inside `box`: high for a sharp face, near zero once blurred."""
    x, y, w, h = box
    return float(cv2.Laplacian(image[y:y + h, x:x + w], cv2.CV_64F).var())


def resolve_with_photo(agent, case, photo: bytes, name: str = "apres.jpg"):
    return agent.post(page_of(case) + "/statut", {"status": "resolved", "message": "Réparé."}, form=page_of(case),
                      files={"photo": (name, io.BytesIO(photo), "image/jpeg")})


def test_the_public_copy_has_the_face_blurred_and_the_agent_sees_the_original(gateway, worker, agent, voirie):
    assert resolve_with_photo(agent, voirie, astronaut_jpeg()).status_code == 200
    with gateway.rt.db.session() as session:
        [kept] = session.exec(select(Attachment).where(Attachment.case_id == voirie.id)).all()
    original_path = Path(kept.path)
    # The public's copy is made as the photo is published, not at the first visitor's request.
    assert original_path.with_name(f"{original_path.stem}.public.jpg").is_file()

    tracking = requests.get(f"{gateway.url}/suivi/{voirie.reference}")
    public_url = re.search(r'<img src="([^"]+)" alt="Photo publiée', tracking.text).group(1)
    public = requests.get(gateway.url + public_url)
    original = agent.get(f"/agents/photos/{kept.id}")

    assert (public.status_code, original.status_code) == (200, 200)
    assert original.content == open(kept.path, "rb").read()
    [face] = FACES.detectMultiScale(grey(original.content), scaleFactor=1.1, minNeighbors=5)
    before, after = sharpness(grey(original.content), face), sharpness(grey(public.content), face)
    print(f"face {tuple(face)}: Laplacian variance {before:.0f} for agents, {after:.1f} in public")
    assert before > 300 and after < before / 20
    assert len(FACES.detectMultiScale(grey(public.content), scaleFactor=1.1, minNeighbors=5)) == 0
    # Away from the face, the public sees the same picture.
    corner = (0, 400, 100, 100)
    assert abs(sharpness(grey(public.content), corner) - sharpness(grey(original.content), corner)) < 0.2 * \
        sharpness(grey(original.content), corner)
    # The original stays behind login.
    assert requests.get(f"{gateway.url}/agents/photos/{kept.id}", allow_redirects=False).status_code == 302


def test_photos_are_served_as_images_that_run_nothing(gateway, worker, agent, voirie):
    resolve_with_photo(agent, voirie, astronaut_jpeg())
    with gateway.rt.db.session() as session:
        [kept] = session.exec(select(Attachment).where(Attachment.case_id == voirie.id)).all()
    tracking = requests.get(f"{gateway.url}/suivi/{voirie.reference}")
    public_url = re.search(r'<img src="([^"]+)" alt="Photo publiée', tracking.text).group(1)

    for served in (agent.get(f"/agents/photos/{kept.id}"), requests.get(gateway.url + public_url)):
        headers = served.headers
        assert headers["Content-Type"] == "image/jpeg"
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Content-Security-Policy"].startswith("default-src 'none'")
        assert "sandbox" in headers["Content-Security-Policy"]
        assert re.fullmatch(r'inline; filename="[\w.-]+\.jpg"', headers["Content-Disposition"])
    assert agent.get(f"/agents/photos/{kept.id}").headers["Content-Disposition"] == \
        f'inline; filename="photo-{kept.id}.jpg"'


def test_a_file_kept_before_photos_were_cleaned_is_only_ever_a_download(gateway, worker, agent, voirie):
    svg = gateway.rt.settings.media_dir / "inbound" / "old.svg"
    svg.parent.mkdir(parents=True, exist_ok=True)
    svg.write_bytes(b'<svg xmlns="http://www.w3.org/2000/svg"><script>document.title="pwned"</script></svg>')
    with gateway.rt.db.session() as session:
        legacy = attachments.keep(session, path=str(svg), content_type="image/svg+xml", case_id=voirie.id)

    served = agent.get(f"/agents/photos/{legacy}")

    assert served.status_code == 200
    assert served.headers["Content-Type"] == "application/octet-stream"
    assert served.headers["Content-Disposition"] == f'attachment; filename="photo-{legacy}.bin"'
    assert "sandbox" in served.headers["Content-Security-Policy"]


def test_a_missing_photo_is_shown_to_agents_with_its_reason(gateway, worker, agent, twilio):
    from tests.gateway.engine.test_photos import send_photo

    send_photo(gateway, twilio.add_media(b"<html><script>alert(1)</script></html>", "text/html"), "text/html")
    worker.run_once()
    with gateway.rt.db.session() as session:
        [missing] = session.exec(select(Attachment)).all()
        case = session.get(Case, missing.case_id)

    page = agent.get(page_of(case))
    assert "Photo 1 d'un habitant non récupérée : ce n&#39;est pas une image JPEG, PNG, WebP ou GIF." in page.text
    assert agent.get(f"/agents/photos/{missing.id}").status_code == 404
