"""The migrations build the tables the models describe, and move stored data along when a table changes."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, text
from sqlmodel import SQLModel, select

from store.db import Database, alembic_config
from store.models import ReceivedMessage


def test_the_migrated_schema_is_the_models_schema(rt):
    with rt.db.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)

    assert differences == []


def test_a_message_stored_before_typed_columns_keeps_its_place_thread_and_photos(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    command.upgrade(alembic_config(url), "0003")
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO inbound_message (channel, provider_id, sender, recipient, body, extra, status, attempts, "
            "next_attempt_at, received_at) VALUES ('email', 'm1', 'camille@example.org', 'guichet@valmont.fr', "
            "'Re: GU-1234-5678', :extra, 'pending', 0, '2026-11-03 09:41:00', '2026-11-03 09:41:00')"),
            {"extra": '{"lat": 47.39, "lon": 0.69, "thread_id": "<a@b>", "thread_reference": "GU-1234-5678", '
                      '"automatic": false, "profile_name": null, "raw": {"mail_from": "camille@example.org"}, '
                      '"media": [{"content_type": "image/jpeg", "url": null, "path": "/m/1.jpg", "filename": "1.jpg"}]}'})
    engine.dispose()

    database = Database(url)
    database.upgrade()
    with database.session() as session:
        message = session.exec(select(ReceivedMessage)).one()
        kept = (message.lat, message.lon, message.thread_id, message.thread_reference, message.automatic,
                message.raw, message.media)
    database.dispose()

    assert kept == (47.39, 0.69, "<a@b>", "GU-1234-5678", False, {"mail_from": "camille@example.org"},
                    [{"content_type": "image/jpeg", "url": None, "path": "/m/1.jpg", "filename": "1.jpg"}])
    command.downgrade(alembic_config(url), "0003")
    with create_engine(url).connect() as connection:
        extra = connection.execute(text("SELECT extra FROM inbound_message")).scalar_one()
    assert '"thread_reference": "GU-1234-5678"' in extra
