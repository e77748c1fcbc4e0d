"""The pool on PostgreSQL: a connection killed while idle is replaced unseen, and a busy one is not pinged."""

from __future__ import annotations

import pytest
from sqlalchemy import event, text

from store import db
from store.db import Database


@pytest.fixture
def postgres(rt):
    if not rt.db.is_postgres:
        pytest.skip("a pool of server connections: PostgreSQL only")
    database = Database(rt.settings.database_url)
    yield database
    database.dispose()


def _backend(database: Database) -> int:
    with database.engine.connect() as connection:
        return connection.execute(text("SELECT pg_backend_pid()")).scalar_one()


def test_a_connection_killed_while_idle_is_replaced_before_use(postgres, rt, monkeypatch):
    killed = _backend(postgres)
    with rt.db.engine.connect() as other:
        assert other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": killed}).scalar_one()
    monkeypatch.setattr(db, "PING_AFTER_IDLE_SECONDS", 0.0)  # as if it had sat in the pool for a while

    assert _backend(postgres) != killed  # the dead one was found at checkout, a new one served


def test_a_connection_back_in_the_pool_a_moment_ago_is_used_without_a_ping(postgres, monkeypatch):
    _backend(postgres)  # the first checkout of a new connection is checked
    sent: list[str] = []
    event.listen(postgres.engine, "before_cursor_execute", lambda *args: sent.append(args[2]))
    pings: list[bool] = []
    real_ping = postgres.engine.dialect.do_ping
    monkeypatch.setattr(postgres.engine.dialect, "do_ping", lambda connection: pings.append(True) or real_ping(connection))
    monkeypatch.setattr(db, "PING_AFTER_IDLE_SECONDS", 60.0)

    for _ in range(5):
        _backend(postgres)

    assert pings == []
    assert sent == ["SELECT pg_backend_pid()"] * 5
