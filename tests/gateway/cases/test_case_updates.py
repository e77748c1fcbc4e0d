"""Agents move cases along; every follower hears of it on their own channel, never at night unless urgent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlmodel import select

from gateway.cases.flows import change_status, release_time
from gateway.cli import main
from gateway.outbound.worker import Worker
from gateway.settings import parse_quiet_hours
from store import cases as case_store
from store.clock import aware
from store.models import Case, OutboxEntry
from tests.conftest import PARIS, gateway_env, paris_at
from tests.images import image_bytes, size_of

RESIDENT, NEIGHBOUR = "+33612345678", "+33698765432"
SECOND_NUMBER = "+33700000002"
NIGHT = parse_quiet_hours("21:00-08:00")


def open_pothole_with_follower(gateway, worker) -> Case:
    gateway.sms(RESIDENT, "Nid de poule devant le 14 rue Victor Hugo")
    worker.run_once()
    gateway.sms(NEIGHBOUR, "nid de poule au 16 rue Victor Hugo", to=SECOND_NUMBER)
    worker.run_once()
    with gateway.rt.db.session() as session:
        return session.exec(select(Case)).one()


def test_cli_update_reaches_reporter_and_follower_from_the_number_each_used(gateway, worker, twilio):
    case = open_pothole_with_follower(gateway, worker)
    twilio.reset()

    result = CliRunner().invoke(
        main, ["case", "update", case.reference, "--status", "validated", "--message", "Intervention jeudi"],
        env=gateway_env(gateway.rt),
    )
    worker.run_once()

    assert result.exit_code == 0, result.output
    assert f"{case.reference} is now validated" in result.output
    sent = {m["to"]: m for m in twilio.messages}
    assert set(sent) == {RESIDENT, NEIGHBOUR}
    assert sent[RESIDENT]["from"] == "+33700000001"
    assert sent[NEIGHBOUR]["from"] == SECOND_NUMBER
    for message in sent.values():
        assert case.reference in message["body"]
        assert "validé" in message["body"] and "Intervention jeudi" in message["body"]


def test_cli_refuses_an_impossible_transition_with_a_clear_message(gateway, worker):
    case = open_pothole_with_follower(gateway, worker)

    result = CliRunner().invoke(main, ["case", "update", case.reference, "--status", "done"],
                                env=gateway_env(gateway.rt))

    assert result.exit_code != 0
    assert "'done' is not a status of a problem" in result.output


def test_cli_list_and_show_in_json(gateway, worker):
    import json

    case = open_pothole_with_follower(gateway, worker)
    env = gateway_env(gateway.rt)

    listed = json.loads(CliRunner().invoke(main, ["case", "list", "--json"], env=env).output)
    shown = json.loads(CliRunner().invoke(main, ["case", "show", case.reference, "--json"], env=env).output)

    assert [c["reference"] for c in listed] == [case.reference]
    expected_keys = {"reference", "kind", "status", "category", "urgency", "service", "territory", "lat", "lon",
                     "address", "channel", "followers", "created_at"}
    assert expected_keys <= set(shown)
    assert (shown["followers"], shown["channel"], shown["kind"]) == (1, "sms", "problem")
    assert [e["kind"] for e in shown["timeline"]] == ["created", "follower"]


def update_tonight(make_runtime, reference: str, *statuses: str):
    """Change a case's status at the present with quiet hours on; returns that night's runtime."""
    night_rt = make_runtime(quiet_hours=NIGHT)
    for status in statuses:
        with night_rt.db.session() as session:
            change_status(night_rt, session, reference=reference, status=status)
    return night_rt


def test_a_non_urgent_update_at_23h_waits_until_8h(gateway, worker, twilio, make_runtime, time_machine):
    time_machine.move_to(paris_at(22, 50), tick=False)
    case = open_pothole_with_follower(gateway, worker)
    twilio.reset()
    time_machine.move_to(paris_at(23, 0), tick=False)

    night_worker = Worker(update_tonight(make_runtime, case.reference, "validated"))

    time_machine.move_to(paris_at(7, 59, days=1), tick=False)
    assert night_worker.send_due() == 0
    assert twilio.messages == []
    time_machine.move_to(paris_at(8, 0, days=1), tick=False)
    assert night_worker.send_due() == 2
    assert {m["to"] for m in twilio.messages} == {RESIDENT, NEIGHBOUR}


def test_an_update_queued_the_night_the_clocks_go_back_leaves_at_8h_local(gateway, worker, twilio, make_runtime,
                                                                          time_machine):
    # 2027-10-31: at 03:00 CEST Paris goes back to 02:00 CET, so that night lasts an hour more.
    time_machine.move_to(datetime(2027, 10, 31, 1, 20, tzinfo=PARIS), tick=False)
    case = open_pothole_with_follower(gateway, worker)
    twilio.reset()
    time_machine.move_to(datetime(2027, 10, 31, 1, 30, tzinfo=PARIS), tick=False)

    night_worker = Worker(update_tonight(make_runtime, case.reference, "validated"))

    with gateway.rt.db.session() as session:
        held = session.exec(select(OutboxEntry).where(OutboxEntry.status == "queued")).all()
    assert {aware(m.next_attempt_at).astimezone(PARIS).isoformat() for m in held} == {"2027-10-31T08:00:00+01:00"}
    for local_hour in (7, 7.99):  # 07:00 CET is 08:00 in summer time: still the night
        time_machine.move_to(datetime(2027, 10, 31, 6, 0, tzinfo=UTC) + timedelta(hours=local_hour - 7), tick=False)
        assert night_worker.send_due() == 0
    assert twilio.messages == []
    time_machine.move_to(datetime(2027, 10, 31, 8, 0, tzinfo=PARIS), tick=False)  # 07:00 UTC
    assert night_worker.send_due() == 2
    assert {m["to"] for m in twilio.messages} == {RESIDENT, NEIGHBOUR}


def test_an_urgent_case_update_is_not_held_at_night(gateway, worker, twilio, make_runtime, time_machine):
    time_machine.move_to(paris_at(23, 0), tick=False)
    gateway.sms(RESIDENT, "un arbre est tombé sur la route devant le 20 rue Victor Hugo")
    worker.run_once()
    twilio.reset()
    with gateway.rt.db.session() as session:
        case = session.exec(select(Case)).one()
    assert case.urgency in ("high", "emergency")

    Worker(update_tonight(make_runtime, case.reference, "in_progress")).send_due()

    assert [m["to"] for m in twilio.messages] == [RESIDENT]


def test_close_updates_are_merged_into_the_latest(gateway, worker, twilio, make_runtime, time_machine):
    time_machine.move_to(paris_at(23, 0), tick=False)
    case = open_pothole_with_follower(gateway, worker)
    twilio.reset()

    night_rt = update_tonight(make_runtime, case.reference, "validated", "in_progress")
    with night_rt.db.session() as session:
        queued = session.exec(select(OutboxEntry).where(OutboxEntry.status == "queued")).all()

    assert len(queued) == 2  # one per follower, not two each
    assert all("en cours" in m.body for m in queued)


def test_a_case_past_its_delay_is_escalated_once_on_its_timeline(gateway, worker):
    from datetime import timedelta

    from store.clock import utcnow

    case = open_pothole_with_follower(gateway, worker)
    with gateway.rt.db.session() as session:
        stored = session.get(Case, case.id)
        stored.due_at = utcnow() - timedelta(hours=1)
        session.add(stored)

    assert worker.escalate() == 1
    assert worker.escalate() == 0
    result = CliRunner().invoke(main, ["case", "show", case.reference, "--json"], env=gateway_env(gateway.rt))
    import json

    timeline = json.loads(result.output)["timeline"]
    assert [e["kind"] for e in timeline][-1] == "escalated"
    assert timeline[-1]["public"] is False


def test_a_photo_file_is_kept_with_the_status_change(gateway, worker, tmp_path, make_runtime):
    import json

    case = open_pothole_with_follower(gateway, worker)
    photo = tmp_path / "rebouche.jpg"
    photo.write_bytes(image_bytes("JPEG", (40, 30), comment=b"a comment that is not kept"))
    env = gateway_env(gateway.rt) | {"GUICHET_MEDIA_DIR": str(tmp_path / "media")}

    updated = CliRunner().invoke(main, ["case", "update", case.reference, "--status", "resolved", "--photo", str(photo)],
                                 env=env)
    shown = json.loads(CliRunner().invoke(main, ["case", "show", case.reference, "--json"], env=env).output)

    assert updated.exit_code == 0, updated.output
    kept = Path(shown["timeline"][-1]["photo"])
    assert kept.parent == tmp_path / "media" / "agent"
    assert size_of(kept.read_bytes()) == ("JPEG", (40, 30))
    assert b"a comment that is not kept" not in kept.read_bytes()  # re-encoded, not copied


def test_a_file_that_is_not_a_photo_is_refused_by_the_command(gateway, worker, tmp_path):
    case = open_pothole_with_follower(gateway, worker)
    page = tmp_path / "rebouche.jpg"
    page.write_bytes(b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>')
    env = gateway_env(gateway.rt) | {"GUICHET_MEDIA_DIR": str(tmp_path / "media")}

    updated = CliRunner().invoke(main, ["case", "update", case.reference, "--status", "resolved", "--photo", str(page)],
                                 env=env)

    assert updated.exit_code == 1
    assert "is not a photo Guichet keeps" in updated.output
    with gateway.rt.db.session() as session:
        assert case_store.by_reference(session, case.reference).status == "received"


@pytest.mark.parametrize(("written", "leaves"), [
    ("2027-10-31T01:30:00+02:00", "2027-10-31T08:00:00+01:00"),  # the night the clocks go back: 7 h 30 later
    ("2027-10-31T02:30:00+02:00", "2027-10-31T08:00:00+01:00"),  # 02:30 summer time, the first time round
    ("2027-10-31T02:30:00+01:00", "2027-10-31T08:00:00+01:00"),  # 02:30 winter time, the second time round
    ("2027-03-28T01:30:00+01:00", "2027-03-28T08:00:00+02:00"),  # the night they go forward: 5 h 30 later
    ("2027-10-30T22:00:00+02:00", "2027-10-31T08:00:00+01:00"),  # the evening before the change
    ("2026-12-31T23:59:00+01:00", "2027-01-01T08:00:00+01:00"),  # across a year
])
def test_quiet_hours_end_at_8h_local_across_clock_changes(written, leaves):
    release = release_time(datetime.fromisoformat(written).astimezone(UTC), NIGHT, "Europe/Paris")

    assert release.astimezone(PARIS).isoformat() == leaves


def test_no_hold_outside_quiet_hours():
    assert release_time(datetime.fromisoformat("2027-10-31T08:00:00+01:00"), NIGHT, "Europe/Paris") is None
    assert release_time(datetime.fromisoformat("2027-10-31T20:59:00+01:00"), NIGHT, "Europe/Paris") is None
