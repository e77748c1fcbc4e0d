"""The worker during a database outage: one warning when it starts, one line when it ends, no traceback per pass."""

from __future__ import annotations

import logging
import time

from gateway.outbound.worker import Worker


def test_an_outage_is_two_log_lines_not_a_traceback_every_pass(make_runtime, tmp_path, caplog):
    database = tmp_path / "guichet.db"
    database.mkdir()  # SQLite cannot open a directory as its database file: the database is down
    rt = make_runtime(database_url=f"sqlite:///{database}", media_dir=tmp_path / "media")
    worker = Worker(rt)
    caplog.set_level(logging.INFO, logger="gateway")

    def said() -> list[tuple[str, str]]:
        return [(r.levelname, r.getMessage()) for r in caplog.records if r.name == "gateway.outbound.worker"]

    worker.start(poll=0.02)  # both loops (intake and sending) look fifty times a second
    try:
        assert _soon(lambda: len(said()) == 1)
        time.sleep(0.3)  # a dozen passes of each loop during the outage
        database.rmdir()
        rt.db.upgrade()  # the database is back
        assert _soon(lambda: len(said()) == 2)
        time.sleep(0.1)
    finally:
        worker.shutdown()
        rt.db.dispose()

    assert said() == [("WARNING", "database unavailable: the worker waits for it"),
                      ("WARNING", "database available again: the worker goes on")]
    assert not [r for r in caplog.records if r.exc_info]


def _soon(condition, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True
