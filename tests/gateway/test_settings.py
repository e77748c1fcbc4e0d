"""Settings: read from the environment and `.env`, typed, validated at start-up, one sentence per malformed variable."""

from __future__ import annotations

import dataclasses
import re
import subprocess
import sys
from datetime import time

import pytest
from click.testing import CliRunner

import gateway.settings as settings_module
from channels import build_channels
from channels.base import ChannelSettings
from gateway.cli import main
from gateway.errors import ConfigurationError
from gateway.runtime import Runtime
from gateway.settings import REPO, Settings
from tests.conftest import gateway_env

MALFORMED = [
    ("PORT", "eighty", "PORT='eighty' is not a port number (0 to 65535); write e.g. PORT=8000"),
    ("GUICHET_SMTP_PORT", "70000",
     "GUICHET_SMTP_PORT='70000' is not a port number (0 to 65535); write e.g. GUICHET_SMTP_PORT=2525"),
    ("GUICHET_MAP_RESOLVED_DAYS", "a month",
     "GUICHET_MAP_RESOLVED_DAYS='a month' is not a whole number of days; write e.g. GUICHET_MAP_RESOLVED_DAYS=30"),
    ("GUICHET_DUPLICATE_RADIUS_M", "50m",
     "GUICHET_DUPLICATE_RADIUS_M='50m' is not a distance in metres; write e.g. GUICHET_DUPLICATE_RADIUS_M=50"),
    ("GUICHET_DUPLICATE_DAYS", "-1",
     "GUICHET_DUPLICATE_DAYS='-1' is not a whole number of days; write e.g. GUICHET_DUPLICATE_DAYS=90"),
    ("GUICHET_WORKER_POLL", "abc",
     "GUICHET_WORKER_POLL='abc' is not a number of seconds; write e.g. GUICHET_WORKER_POLL=0.5"),
    ("GUICHET_SEND_MAX_ATTEMPTS", "0",
     "GUICHET_SEND_MAX_ATTEMPTS='0' is not a whole number of attempts, 1 or more; "
     "write e.g. GUICHET_SEND_MAX_ATTEMPTS=100"),
    ("GUICHET_SEND_RETRY_HOURS", "a day",
     "GUICHET_SEND_RETRY_HOURS='a day' is not a number of hours, more than 0; write e.g. GUICHET_SEND_RETRY_HOURS=48"),
    ("GUICHET_SEND_BACKOFF", "5s",
     "GUICHET_SEND_BACKOFF='5s' is not a number of seconds; write e.g. GUICHET_SEND_BACKOFF=5"),
    ("GUICHET_SEND_LEASE", "0",
     "GUICHET_SEND_LEASE='0' is not a number of seconds; write e.g. GUICHET_SEND_LEASE=120"),
    ("GUICHET_SEND_CONCURRENCY", "many",
     "GUICHET_SEND_CONCURRENCY='many' is not a whole number of provider calls, 1 or more; "
     "write e.g. GUICHET_SEND_CONCURRENCY=8"),
    ("GUICHET_MAX_CASES_PER_HOUR", "five",
     "GUICHET_MAX_CASES_PER_HOUR='five' is not a whole number of cases, 1 or more; "
     "write e.g. GUICHET_MAX_CASES_PER_HOUR=5"),
    ("GUICHET_MAX_REPLIES_PER_DAY", "0",
     "GUICHET_MAX_REPLIES_PER_DAY='0' is not a whole number of answers, 1 or more; "
     "write e.g. GUICHET_MAX_REPLIES_PER_DAY=60"),
    ("GUICHET_LOGIN_RATE_LIMIT", "ten a minute",
     "GUICHET_LOGIN_RATE_LIMIT='ten a minute' is not a rate such as 10/minute, or several joined by ; "
     "(10/minute;100/day); write e.g. GUICHET_LOGIN_RATE_LIMIT=10/minute;100/day"),
    ("GUICHET_RATE_LIMIT_STORAGE", "memcached://cache:11211",
     "GUICHET_RATE_LIMIT_STORAGE='memcached://cache:11211' is not memory:// or a redis:// URL (with the redis "
     "package installed); write e.g. GUICHET_RATE_LIMIT_STORAGE=redis://127.0.0.1:6379/0"),
    ("GUICHET_TRUSTED_PROXIES", "-1",
     "GUICHET_TRUSTED_PROXIES='-1' is not the number of reverse proxies in front of the gateway (0 to 10); "
     "write e.g. GUICHET_TRUSTED_PROXIES=1"),
    ("DATABASE_URL", "mysql://guichet@db/guichet",
     "DATABASE_URL='mysql://guichet@db/guichet' is not a SQLite or PostgreSQL URL; "
     "write e.g. DATABASE_URL=postgresql://guichet:password@127.0.0.1:5432/guichet"),
    ("GUICHET_PUBLIC_URL", "guichet.valmont.fr",
     "GUICHET_PUBLIC_URL='guichet.valmont.fr' is not an http:// or https:// address; "
     "write e.g. GUICHET_PUBLIC_URL=https://guichet.valmont.fr"),
    ("TWILIO_API_URL", "https://api.twilio.com:port",
     "TWILIO_API_URL='https://api.twilio.com:port' is not an http:// or https:// address; "
     "write e.g. TWILIO_API_URL=https://api.twilio.com"),
    ("TELEGRAM_API_URL", "api.telegram.org",
     "TELEGRAM_API_URL='api.telegram.org' is not an http:// or https:// address; "
     "write e.g. TELEGRAM_API_URL=https://api.telegram.org"),
    ("GUICHET_GEOCODER_URL", "ftp://geo.example",
     "GUICHET_GEOCODER_URL='ftp://geo.example' is not an http:// or https:// address (or nothing, for the public "
     "service); write e.g. GUICHET_GEOCODER_URL=https://api-adresse.data.gouv.fr"),
    ("SMTP_RELAY_URL", "relay.valmont.fr:587",
     "SMTP_RELAY_URL='relay.valmont.fr:587' is not of the form smtp://user:pass@host:port; "
     "write e.g. SMTP_RELAY_URL=smtp://guichet:password@relay.valmont.fr:587"),
    ("GUICHET_QUIET_HOURS", "9pm-8am",
     "GUICHET_QUIET_HOURS='9pm-8am' is not a range of hours like 21:00-08:00 (or off); "
     "write e.g. GUICHET_QUIET_HOURS=21:00-08:00"),
    ("GUICHET_OFFICE_HOURS", "weekdays",
     "GUICHET_OFFICE_HOURS='weekdays' is not days and hours like 'mon-fri 09:00-12:00,13:30-17:00' (or off); "
     'write e.g. GUICHET_OFFICE_HOURS="mon-fri 09:00-12:00,13:30-17:00"'),
    ("GUICHET_SPEECH_CONFIDENCE", "60%",
     "GUICHET_SPEECH_CONFIDENCE='60%' is not a number from 0 (never read back) to 1 (always); "
     "write e.g. GUICHET_SPEECH_CONFIDENCE=0.6"),
    ("GUICHET_SPEECH_CONFIDENCE", "60",
     "GUICHET_SPEECH_CONFIDENCE='60' is not a number from 0 (never read back) to 1 (always); "
     "write e.g. GUICHET_SPEECH_CONFIDENCE=0.6"),
    ("GUICHET_TIMEZONE", "Paris",
     "GUICHET_TIMEZONE='Paris' is not a time zone of the IANA database; write e.g. GUICHET_TIMEZONE=Europe/Paris"),
    ("GUICHET_GEOCODER", "google",
     "GUICHET_GEOCODER='google' is not one of gazetteer, ban, nominatim; write e.g. GUICHET_GEOCODER=gazetteer"),
    ("GUICHET_CONFIG_DIR", "/nowhere/config",
     "GUICHET_CONFIG_DIR='/nowhere/config' is not a folder holding the town's configuration; "
     "write e.g. GUICHET_CONFIG_DIR=/srv/guichet/config"),
]


@pytest.mark.parametrize(("variable", "value", "sentence"), MALFORMED, ids=[m[0] for m in MALFORMED])
def test_a_malformed_variable_stops_the_start_with_one_sentence_naming_it(variable, value, sentence):
    with pytest.raises(ConfigurationError) as raised:
        Settings.from_env({variable: value})
    assert str(raised.value) == sentence


def test_every_malformed_variable_gets_its_own_sentence_on_its_own_line():
    with pytest.raises(ConfigurationError) as raised:
        Settings.from_env({"PORT": "abc", "GUICHET_WORKER_POLL": "fast"})
    assert str(raised.value).splitlines() == [
        "PORT='abc' is not a port number (0 to 65535); write e.g. PORT=8000",
        "GUICHET_WORKER_POLL='fast' is not a number of seconds; write e.g. GUICHET_WORKER_POLL=0.5",
    ]


def test_a_password_never_appears_in_an_error():
    with pytest.raises(ConfigurationError) as raised:
        Settings.from_env({"SMTP_RELAY_URL": "http://guichet:s3cret@relay.example",
                           "DATABASE_URL": "mysql://guichet:pa55word@db/guichet"})
    assert "s3cret" not in str(raised.value) and "pa55word" not in str(raised.value)
    assert "SMTP_RELAY_URL='http://guichet:***@relay.example'" in str(raised.value)


def test_every_variable_of_the_readme_is_a_setting_with_the_default_it_documents():
    readme = (REPO / "README.md").read_text(encoding="utf-8").split("## Settings", 1)[1].split("\n## ", 1)[0]
    documented = {name for row in readme.splitlines() if row.startswith("| `")
                  for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", row.split("|")[1])}
    assert documented == set(settings_module.FIELDS)
    defaults = Settings.from_env({})
    assert (defaults.port, defaults.smtp_port, defaults.worker_poll_seconds, defaults.send_max_attempts,
            defaults.send_retry_hours, defaults.send_backoff_seconds, defaults.send_lease_seconds,
            defaults.send_concurrency) == (8000, 2525, 0.5, 100, 48.0, 5.0, 120.0, 8)
    assert (defaults.quiet_hours, defaults.timezone, defaults.geocoder, defaults.voice) == (
        (time(21, 0), time(8, 0)), "Europe/Paris", "gazetteer", "Polly.Lea")
    assert (defaults.public_url, defaults.twilio_api_url, defaults.telegram_api_url) == (
        "http://127.0.0.1:8000", "https://api.twilio.com", "https://api.telegram.org")


def test_values_are_read_as_the_readme_says():
    settings = Settings.from_env({"PORT": "9000", "DATABASE_URL": "postgres://guichet@db/guichet",
                                  "TWILIO_API_URL": "http://127.0.0.1:8089/", "GUICHET_QUIET_HOURS": "off",
                                  "GUICHET_VOICE": "", "GUICHET_SEND_BACKOFF": "", "GUICHET_DUPLICATE_RADIUS_M": "75"})
    assert settings.public_url == "http://127.0.0.1:9000"  # GUICHET_PUBLIC_URL follows PORT
    assert settings.database_url == "postgresql+psycopg://guichet@db/guichet"
    assert settings.twilio_api_url == "http://127.0.0.1:8089"
    assert settings.quiet_hours is None
    assert settings.voice == ""  # empty: Twilio's default voice
    assert settings.send_backoff_seconds == 5.0  # empty: the default
    assert settings.duplicate_radius_m == 75.0


def test_the_environment_wins_over_the_dot_env_file(tmp_path, monkeypatch):
    (tmp_path / ".env").write_text("GUICHET_TOWN_NAME=Mairie de Tours\nGUICHET_WORKER_POLL=2\n")
    monkeypatch.setattr(settings_module, "REPO", tmp_path)
    for variable in ("GUICHET_TOWN_NAME", "GUICHET_WORKER_POLL"):
        monkeypatch.setenv(variable, "")  # so that monkeypatch removes what load_dotenv sets
        monkeypatch.delenv(variable)
    monkeypatch.setenv("GUICHET_WORKER_POLL", "1.5")
    settings = Settings.from_env()
    assert (settings.town_name, settings.worker_poll_seconds) == ("Mairie de Tours", 1.5)


def test_secrets_are_masked_in_repr():
    settings = Settings.from_env({"TWILIO_AUTH_TOKEN": "tw-secret", "TELEGRAM_BOT_TOKEN": "123:tg-secret",
                                  "SMTP_RELAY_URL": "smtp://guichet:relay-secret@relay.example:587",
                                  "DATABASE_URL": "postgresql://guichet:db-secret@db/guichet",
                                  "GUICHET_SECRET_KEY": "flask-secret", "GUICHET_OPEN311_API_KEYS": "k-secret"})
    shown = repr(settings) + str(settings)
    assert not re.search(r"tw-secret|tg-secret|relay-secret|db-secret|flask-secret|k-secret", shown)
    assert "twilio_auth_token='***'" in shown and "guichet:***@db/guichet" in shown


def test_replace_copies_with_changes_validated_like_the_environment():
    settings = Settings.from_env({})
    changed = settings.replace(quiet_hours=None, worker_poll_seconds=0.2)
    assert (changed.quiet_hours, changed.worker_poll_seconds, changed.port) == (None, 0.2, settings.port)
    assert settings.quiet_hours is not None  # the original stays
    with pytest.raises(ConfigurationError, match="GUICHET_WORKER_POLL='soon' is not a number of seconds"):
        settings.replace(worker_poll_seconds="soon")
    with pytest.raises(TypeError, match="reference_prefix"):
        settings.replace(reference_prefix="VM")


def test_the_channels_settings_have_no_default_so_none_can_be_forgotten():
    assert all(f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
               for f in dataclasses.fields(ChannelSettings))
    with pytest.raises(AttributeError, match="email_display_name"):
        build_channels(Settings.from_env({}))  # the gateway's settings are not the channels'


def test_the_runtime_builds_every_adapter_from_the_town_catalogue(rt, config_dir):
    catalogue = config_dir / "catalogue.yaml"
    catalogue.write_text(catalogue.read_text(encoding="utf-8").replace("reference_prefix: GU", "reference_prefix: VM"),
                         encoding="utf-8")
    town = Runtime(rt.settings.replace(config_dir=config_dir, town_name="Mairie de Tours"))
    assert set(town.__dict__["channels"]) == {"sms", "whatsapp", "email", "telegram", "voice"}  # built, not lazy
    assert (town.channels["email"].reference_prefix, town.channels["email"].display_name) == (
        "VM", "Mairie de Tours – Guichet")


def test_an_adapter_refusing_its_settings_stops_the_runtime_with_its_sentence(rt, monkeypatch):
    from channels import email

    def refusing(url: str):
        raise ValueError(f"SMTP_RELAY_URL={url!r} is not of the form smtp://user:pass@host:port")

    monkeypatch.setattr(email.RelayAddress, "from_url", staticmethod(refusing))
    with pytest.raises(ConfigurationError, match="SMTP_RELAY_URL='smtp://relay.example' is not of the form"):
        Runtime(rt.settings.model_copy(update={"smtp_relay_url": "smtp://relay.example"}), catalogue=rt.catalogue)


@pytest.mark.parametrize("command", ["serve", "worker"])
def test_serve_and_worker_end_with_the_sentence_not_a_traceback(command, monkeypatch):
    monkeypatch.setenv("SMTP_RELAY_URL", "smtp//guichet:s3cret@relay.valmont.fr")
    monkeypatch.setenv("TWILIO_API_URL", "api.twilio.com")
    result = CliRunner().invoke(main, [command])
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "Error: TWILIO_API_URL='api.twilio.com' is not an http:// or https:// address; "
        "write e.g. TWILIO_API_URL=https://api.twilio.com",
        "SMTP_RELAY_URL='smtp//guichet:***@relay.valmont.fr' is not of the form smtp://user:pass@host:port; "
        "write e.g. SMTP_RELAY_URL=smtp://guichet:password@relay.valmont.fr:587",
    ]


@pytest.mark.processes
def test_a_bad_relay_url_fails_guichet_serve_at_start_up(rt):
    env = gateway_env(rt) | {"SMTP_RELAY_URL": "http://guichet:s3cret@relay.valmont.fr", "PORT": "0"}
    finished = subprocess.run([sys.executable, "-m", "gateway.cli", "serve"], env=env, capture_output=True,
                              text=True, timeout=60)
    assert finished.returncode == 1
    assert "Traceback" not in finished.stderr and "s3cret" not in finished.stderr
    assert finished.stderr.splitlines()[-1] == (
        "Error: SMTP_RELAY_URL='http://guichet:***@relay.valmont.fr' is not of the form smtp://user:pass@host:port; "
        "write e.g. SMTP_RELAY_URL=smtp://guichet:password@relay.valmont.fr:587")
