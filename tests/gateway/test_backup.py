"""Backup, then a fresh database and media directory, then restore: the same cases, timelines and photos.

On the suite's database (SQLite, or PostgreSQL with GUICHET_TEST_DATABASE), through the commands the README
shows, after residents reported through the signed webhooks and an agent moved a case along."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlmodel import select

from channels.standins.twilio import inbound_whatsapp_params
from gateway.cases.flows import change_status
from gateway.cli import main
from store.db import Database
from store.models import Attachment, Case, CaseEvent, Follower
from tests.conftest import ACCOUNT_SID, GATEWAY_NUMBER, gateway_env
from tests.images import image_bytes


@pytest.fixture
def fresh_database(rt, tmp_path):
    """An empty database on the suite's back-end, dropped afterwards."""
    if not rt.db.is_postgres:
        yield f"sqlite:///{tmp_path / 'restored.db'}"
        return
    server = make_url(rt.settings.database_url)
    name = f"guichet_restore_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield server.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def picture(db_url: str, media_dir: Path) -> dict:
    """What agents and residents would see of every case: fields, timeline, followers, photos' bytes."""
    database = Database(db_url)
    with database.session() as session:
        cases = session.exec(select(Case).order_by(Case.id)).all()
        seen = {}
        for case in cases:
            events = session.exec(select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)).all()
            photos = session.exec(select(Attachment).where(Attachment.case_id == case.id)).all()
            seen[case.reference] = {
                "fields": (case.status, case.category, case.address, case.description, case.created_at,
                           case.merged_into_id is not None),
                "timeline": [(e.kind, e.status_from, e.status_to, e.message, e.public, e.actor, e.created_at) for e in events],
                "followers": len(session.exec(select(Follower).where(Follower.case_id == case.id)).all()),
                "photos": sorted(Path(p.path).read_bytes() for p in photos if p.path),
            }
            for photo in photos:
                assert not photo.path or Path(photo.path).is_relative_to(media_dir.resolve())
    database.dispose()
    return seen


def test_backup_then_restore_into_a_fresh_database_gives_the_same_cases_timelines_and_photos(
        rt, gateway, worker, twilio, fresh_database, tmp_path):
    photo = twilio.add_media(image_bytes("JPEG", (64, 48), "orange"))
    gateway.post_signed("/webhooks/twilio/messages", inbound_whatsapp_params(
        from_="+33612345678", to=GATEWAY_NUMBER, account_sid=ACCOUNT_SID,
        body="Nid de poule devant le 14 rue Victor Hugo", media=[(photo, "image/jpeg")]))
    gateway.sms("+33698765432", "lampadaire eteint 8 avenue jean jaures")
    worker.run_once()
    gateway.sms("+33611111111", "nid de poule au 14 rue victor hugo")
    worker.run_once()
    with rt.db.session() as session:
        first = session.exec(select(Case).order_by(Case.id)).first()
        reference = first.reference
    with rt.db.session() as session:
        change_status(rt, session, reference=reference, status="validated", message="Intervention jeudi",
                      actor="agent")
    before = picture(rt.settings.database_url, rt.settings.media_dir)
    assert len(before) == 2 and before[reference]["photos"] and before[reference]["followers"] == 2
    archive, media = tmp_path / "guichet.tar.gz", tmp_path / "restored-media"

    saved = CliRunner().invoke(main, ["backup", str(archive)],
                               env=gateway_env(rt) | {"GUICHET_MEDIA_DIR": str(rt.settings.media_dir)})
    restored = CliRunner().invoke(main, ["restore", str(archive)], env=gateway_env(rt) | {
        "DATABASE_URL": fresh_database, "GUICHET_MEDIA_DIR": str(media)})
    again = CliRunner().invoke(main, ["restore", str(archive)], env=gateway_env(rt) | {
        "DATABASE_URL": fresh_database, "GUICHET_MEDIA_DIR": str(media)})

    assert saved.exit_code == 0, saved.output
    assert "2 case(s)" in saved.output and "media file(s)" in saved.output
    assert restored.exit_code == 0, restored.output
    assert picture(fresh_database, media) == before
    assert again.exit_code == 1
    assert "already holds 2 case(s): restore into an empty database" in again.output
    # The restored database takes new cases after the old ones (PostgreSQL's sequences moved on).
    database = Database(fresh_database)
    with database.session() as session:
        session.add(CaseEvent(case_id=first.id, kind="note", message="après la restauration"))
        session.commit()
    database.dispose()


def test_restore_refuses_what_is_not_a_backup(tmp_path, fresh_database):
    junk = tmp_path / "junk.tar.gz"
    junk.write_bytes(b"not an archive")

    result = CliRunner().invoke(main, ["restore", str(junk)], env={"DATABASE_URL": fresh_database,
                                                                   "GUICHET_MEDIA_DIR": str(tmp_path / "m")})

    assert result.exit_code == 1 and "cannot read" in result.output and "Traceback" not in result.output


def test_a_failed_backup_leaves_the_last_good_archive_and_a_damaged_one_restores_nothing(
        rt, gateway, worker, fresh_database, tmp_path):
    gateway.sms("+33612345678", "Nid de poule devant le 14 rue Victor Hugo")
    worker.run_once()
    archive = tmp_path / "guichet.tar.gz"
    env = gateway_env(rt) | {"GUICHET_MEDIA_DIR": str(rt.settings.media_dir)}
    assert CliRunner().invoke(main, ["backup", str(archive)], env=env).exit_code == 0
    good = archive.read_bytes()

    failed = CliRunner().invoke(main, ["backup", str(archive)],
                                env=env | {"DATABASE_URL": "postgresql+psycopg://postgres@127.0.0.1:1/none"})
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(good[: len(good) // 2])
    damaged = CliRunner().invoke(main, ["restore", str(cut)], env=env | {
        "DATABASE_URL": fresh_database, "GUICHET_MEDIA_DIR": str(tmp_path / "m")})

    assert failed.exit_code == 1 and "cannot" in failed.output and "Traceback" not in failed.output
    assert archive.read_bytes() == good and not list(tmp_path.glob(".*.partial"))
    assert damaged.exit_code == 1 and "is damaged" in damaged.output and "nothing was restored" in damaged.output
    untouched = Database(fresh_database)
    assert untouched.revision() is None  # not even migrated: the archive was read to its end first
    untouched.dispose()
