"""Servers and workers refuse to start with a secret published in this repository, naming the variable and how to
make one; the test suite sets its own (tests/conftest.py) and `guichet demo` makes its own."""

from __future__ import annotations

import subprocess
import sys

import pytest
from click.testing import CliRunner

from gateway.cli import main
from gateway.settings import Settings
from tests.conftest import gateway_env

HOW = '=$(python -c "import secrets; print(secrets.token_urlsafe(32))")'


def published(rt, *variables: str) -> dict[str, str]:
    """The test gateway's environment with some secrets back at the repository's defaults."""
    return {k: v for k, v in gateway_env(rt).items() if k not in variables} | {"PORT": "0", "GUICHET_SMTP_PORT": "0"}


@pytest.mark.parametrize("command", [["serve"], ["worker"], ["smtp"], ["telegram", "poll"]])
def test_serve_worker_smtp_and_polling_refuse_the_published_secret_key(rt, command, monkeypatch):
    for variable in ("GUICHET_SECRET_KEY", "TWILIO_AUTH_TOKEN"):
        monkeypatch.delenv(variable, raising=False)
    env = published(rt, "GUICHET_SECRET_KEY")
    result = CliRunner().invoke(main, command, env=env)

    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "Error: GUICHET_SECRET_KEY is the repository's published default, which anyone can use to forge a "
        f"back-office session: set your own, e.g. GUICHET_SECRET_KEY{HOW}"]


def test_both_published_secrets_are_named_one_sentence_each(rt, monkeypatch):
    for variable in ("GUICHET_SECRET_KEY", "TWILIO_AUTH_TOKEN"):
        monkeypatch.delenv(variable, raising=False)
    result = CliRunner().invoke(main, ["serve"], env=published(rt, "GUICHET_SECRET_KEY", "TWILIO_AUTH_TOKEN"))

    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert [line.split(" ")[0] for line in lines] == ["Error:", "TWILIO_AUTH_TOKEN"]
    assert "GUICHET_SECRET_KEY is the repository's published default" in lines[0]
    assert lines[1].endswith(f"sign Twilio webhooks (fake SMS, WhatsApp and calls): set your own, e.g. "
                             f"TWILIO_AUTH_TOKEN{HOW}")


def test_the_demos_published_tokens_are_refused_outside_the_demo_too():
    settings = Settings.from_env({"GUICHET_SECRET_KEY": "a-real-one-of-some-length", "TWILIO_AUTH_TOKEN": "demo-auth-token",
                                  "TELEGRAM_WEBHOOK_SECRET": "demo-telegram-secret"})
    assert [sentence.split(" ")[0] for sentence in settings.published_secrets()] == [
        "TWILIO_AUTH_TOKEN", "TELEGRAM_WEBHOOK_SECRET"]
    assert Settings.from_env({"GUICHET_SECRET_KEY": "a" * 16, "TWILIO_AUTH_TOKEN": "b"}).published_secrets() == []


def test_gunicorns_entry_point_refuses_the_published_secrets(rt):
    env = published(rt, "GUICHET_SECRET_KEY") | {"DATABASE_URL": rt.settings.database_url}
    started = subprocess.run([sys.executable, "-c", "import gateway.wsgi"], env=env, capture_output=True, text=True,
                             timeout=120)

    assert started.returncode != 0
    assert "GUICHET_SECRET_KEY is the repository's published default" in started.stderr


def test_the_suites_own_secrets_let_the_web_entry_point_start(rt):
    started = subprocess.run([sys.executable, "-c", "import gateway.wsgi"], env=gateway_env(rt), capture_output=True,
                             text=True, timeout=120)

    assert started.returncode == 0, started.stderr


def test_the_demo_signs_its_sessions_with_a_key_of_its_own(monkeypatch, tmp_path):
    from gateway.demo.run import demo_settings

    monkeypatch.delenv("GUICHET_SECRET_KEY", raising=False)
    settings = [demo_settings(port=8000, smtp_port=2525, twilio_url="http://127.0.0.1:1", relay_url="",
                              telegram_url="http://127.0.0.1:2", database=tmp_path / "demo.db") for _ in range(2)]

    assert not settings[0].is_published("secret_key")
    assert settings[0].secret_key != settings[1].secret_key


def test_a_session_key_short_enough_to_guess_is_refused(rt, monkeypatch):
    monkeypatch.delenv("GUICHET_SECRET_KEY", raising=False)
    result = CliRunner().invoke(main, ["serve"], env={**published(rt), "GUICHET_SECRET_KEY": "x"})

    assert result.exit_code == 1
    assert result.output.splitlines() == [
        f"Error: GUICHET_SECRET_KEY is 1 characters long, which can be guessed: use 16 or more, "
        f"e.g. GUICHET_SECRET_KEY{HOW}"]


def test_the_example_environments_change_me_placeholders_are_refused():
    settings = Settings.from_env({"GUICHET_SECRET_KEY": "CHANGE-ME-python3-c-import-secrets-print-secrets.token_urlsafe-32",
                                  "TWILIO_AUTH_TOKEN": "CHANGE-ME", "TELEGRAM_WEBHOOK_SECRET": "change-me-too"})

    said = settings.published_secrets()

    assert [sentence.split()[0] for sentence in said] == ["GUICHET_SECRET_KEY", "TWILIO_AUTH_TOKEN",
                                                          "TELEGRAM_WEBHOOK_SECRET"]
