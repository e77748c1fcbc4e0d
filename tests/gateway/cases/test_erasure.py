"""Erasure on request and the retention job: the person's data go, the cases stay (gateway/cases/erasure.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlmodel import select

from channels.standins.twilio import inbound_whatsapp_params
from gateway.cases.erasure import EXPIRED, REMOVED, months_before
from gateway.cases.flows import change_status
from gateway.cli import main
from store.models import (
    Attachment,
    AuditEntry,
    Call,
    Case,
    CaseEvent,
    Contact,
    Follower,
    Identity,
    OutboxEntry,
    ReceivedMessage,
)
from tests.conftest import ACCOUNT_SID, GATEWAY_NUMBER, gateway_env
from tests.routing.test_photos import jpeg_with_gps

RESIDENT = "+33612345678"
REPORT = "Nid de poule devant le 14 rue Victor Hugo, c'est M. Dupont qui roule dedans, rappelez-moi au 06 12 34 56 78"


def answers(twilio, number: str = RESIDENT) -> list[str]:
    return [m["body"] for m in twilio.messages if m["to"] in (number, f"whatsapp:{number}")]


def report_with_a_photo(gateway, worker, twilio) -> tuple[Case, Path]:
    """A WhatsApp report with a photo, from the number that later asks for erasure by SMS."""
    url = twilio.add_media(jpeg_with_gps(47.388, 0.6822), "image/jpeg")
    payload = inbound_whatsapp_params(from_=RESIDENT, to=GATEWAY_NUMBER, account_sid=ACCOUNT_SID, body=REPORT,
                                      media=[(url, "image/jpeg")], profile_name="Paul Dupont")
    gateway.post_signed("/webhooks/twilio/messages", payload)
    worker.run_once()
    with gateway.rt.db.session() as session:
        case = session.exec(select(Case)).one()
        [photo] = session.exec(select(Attachment)).all()
    assert Path(photo.path).exists()
    return case, Path(photo.path)


def stored_text(rt) -> str:
    """Every text column where a resident's data could stay, joined."""
    with rt.db.session() as session:
        parts = [str((i.address, i.contact_id)) for i in session.exec(select(Identity)).all()]
        parts += [str((c.phone, c.name)) for c in session.exec(select(Contact)).all()]
        parts += [str((m.sender, m.body, m.raw, m.profile_name)) for m in session.exec(select(ReceivedMessage)).all()]
        parts += [str((c.description, c.address)) for c in session.exec(select(Case)).all()]
        parts += [str(e.message) for e in session.exec(select(CaseEvent)).all()]
        parts += [str((o.to_address, o.body)) for o in session.exec(select(OutboxEntry)).all()
                  if o.status not in ("queued", "sending")]
        parts += [str((c.caller, c.data)) for c in session.exec(select(Call)).all()]
        parts += [str(a.detail) + a.actor for a in session.exec(select(AuditEntry)).all()]
    return "\n".join(parts)


@pytest.mark.parametrize("request_words", ["SUPPRIMER MES DONNÉES", "OUBLIEZ-MOI", "effacer mes données",
                                           "DELETE MY DATA", "FORGET ME"])
def test_the_request_asks_for_one_confirmation(gateway, worker, twilio, request_words):
    gateway.sms(RESIDENT, request_words)
    worker.run_once()

    [question] = answers(twilio)
    assert "OUI" in question or "YES" in question


def test_confirmed_erasure_anonymises_the_person_and_keeps_the_case(gateway, worker, twilio):
    case, photo = report_with_a_photo(gateway, worker, twilio)
    with gateway.rt.db.session() as session:
        change_status(gateway.rt, session, reference=case.reference, status="validated")
    worker.run_once()

    gateway.sms(RESIDENT, "SUPPRIMER MES DONNÉES")
    worker.run_once()
    gateway.sms(RESIDENT, "OUI")
    worker.run_once()

    assert "effacées" in answers(twilio)[-1]
    with gateway.rt.db.session() as session:
        kept = session.exec(select(Case)).one()
        followers = session.exec(select(Follower)).all()
        photos = session.exec(select(Attachment)).all()
        timeline = session.exec(select(CaseEvent).where(CaseEvent.case_id == kept.id)).all()
    assert (kept.reference, kept.status, kept.category, kept.territory) == (
        case.reference, "validated", case.category, case.territory)
    assert kept.description == REMOVED
    assert (followers, photos) == ([], [])
    assert not photo.exists()
    assert [e.status_to for e in timeline if e.status_to] == ["received", "validated"]
    everything = stored_text(gateway.rt)
    for datum in (RESIDENT, RESIDENT[1:], "06 12 34 56 78", "Dupont", "Nid de poule", "roule dedans"):
        assert datum not in everything


def test_after_erasure_the_number_is_a_stranger(gateway, worker, twilio):
    case, _ = report_with_a_photo(gateway, worker, twilio)
    for text in ("OUBLIEZ-MOI", "oui"):
        gateway.sms(RESIDENT, text)
        worker.run_once()
    sent = len(twilio.messages)

    with gateway.rt.db.session() as session:
        change_status(gateway.rt, session, reference=case.reference, status="resolved", message="Rebouché")
    worker.run_once()
    assert len(twilio.messages) == sent  # no follower left: the update goes to nobody

    gateway.sms(RESIDENT, f"où en est {case.reference} ?")
    worker.run_once()
    answer = answers(twilio)[-1]
    assert case.reference in answer and "Dupont" not in answer and "06 12" not in answer


def test_a_person_who_sent_stop_can_still_ask_for_erasure_and_is_answered(gateway, worker, twilio):
    case, photo = report_with_a_photo(gateway, worker, twilio)
    for text in ("STOP", "SUPPRIMER MES DONNÉES", "OUI"):
        gateway.sms(RESIDENT, text)
        worker.run_once()

    said = answers(twilio)
    assert said[-2].startswith("Vous demandez l'effacement de vos données")
    assert said[-1] == gateway.rt.messages.text("erased")
    assert not photo.exists() and "Dupont" not in stored_text(gateway.rt)


def test_anything_but_yes_cancels_and_keeps_everything(gateway, worker, twilio):
    case, photo = report_with_a_photo(gateway, worker, twilio)
    for text in ("OUBLIEZ-MOI", "non"):
        gateway.sms(RESIDENT, text)
        worker.run_once()

    assert "annulé" in answers(twilio)[-1]
    with gateway.rt.db.session() as session:
        assert session.exec(select(Case)).one().description == REPORT
        assert session.exec(select(Follower)).all() != []
    assert photo.exists()


def test_an_email_resident_erases_their_data_the_same_way(gateway, worker, twilio):
    from channels.base import InboundMessage
    from store import inbound

    sender = "paul.dupont@example.org"
    for number, text in enumerate(("Lampadaire éteint 14 rue Victor Hugo", "effacer mes données", "oui")):
        with gateway.rt.db.session() as session:
            inbound.record(session, InboundMessage(channel="email", provider_id=f"<{number}@example.org>",
                                                   sender=sender, recipient="mairie@valmont.example", text=text))
        worker.run_once()

    assert "paul.dupont" not in stored_text(gateway.rt)
    with gateway.rt.db.session() as session:
        assert session.exec(select(Case)).one().description == REMOVED


def test_an_agent_erases_a_person_from_the_command_line_and_the_audit_log_names_nobody(gateway, worker, twilio):
    case, photo = report_with_a_photo(gateway, worker, twilio)
    env = gateway_env(gateway.rt)

    refused = CliRunner().invoke(main, ["contact", "erase", "06 12 34 56 78"], env=env)
    assert refused.exit_code != 0 and "--yes" in refused.output
    done = CliRunner().invoke(main, ["contact", "erase", "06 12 34 56 78", "--yes", "--agent", "agent@valmont.fr"],
                              env=env)

    assert done.exit_code == 0, done.output
    assert "erased" in done.output
    with gateway.rt.db.session() as session:
        [entry] = session.exec(select(AuditEntry).where(AuditEntry.action == "contact_erase")).all()
        assert session.exec(select(Case)).one().description == REMOVED
    assert entry.actor == "agent@valmont.fr" and entry.detail["cases"] == 1
    assert not photo.exists()
    assert RESIDENT not in stored_text(gateway.rt) and "Dupont" not in stored_text(gateway.rt)


# ---- retention ------------------------------------------------------------------------------------------------


def test_months_before_keeps_the_day_or_takes_the_last_of_the_month():
    assert months_before(datetime(2027, 3, 31, 12, tzinfo=UTC), 1) == datetime(2027, 2, 28, 12, tzinfo=UTC)
    assert months_before(datetime(2027, 1, 15, tzinfo=UTC), 24) == datetime(2025, 1, 15, tzinfo=UTC)


def test_retention_anonymises_people_of_cases_closed_long_ago_and_keeps_recent_ones(
        gateway, worker, twilio, time_machine, make_runtime):
    from gateway.outbound.worker import Worker

    start = datetime.now(UTC)
    time_machine.move_to(start, tick=False)
    old, _ = report_with_a_photo(gateway, worker, twilio)
    with gateway.rt.db.session() as session:
        change_status(gateway.rt, session, reference=old.reference, status="resolved")
    worker.run_once()

    time_machine.move_to(start + timedelta(days=200), tick=False)
    gateway.sms("+33698765432", "Lampadaire éteint devant le 3 rue Balzac, je suis Mme Leroy")
    worker.run_once()
    with gateway.rt.db.session() as session:
        recent = session.exec(select(Case).where(Case.reference != old.reference)).one()
        change_status(gateway.rt, session, reference=recent.reference, status="resolved")

    retention = Worker(make_runtime(retention_months=12, photo_retention_days=3650))
    time_machine.move_to(start + timedelta(days=370), tick=False)
    done = retention.retain()

    assert (done.people, done.photos) == (1, 0)
    with gateway.rt.db.session() as session:
        cases = {c.reference: c for c in session.exec(select(Case)).all()}
    assert cases[old.reference].description == EXPIRED and cases[old.reference].status == "resolved"
    assert "Leroy" in cases[recent.reference].description
    assert RESIDENT not in stored_text(gateway.rt)


def test_retention_deletes_residents_photos_older_than_the_setting(gateway, worker, twilio, time_machine,
                                                                   make_runtime):
    from gateway.outbound.worker import Worker

    start = datetime.now(UTC)
    time_machine.move_to(start, tick=False)
    case, photo = report_with_a_photo(gateway, worker, twilio)
    retention = Worker(make_runtime(photo_retention_days=30))

    time_machine.move_to(start + timedelta(days=29), tick=False)
    assert retention.retain().photos == 0
    time_machine.move_to(start + timedelta(days=31), tick=False)
    assert retention.retain().photos == 1

    assert not photo.exists()
    with gateway.rt.db.session() as session:
        assert session.exec(select(Attachment)).all() == []
        assert session.exec(select(Case)).one().description == REPORT  # the open case keeps its words


def test_a_follower_erasing_loses_their_words_and_subscription_the_reporters_stay(gateway, worker, twilio):
    gateway.sms("+33698765432", "Nid de poule devant le 14 rue Victor Hugo")
    worker.run_once()
    for text in ("Nid de poule énorme devant le 16 rue Victor Hugo, signé Paul Martin", "OUBLIEZ-MOI", "OUI"):
        gateway.sms(RESIDENT, text)
        worker.run_once()

    with gateway.rt.db.session() as session:
        case = session.exec(select(Case)).one()
        followers = session.exec(select(Follower)).all()
        words = [e.message for e in session.exec(select(CaseEvent)).all() if e.message]
    assert case.description == "Nid de poule devant le 14 rue Victor Hugo"
    assert len(followers) == 1
    assert [w for w in words if "Paul Martin" in w] == []
    assert "Paul Martin" not in stored_text(gateway.rt)
