"""Agents move cases along; every follower hears of it on their own channel, never at night unless urgent."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from click.testing import CliRunner
from sqlmodel import select

from gateway.cases import change_status
from gateway.cli import main
from gateway.settings import parse_quiet_hours
from gateway.worker import Worker
from store.models import Case, OutboundMessage
from tests.conftest import gateway_env

PARIS = ZoneInfo("Europe/Paris")
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


AT_23H = datetime(2026, 11, 25, 23, 0, tzinfo=PARIS).astimezone(UTC)


def update_at_23h(make_runtime, reference: str, *statuses: str):
    """Change a case's status at 23:00 with quiet hours on; returns that night's runtime."""
    night_rt = make_runtime(quiet_hours=NIGHT)
    for status in statuses:
        with night_rt.db.session() as session:
            change_status(night_rt, session, reference=reference, status=status, now=AT_23H)
    return night_rt


def test_a_non_urgent_update_at_23h_waits_until_8h(gateway, worker, twilio, make_runtime):
    case = open_pothole_with_follower(gateway, worker)
    twilio.reset()

    night_worker = Worker(update_at_23h(make_runtime, case.reference, "validated"))

    assert night_worker.send_due(now=datetime(2026, 11, 26, 7, 59, tzinfo=PARIS).astimezone(UTC)) == 0
    assert twilio.messages == []
    assert night_worker.send_due(now=datetime(2026, 11, 26, 8, 0, tzinfo=PARIS).astimezone(UTC)) == 2
    assert {m["to"] for m in twilio.messages} == {RESIDENT, NEIGHBOUR}


def test_an_urgent_case_update_is_not_held_at_night(gateway, worker, twilio, make_runtime):
    gateway.sms(RESIDENT, "un arbre est tombé sur la route devant le 20 rue Victor Hugo")
    worker.run_once()
    twilio.reset()
    with gateway.rt.db.session() as session:
        case = session.exec(select(Case)).one()
    assert case.urgency in ("high", "emergency")

    Worker(update_at_23h(make_runtime, case.reference, "in_progress")).send_due(now=AT_23H)

    assert [m["to"] for m in twilio.messages] == [RESIDENT]


def test_close_updates_are_merged_into_the_latest(gateway, worker, twilio, make_runtime):
    case = open_pothole_with_follower(gateway, worker)
    twilio.reset()

    night_rt = update_at_23h(make_runtime, case.reference, "validated", "in_progress")
    with night_rt.db.session() as session:
        queued = session.exec(select(OutboundMessage).where(OutboundMessage.status == "queued")).all()

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
    photo.write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    env = gateway_env(gateway.rt) | {"GUICHET_MEDIA_DIR": str(tmp_path / "media")}

    updated = CliRunner().invoke(main, ["case", "update", case.reference, "--status", "resolved", "--photo", str(photo)],
                                 env=env)
    shown = json.loads(CliRunner().invoke(main, ["case", "show", case.reference, "--json"], env=env).output)

    assert updated.exit_code == 0, updated.output
    kept = shown["timeline"][-1]["photo"]
    assert kept == str(tmp_path / "media" / f"{case.reference}-rebouche.jpg")
    assert (tmp_path / "media" / f"{case.reference}-rebouche.jpg").read_bytes() == photo.read_bytes()
