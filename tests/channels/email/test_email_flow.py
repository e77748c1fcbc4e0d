"""E-mail end to end over real SMTP: a resident's mail in, a case opened, answers out through the local relay."""

from __future__ import annotations

import pytest
from sqlmodel import select

from channels.standins.smtp_relay import send_eml
from gateway.cases.flows import change_status
from gateway.inbound.smtp import start_smtp_server
from gateway.outbound.worker import Worker
from store.models import Case, CaseEvent, Identity, OutboxEntry, ReceivedMessage
from tests.channels.email.conftest import INBOX, RESIDENT, eml

PHOTO_MESSAGE_ID = "<photo-7f3a2c@mail.example.org>"
PLAIN_MESSAGE_ID = "<20261103091240.4b1e@mail.example.org>"


def cases(rt) -> list[Case]:
    with rt.db.session() as session:
        return list(session.exec(select(Case).order_by(Case.id)).all())


def reply_to(answer, raw: bytes) -> bytes:
    """The fixture reply, pointed at the case and Message-ID of a real answer."""
    reference = answer["Subject"].split("]")[0].strip("[")
    return (raw.replace(b"<GU-4827-3918.12.0a1b2c3d4e@valmont.example>", answer["Message-ID"].encode())
               .replace(b"GU-4827-3918", reference.encode()))


def test_html_mail_with_a_geotagged_photo_opens_a_located_case_answered_in_the_thread(mail_gateway, relay):
    assert mail_gateway.send(eml("photo_geotagged"))[0] == 250
    mail_gateway.worker().run_once()

    [case] = cases(mail_gateway.rt)
    assert (case.category, case.channel, case.territory) == ("chaussee", "email", "valmont")
    assert abs(case.lat - 47.388) < 1e-4 and abs(case.lon - 0.6822) < 1e-4
    assert "Victor Hugo" in case.address
    [answer] = relay.wait_for(1)
    assert answer["To"] == RESIDENT
    assert str(answer["From"]).endswith(f"<{INBOX}>")
    assert answer["Subject"] == f"[{case.reference}] Votre signalement"
    assert answer["In-Reply-To"] == PHOTO_MESSAGE_ID
    assert answer["Auto-Submitted"] == "auto-replied"
    assert answer["Message-ID"].startswith(f"<{case.reference}.")
    assert case.reference in answer.get_content()


def test_a_reply_in_the_thread_lands_on_the_same_case(mail_gateway, relay):
    mail_gateway.send(eml("text_plain"))
    mail_gateway.worker().run_once()
    [first] = relay.wait_for(1)

    assert mail_gateway.send(reply_to(first, eml("reply_french_quote")))[0] == 250
    mail_gateway.worker().run_once()

    [case] = cases(mail_gateway.rt)
    with mail_gateway.rt.db.session() as session:
        messages = session.exec(select(CaseEvent.message).where(CaseEvent.case_id == case.id)).all()
    assert "Toujours pas réparé, le trou est encore plus gros." in messages
    _, second = relay.wait_for(2)
    assert second["Subject"] == f"[{case.reference}] Votre signalement"
    assert second["In-Reply-To"] == "<reply-8c41f0@mail.example.org>"


def test_an_out_of_office_reply_and_a_bounce_get_no_answer(mail_gateway, relay):
    mail_gateway.send(eml("text_plain"))
    mail_gateway.worker().run_once()
    [first] = relay.wait_for(1)

    assert mail_gateway.send(reply_to(first, eml("out_of_office")))[0] == 250
    assert mail_gateway.send(eml("bounce"), mail_from="")[0] == 250
    assert mail_gateway.send(eml("list_mail"))[0] == 250
    mail_gateway.worker().run_once()

    assert len(relay.messages) == 1
    assert len(cases(mail_gateway.rt)) == 1
    with mail_gateway.rt.db.session() as session:
        handled = session.exec(select(ReceivedMessage.status)).all()
        queued = session.exec(select(OutboxEntry)).all()
    assert handled == ["done"] * 4
    assert len(queued) == 1


def test_an_iso_8859_1_mail_is_read_correctly(mail_gateway, relay):
    mail_gateway.send(eml("iso_8859_1"))
    mail_gateway.worker().run_once()

    [case] = cases(mail_gateway.rt)
    assert "Une grosse branche est tombée sur la chaussée près de l'école" in case.description
    assert "Victor Hugo" in case.address
    [answer] = relay.wait_for(1)
    assert answer["To"] == "rene.francois@example.fr"
    assert case.reference in answer["Subject"]


def test_a_status_change_is_mailed_in_the_same_thread(mail_gateway, relay):
    mail_gateway.send(eml("text_plain"))
    worker = mail_gateway.worker()
    worker.run_once()
    [case] = cases(mail_gateway.rt)

    with mail_gateway.rt.db.session() as session:
        change_status(mail_gateway.rt, session, reference=case.reference, status="validated")
    worker.run_once()

    _, update = relay.wait_for(2)
    assert update["Subject"].startswith(f"[{case.reference}]")
    assert update["In-Reply-To"] == PLAIN_MESSAGE_ID
    assert update["Auto-Submitted"] == "auto-generated"


def test_the_same_message_id_twice_makes_one_case_and_one_answer(mail_gateway, relay):
    assert [mail_gateway.send(eml("text_plain"))[0] for _ in range(2)] == [250, 250]
    mail_gateway.worker().run_once()

    assert len(cases(mail_gateway.rt)) == 1
    assert len(relay.wait_for(1)) == 1


def test_a_hard_bounce_at_the_relay_stops_mail_to_that_address(mail_gateway, relay):
    relay.refuse(RESIDENT)
    mail_gateway.send(eml("text_plain"))
    mail_gateway.worker().run_once()

    assert relay.messages == []
    with mail_gateway.rt.db.session() as session:
        [sent] = session.exec(select(OutboxEntry)).all()
        identity = session.exec(select(Identity).where(Identity.address == RESIDENT)).one()
    assert (sent.status, sent.error_code) == ("failed", "550")
    assert identity.stopped_at is not None


def test_a_relay_deferring_mail_gets_it_again_later(mail_gateway, relay):
    relay.defer()
    mail_gateway.send(eml("text_plain"))
    worker = mail_gateway.worker()
    worker.run_once()
    with mail_gateway.rt.db.session() as session:
        [queued] = session.exec(select(OutboxEntry)).all()
    assert (queued.status, queued.attempts) == ("queued", 1)

    relay.defer(False)
    worker.send_due(now=queued.next_attempt_at)
    [answer] = relay.wait_for(1)
    assert answer["In-Reply-To"] == PLAIN_MESSAGE_ID


def test_logs_at_info_hold_neither_the_address_nor_the_message(mail_gateway, relay, caplog):
    import logging

    caplog.set_level(logging.INFO)
    mail_gateway.send(eml("text_plain"))
    mail_gateway.worker().run_once()
    relay.wait_for(1)

    logged = caplog.text + " ".join(str(r.__dict__) for r in caplog.records if r.levelno >= logging.INFO)
    assert "camille.martin" not in logged.lower()
    assert "nid de poule" not in logged.lower()


def test_a_town_reference_prefix_reaches_subjects_and_threads_a_reply_by_its_subject(rt, make_runtime, relay,
                                                                                      config_dir, tmp_path):
    catalogue = config_dir / "catalogue.yaml"
    catalogue.write_text(catalogue.read_text(encoding="utf-8").replace("reference_prefix: GU", "reference_prefix: VM"),
                         encoding="utf-8")
    relay.reset()
    town = make_runtime(config_dir=config_dir, smtp_relay_url=relay.url, inbox=INBOX, media_dir=tmp_path / "media")
    controller = start_smtp_server(town, port=0)
    try:
        send_eml("127.0.0.1", controller.port, eml("text_plain"), rcpt_to=INBOX)
        Worker(town).run_once()
        [case] = cases(town)
        [first] = relay.wait_for(1)
        assert case.reference.startswith("VM-")
        assert first["Subject"] == f"[{case.reference}] Votre signalement"

        # A mail client that keeps only the subject: the reference in it, with the town's prefix, finds the case.
        reply = b"".join(line for line in reply_to(first, eml("reply_french_quote")).splitlines(keepends=True)
                         if not line.startswith((b"In-Reply-To:", b"References:")))
        send_eml("127.0.0.1", controller.port, reply, rcpt_to=INBOX)
        Worker(town).run_once()
    finally:
        controller.stop()
        town.db.dispose()

    [same] = cases(town)
    with town.db.session() as session:
        messages = session.exec(select(CaseEvent.message).where(CaseEvent.case_id == same.id)).all()
    assert "Toujours pas réparé, le trou est encore plus gros." in messages
    _, second = relay.wait_for(2)
    assert second["Subject"] == f"[{case.reference}] Votre signalement"


# Bytes 4 to 8 of the SVG read `ftyp`, as an HEIC photo's do; the page claims to be a PNG.
SVG = b"\0\0\0\0ftyp<svg xmlns='http://www.w3.org/2000/svg'><script>alert(document.cookie)</script></svg>"
PAGE = b"<html><script>alert(1)</script></html>"


@pytest.mark.parametrize(("data", "subtype", "filename"), [(SVG, "svg+xml", "photo.jpg"), (PAGE, "png", "photo.png")])
def test_an_attachment_that_is_no_photo_is_refused_named_to_agents_and_the_report_still_opens(
        mail_gateway, relay, data, subtype, filename):
    from email.message import EmailMessage

    from store.models import Attachment

    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = RESIDENT, INBOX, "Nid de poule"
    mail["Message-ID"] = f"<{subtype}-1@mail.example.org>"
    mail.set_content("Nid de poule devant le 14 rue Victor Hugo")
    mail.add_attachment(data, maintype="image", subtype=subtype, filename=filename)

    assert mail_gateway.send(mail.as_bytes())[0] == 250
    mail_gateway.worker().run_once()

    [case] = cases(mail_gateway.rt)
    with mail_gateway.rt.db.session() as session:
        [photo] = session.exec(select(Attachment)).all()
    assert (photo.case_id, photo.path, photo.missing) == (case.id, "", "format")
    assert case.reference in relay.wait_for(1)[0].get_content()
    media = mail_gateway.rt.settings.media_dir
    assert not media.exists() or [p for p in media.rglob("*") if p.is_file()] == []
