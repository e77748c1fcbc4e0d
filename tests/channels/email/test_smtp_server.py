"""The gateway's SMTP server: what a resident's mail server hears back, and what is stored before `250`."""

from __future__ import annotations

import threading
from pathlib import Path

from sqlmodel import select

from channels.standins.smtp_relay import send_eml
from gateway.inbound.smtp import start_smtp_server
from store.models import ReceivedMessage
from store.wake import INBOUND
from tests.channels.email.conftest import INBOX, RESIDENT, eml


def stored(rt) -> list[ReceivedMessage]:
    with rt.db.session() as session:
        return list(session.exec(select(ReceivedMessage).order_by(ReceivedMessage.id)).all())


def test_a_mail_is_stored_before_250_and_wakes_the_worker(mail_gateway):
    mail_gateway.rt.db.bells.events[INBOUND].clear()
    code, text = mail_gateway.send(eml("text_plain"))

    assert (code, text) == (250, "2.0.0 Message recu, merci. Message accepted.")
    [message] = stored(mail_gateway.rt)
    assert (message.channel, message.provider_id, message.sender, message.recipient, message.status) == (
        "email", "<20261103091240.4b1e@mail.example.org>", RESIDENT, INBOX, "pending")
    assert message.body.startswith("Nid de poule\nBonjour,")
    assert message.thread_id == "<20261103091240.4b1e@mail.example.org>"
    assert mail_gateway.rt.db.bells.events[INBOUND].is_set()


def test_a_resent_mail_is_accepted_and_stored_once(mail_gateway):
    answers = [mail_gateway.send(eml("text_plain"))]
    threads = [threading.Thread(target=lambda: answers.append(mail_gateway.send(eml("text_plain"))))
               for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert [code for code, _ in answers] == [250] * 4
    assert len(stored(mail_gateway.rt)) == 1


def test_mail_for_another_address_is_refused_at_rcpt(mail_gateway):
    code, text = mail_gateway.send(eml("text_plain"), rcpt_to="maire@valmont.example")

    assert code == 550
    assert "guichet@valmont.example" in text
    assert stored(mail_gateway.rt) == []


def test_the_inbox_address_is_matched_without_regard_to_case(mail_gateway):
    code, _ = mail_gateway.send(eml("text_plain"), rcpt_to="Guichet@Valmont.EXAMPLE")

    assert code == 250


def test_oversized_mail_is_refused_politely_whether_announced_or_not(mail_gateway):
    huge = eml("text_plain") + b"x" * 76 + (b"\r\n" + b"x" * 76) * (11 * 1024 * 1024 // 78)

    announced = mail_gateway.send(huge)  # SIZE= in MAIL FROM, refused before the data is sent
    code, text = send_eml("127.0.0.1", mail_gateway.controller.port, huge, rcpt_to=INBOX, announce_size=False)

    assert announced[0] == code == 552
    assert "Message trop volumineux" in announced[1] and "Message trop volumineux" in text
    assert stored(mail_gateway.rt) == []


def test_unreadable_mail_gets_554_with_a_reason(mail_gateway):
    code, text = mail_gateway.send(eml("unreadable_no_sender"), mail_from="")

    assert code == 554
    assert "illisible" in text and "no sender" in text
    assert stored(mail_gateway.rt) == []


def test_broken_mime_is_stored_as_far_as_it_can_be_read(mail_gateway):
    code, _ = mail_gateway.send(eml("broken_mime"))

    assert code == 250
    [message] = stored(mail_gateway.rt)
    assert "fuite d'eau inonde le trottoir" in message.body


def test_html_with_scripts_is_stored_as_text(mail_gateway):
    mail_gateway.send(eml("html_only_script"))

    [message] = stored(mail_gateway.rt)
    assert "abandonnés 3 Grande Rue" in message.body
    assert "alert" not in message.body and "<" not in message.body


def test_a_photo_is_kept_under_the_media_dir_before_250(mail_gateway):
    code, _ = mail_gateway.send(eml("photo_geotagged"))

    assert code == 250
    [message] = stored(mail_gateway.rt)
    [media] = message.media
    assert (media["content_type"], media["filename"]) == ("image/jpeg", "IMG_2041.jpg")
    path = Path(media["path"])
    assert path.is_relative_to(mail_gateway.rt.settings.media_dir)
    assert path.read_bytes()[:3] == b"\xff\xd8\xff"


def test_a_bounce_with_a_null_sender_is_stored_as_automatic(mail_gateway):
    code, _ = mail_gateway.send(eml("bounce"), mail_from="")

    assert code == 250
    [message] = stored(mail_gateway.rt)
    assert message.automatic is True
    assert message.raw["mail_from"] == ""


def test_an_unavailable_database_gets_451_so_the_sender_retries(make_runtime, tmp_path):
    broken = make_runtime(database_url=f"sqlite:///{tmp_path / 'missing' / 'dir' / 'guichet.db'}",
                          inbox=INBOX, media_dir=tmp_path / "media")
    controller = start_smtp_server(broken, port=0)
    try:
        code, text = send_eml("127.0.0.1", controller.port, eml("text_plain"), rcpt_to=INBOX)
    finally:
        controller.stop()
        broken.db.dispose()

    assert code == 451
    assert "try again later" in text


def test_the_server_listens_on_the_configured_port_by_default(make_runtime, rt):
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    mail_rt = make_runtime(smtp_port=port, inbox=INBOX)
    controller = start_smtp_server(mail_rt)
    try:
        assert controller.port == port
        assert send_eml("127.0.0.1", port, eml("text_plain"), rcpt_to=INBOX)[0] == 250
    finally:
        controller.stop()
        mail_rt.db.dispose()
