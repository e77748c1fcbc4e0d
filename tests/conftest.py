"""Shared fixtures: a real database (SQLite file or a fresh PostgreSQL database), a local Twilio, the gateway over HTTP.

`GUICHET_TEST_DATABASE` chooses the backend: `sqlite` (default) or a PostgreSQL URL such as
`postgresql+psycopg://postgres@127.0.0.1:5432/test`. With PostgreSQL, each run creates its own
database and drops it at the end; an unreachable server fails the run, it is never skipped.

`GUICHET_TEST_CLOCK` moves the present of the whole run: an ISO moment with its offset, such as
`2027-10-31T02:50:00+02:00` (a night the clocks go back in Paris). time-machine moves `datetime.now()` and
`time.time()` of this process from there, ticking; sleeps, thread waits and `time.monotonic()` keep
working. Other processes (a `guichet` subprocess, Chromium) keep the real clock: CI leaves the tests that
start them (markers `processes` and `browser`) out of that run. A test that needs a moment of its own moves
the clock further with time-machine's `time_machine` fixture; it never compares a literal date with the
wall clock.
"""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlmodel import SQLModel
from werkzeug.serving import make_server

from channels.standins.twilio import TwilioStandin, inbound_sms_params, sign_and_post
from gateway.runtime import Runtime
from gateway.settings import REPO, Settings

PUBLIC_URL = "https://guichet.valmont.example"  # what Twilio calls; tests connect to 127.0.0.1 behind it
ACCOUNT_SID = "AC" + "1" * 32
AUTH_TOKEN = "test-auth-token"
# The suite's own secrets: servers and workers refuse the repository's published defaults (Settings.published_secrets).
SECRET_KEY = "test-secret-key-" + uuid.uuid4().hex
GATEWAY_NUMBER = "+33700000001"


PARIS = ZoneInfo("Europe/Paris")


def paris_at(hour: int, minute: int = 0, *, days: int = 0) -> datetime:
    """`hour:minute` in Paris on the run's present day, `days` later: a moment relative to the present."""
    day = datetime.now(UTC).astimezone(PARIS).date() + timedelta(days=days)
    return datetime.combine(day, time(hour, minute), tzinfo=PARIS)


def pytest_configure(config) -> None:
    """Move the run's present to `GUICHET_TEST_CLOCK`, when it names one."""
    moment = os.environ.get("GUICHET_TEST_CLOCK")
    if not moment:
        return
    start = datetime.fromisoformat(moment)
    if start.tzinfo is None:
        raise pytest.UsageError(f"GUICHET_TEST_CLOCK={moment!r} needs its UTC offset, e.g. 2027-10-31T02:50+02:00")
    traveller = time_machine.travel(start, tick=True)
    traveller.start()
    config.add_cleanup(traveller.stop)


def pytest_terminal_summary(terminalreporter) -> None:
    """Say where the run's clock stood, so a log shows which present the suite was tried at."""
    if os.environ.get("GUICHET_TEST_CLOCK"):
        now = datetime.now(UTC)
        terminalreporter.write_line(f"clock moved by GUICHET_TEST_CLOCK={os.environ['GUICHET_TEST_CLOCK']}; at the end: "
                                    f"{now.isoformat(timespec='seconds')} ({now.astimezone(PARIS):%H:%M %Z} in Paris)")


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> Iterator[str]:
    """A database for this test run, schema applied by the project's Alembic migrations."""
    wanted = os.environ.get("GUICHET_TEST_DATABASE", "sqlite")
    if wanted == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'guichet.db'}"
        _migrate(url)
        yield url
        return
    server = make_url(wanted.replace("postgresql://", "postgresql+psycopg://", 1))
    name = f"guichet_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as err:
        pytest.fail(f"PostgreSQL at {server.render_as_string(hide_password=True)} cannot be reached: {err}")
    url = server.set(database=name).render_as_string(hide_password=False)
    _migrate(url)
    yield url
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def gateway_env(rt: Runtime) -> dict[str, str]:
    """The environment a `guichet` subprocess needs to act on the test runtime's database and Twilio."""
    s = rt.settings
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GUICHET_", "TWILIO_", "DATABASE_URL"))}
    env.update({
        "DATABASE_URL": s.database_url,
        "GUICHET_PUBLIC_URL": s.public_url,
        "GUICHET_CONFIG_DIR": str(s.config_dir),
        "TWILIO_ACCOUNT_SID": s.twilio_account_sid,
        "TWILIO_AUTH_TOKEN": s.twilio_auth_token,
        "GUICHET_SECRET_KEY": s.secret_key,
        "TWILIO_API_URL": s.twilio_api_url,
        "TWILIO_SMS_FROM": s.twilio_sms_from,
        "GUICHET_QUIET_HOURS": "off",
        "GUICHET_UPDATE_MERGE_SECONDS": "0",
        "GUICHET_WORKER_POLL": "0.2",
        "GUICHET_SEND_BACKOFF": "0.05",
    })
    return env


def _migrate(url: str) -> None:
    from store.db import Database

    database = Database(url)
    database.upgrade()
    database.dispose()


@pytest.fixture(scope="session")
def twilio() -> Iterator[TwilioStandin]:
    """The local Twilio, shared by the run and reset before each test that uses it."""
    with TwilioStandin(account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN, port=0) as standin:
        yield standin


@pytest.fixture(scope="session")
def base_settings(database_url, twilio, tmp_path_factory) -> Settings:
    """Settings of the gateway under test: the test database, the local Twilio, quiet hours off."""
    return Settings.from_env({}).replace(
        database_url=database_url,
        public_url=PUBLIC_URL,
        config_dir=REPO / "config",
        media_dir=tmp_path_factory.mktemp("media"),
        twilio_account_sid=ACCOUNT_SID,
        twilio_auth_token=AUTH_TOKEN,
        secret_key=SECRET_KEY,
        twilio_api_url=twilio.url,
        twilio_sms_from=GATEWAY_NUMBER,
        media_hosts=(urlsplit(twilio.url).netloc,),  # residents' photos come from the local Twilio only
        quiet_hours=None,
        update_merge_seconds=0.0,  # updates leave at once; tests/gateway/cases/test_resident_updates.py waits
        send_backoff_seconds=0.05,
        send_lease_seconds=30.0,
    )


@pytest.fixture(scope="session")
def shared_runtime(base_settings) -> Runtime:
    """One runtime for the session, so spaCy's model and the gazetteer load once."""
    rt = Runtime(base_settings)
    _ = rt.understander, rt.router, rt.catalogue
    return rt


@pytest.fixture
def make_runtime(shared_runtime):
    """Build a runtime with some settings changed, reusing the loaded model and gazetteer (and the catalogue,
    unless `config_dir` changes)."""

    def build(**overrides) -> Runtime:
        catalogue = None if "config_dir" in overrides else shared_runtime.catalogue
        rt = Runtime(shared_runtime.settings.replace(**overrides), catalogue=catalogue)
        for heavy in ("understander", "router"):
            rt.__dict__[heavy] = getattr(shared_runtime, heavy)
        return rt

    return build


@pytest.fixture
def rt(shared_runtime, twilio) -> Iterator[Runtime]:
    """The runtime for one test, on empty tables and a reset Twilio."""
    _empty_tables(shared_runtime)
    twilio.reset()
    yield shared_runtime


def _empty_tables(rt: Runtime) -> None:
    tables = list(reversed(SQLModel.metadata.sorted_tables))
    with rt.db.engine.begin() as connection:
        if rt.db.is_postgres:
            names = ", ".join(f'"{t.name}"' for t in tables)
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                connection.execute(table.delete())


@pytest.fixture
def worker(rt):
    """A worker on the test runtime; tests call `run_once()` to let it work."""
    from gateway.outbound.worker import Worker

    return Worker(rt)


class Gateway:
    """The gateway served over real HTTP, and a phone to write to it as Twilio would."""

    def __init__(self, rt: Runtime, url: str):
        self.rt, self.url = rt, url

    def sms(self, sender: str, body: str, *, message_sid: str | None = None, token: str = AUTH_TOKEN,
            to: str = GATEWAY_NUMBER):
        """Post a signed inbound SMS to the webhook; returns the HTTP response."""
        params = inbound_sms_params(from_=sender, to=to, body=body, message_sid=message_sid,
                                    account_sid=ACCOUNT_SID)
        return self.post_signed("/webhooks/twilio/messages", params, token=token)

    def post_signed(self, path: str, params: dict, *, token: str = AUTH_TOKEN):
        """Post form params to `path`, signed over the public URL as Twilio signs them."""
        return sign_and_post(self.url + path, params, token, public_url=PUBLIC_URL + path)


@contextmanager
def serve_app(runtime: Runtime) -> Iterator[Gateway]:
    """The gateway's Flask app for `runtime` on a free port, served by a threaded WSGI server."""
    from gateway.app import create_app

    server = make_server("127.0.0.1", 0, create_app(runtime=runtime), threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield Gateway(runtime, f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
        thread.join()


@pytest.fixture
def gateway(rt) -> Iterator[Gateway]:
    """The gateway over real HTTP, on the test runtime."""
    with serve_app(rt) as served:
        yield served


@pytest.fixture
def config_dir(tmp_path) -> Path:
    """A copy of the town's config a test may edit."""
    import shutil

    target = tmp_path / "config"
    shutil.copytree(REPO / "config", target)
    return target
