"""A resident's photo that cannot be had never loses the report: through the signed Twilio webhook, the case
opens, the resident is answered, and the photo is kept as a line saying why (what agents see on the case)."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from sqlmodel import select

from channels.standins.twilio import inbound_whatsapp_params
from gateway.outbound.worker import Worker
from store.models import Attachment, Case, ReceivedMessage
from tests.channels.test_media import host
from tests.conftest import ACCOUNT_SID, GATEWAY_NUMBER, serve_app
from tests.gateway.test_processes import free_port
from tests.images import image_bytes, png_bomb

RESIDENT = "+33612345678"
POTHOLE = "Nid de poule devant le 14 rue Victor Hugo"


def send_photo(gateway, url: str, content_type: str = "image/jpeg", body: str = POTHOLE):
    params = inbound_whatsapp_params(from_=RESIDENT, to=GATEWAY_NUMBER, account_sid=ACCOUNT_SID, body=body,
                                     media=[(url, content_type)])
    return gateway.post_signed("/webhooks/twilio/messages", params)


def outcome(gateway, twilio) -> tuple[str, list[str], str | None, str]:
    """The inbound message's status, the missing photo reasons, the case's reference, the reply's text."""
    with gateway.rt.db.session() as session:
        [inbound] = session.exec(select(ReceivedMessage)).all()
        case = session.exec(select(Case)).first()
        photos = session.exec(select(Attachment)).all()
        assert all(p.case_id == (case.id if case else None) for p in photos)
        missing = [p.missing or "kept" for p in photos]
        status, reference = inbound.status, case.reference if case else None
    [reply] = [m["body"] for m in twilio.messages if m["to"] == f"whatsapp:{RESIDENT}"]
    return status, missing, reference, reply


def recording_server(address: str):
    """Another service on `address` that records every request it gets (its headers) and answers a photo."""
    return host(address, lambda path: (image_bytes("JPEG"), 200, {"Content-Type": "image/jpeg"}))


def test_a_photo_is_kept_re_encoded_and_answers_where(gateway, worker, twilio):
    from tests.routing.test_photos import jpeg_with_gps

    send_photo(gateway, twilio.add_media(jpeg_with_gps(47.388, 0.6822)), body="Nid de poule ici")
    worker.run_once()

    status, missing, reference, reply = outcome(gateway, twilio)
    assert (status, missing) == ("done", ["kept"])
    assert reference in reply


def test_a_media_url_answering_404_opens_the_case_and_marks_the_photo_missing(gateway, worker, twilio):
    gone = twilio.add_media(image_bytes()).rsplit("/", 1)[0] + "/ME" + "0" * 32
    send_photo(gateway, gone)
    worker.run_once()

    status, missing, reference, reply = outcome(gateway, twilio)
    assert (status, missing) == ("done", ["not_found"])
    assert reference in reply


def test_a_closed_port_on_a_media_host_opens_the_case_and_marks_the_photo_missing(rt, twilio, make_runtime):
    port = free_port()
    runtime = make_runtime(media_hosts=(urlsplit(twilio.url).netloc, f"127.0.0.1:{port}"))
    with serve_app(runtime) as gateway:
        send_photo(gateway, f"http://127.0.0.1:{port}/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/MM1/Media/ME1")
        Worker(runtime).run_once()

        status, missing, reference, reply = outcome(gateway, twilio)
    assert (status, missing) == ("done", ["unreachable"])
    assert reference in reply


def test_a_decompression_bomb_opens_the_case_and_is_not_kept(gateway, worker, twilio):
    bomb = png_bomb()  # 30000 x 30000: a few hundred bytes on the wire, 900 million pixels once decoded
    assert len(bomb) < 1000
    kept_before = set((gateway.rt.settings.media_dir / "inbound").glob("*"))  # the process's other tests' files
    send_photo(gateway, twilio.add_media(bomb, "image/png"), "image/png")
    worker.run_once()

    status, missing, reference, reply = outcome(gateway, twilio)
    assert (status, missing) == ("done", ["too_many_pixels"])
    assert reference in reply
    assert set((gateway.rt.settings.media_dir / "inbound").glob("*")) == kept_before


def test_an_80_mb_stream_is_cut_at_the_cap_and_the_case_opens(gateway, worker, twilio):
    sent = []

    def endless() -> Iterator[bytes]:
        for _ in range(80):
            sent.append(1)
            yield b"\xff" * (1024 * 1024)

    send_photo(gateway, twilio.add_media(endless))
    worker.run_once()

    status, missing, reference, reply = outcome(gateway, twilio)
    assert (status, missing) == ("done", ["too_big"])
    assert reference in reply
    assert len(sent) < 80  # the stream was dropped once past the cap, not read to its end


def test_a_photo_over_a_smaller_cap_is_refused_before_it_is_read(rt, twilio, make_runtime):
    runtime = make_runtime(media_max_bytes=1000)
    with serve_app(runtime) as gateway:
        send_photo(gateway, twilio.add_media(image_bytes("PNG", (400, 400), "white") + b"\0" * 2000, "image/png"))
        Worker(runtime).run_once()

        status, missing, reference, reply = outcome(gateway, twilio)
    assert (status, missing) == ("done", ["too_big"])
    assert reference in reply


def test_a_media_url_on_another_host_gets_no_request_and_no_credentials(gateway, worker, twilio):
    with recording_server("127.0.0.2") as (elsewhere, seen):
        send_photo(gateway, f"{elsewhere}/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/MM1/Media/ME1")
        worker.run_once()

    status, missing, reference, reply = outcome(gateway, twilio)
    assert (status, missing, seen) == ("done", ["foreign_host"], [])
    assert reference in reply


def test_our_own_metrics_are_never_fetched_as_a_photo(gateway, worker, twilio):
    send_photo(gateway, gateway.url + "/metrics", "image/jpeg")
    worker.run_once()

    status, missing, reference, reply = outcome(gateway, twilio)
    assert (status, missing) == ("done", ["foreign_host"])
    assert reference in reply


@pytest.mark.parametrize(("content_type", "body"), [
    ("text/html", b"<html><script>fetch('/agents/')</script></html>"),
    ("image/svg+xml", b"\0\0\0\0ftyp<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>"),
    ("application/pdf", b"%PDF-1.7\n1 0 obj<<>>endobj"),
])
def test_what_is_not_an_image_is_refused_and_the_case_opens(gateway, worker, twilio, content_type, body):
    send_photo(gateway, twilio.add_media(body, content_type), content_type)
    worker.run_once()

    status, missing, reference, reply = outcome(gateway, twilio)
    assert (status, missing) == ("done", ["format"])
    assert reference in reply
    assert body not in [path.read_bytes() for path in gateway.rt.settings.media_dir.rglob("*") if path.is_file()]


def test_a_photo_taken_elsewhere_does_not_move_a_report_whose_text_names_its_place(gateway, worker, twilio):
    from tests.routing.test_photos import jpeg_with_gps

    paris = jpeg_with_gps(48.8566, 2.3522)  # a camera's fix from another day, another town
    send_photo(gateway, twilio.add_media(paris), body="Arbre tombé devant le 14 rue Victor Hugo")
    worker.run_once()

    status, missing, reference, reply = outcome(gateway, twilio)
    with gateway.rt.db.session() as session:
        case = session.exec(select(Case)).one()
    assert (status, missing) == ("done", ["kept"])
    assert reference in reply and "hors de" not in reply
    assert (case.territory, case.address) == ("valmont", "14 Rue Victor Hugo, Valmont")
    assert abs(case.lat - 48.8566) > 1  # placed by its words, not by the photo
