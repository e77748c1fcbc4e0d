"""The worker during a database outage: one warning when it starts, one line when it ends, no traceback per pass."""

from __future__ import annotations

import logging

from gateway.outbound.worker import Worker


def test_an_outage_is_two_log_lines_not_a_traceback_every_pass(make_runtime, tmp_path, caplog):
    database = tmp_path / "guichet.db"
    database.mkdir()  # SQLite cannot open a directory as its database file: the database is down
    rt = make_runtime(database_url=f"sqlite:///{database}", media_dir=tmp_path / "media")
    worker = Worker(rt)
    caplog.set_level(logging.INFO, logger="gateway")

    for _ in range(5):
        worker.scheduled_pass()
    database.rmdir()
    rt.db.upgrade()  # the database is back
    worker.scheduled_pass()
    worker.scheduled_pass()
    rt.db.dispose()

    said = [(r.levelname, r.getMessage()) for r in caplog.records if r.name == "gateway.outbound.worker"]
    assert said == [("WARNING", "database unavailable: the worker waits for it"),
                    ("WARNING", "database available again: the worker goes on")]
    assert not [r for r in caplog.records if r.exc_info]
