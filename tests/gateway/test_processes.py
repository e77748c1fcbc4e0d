"""The processes a town runs: `guichet serve` and `guichet demo` answer over HTTP; `guichet analyze` prints JSON."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time

import requests
from click.testing import CliRunner

from gateway.cli import main
from tests.conftest import gateway_env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_http(url: str, process: subprocess.Popen, timeout: float = 60.0) -> requests.Response:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, f"the process exited with {process.returncode}"
        try:
            return requests.get(url, timeout=2)
        except requests.ConnectionError:
            time.sleep(0.2)
    raise AssertionError(f"{url} never answered")


def test_serve_applies_migrations_on_a_new_database_and_answers_health(rt, tmp_path):
    port = free_port()
    env = gateway_env(rt) | {"DATABASE_URL": f"sqlite:///{tmp_path / 'new.db'}", "PORT": str(port)}
    process = subprocess.Popen([sys.executable, "-m", "gateway.cli", "serve"], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        response = wait_for_http(f"http://127.0.0.1:{port}/healthz", process)
    finally:
        process.terminate()
        process.wait(timeout=20)
    assert (response.status_code, response.json()["database"]) == (200, "ok")


def test_demo_answers_with_demo_cases_and_a_resident_can_play(tmp_path):
    port, twilio_port = free_port(), free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "gateway.cli", "demo", "--fresh", "--port", str(port), "--twilio-port", str(twilio_port),
         "--db", str(tmp_path / "demo.db")],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        home = wait_for_http(f"http://127.0.0.1:{port}/", process)
        played = subprocess.run(
            [sys.executable, "-m", "gateway.cli", "sms", "+33612345678", "Nid de poule devant le 40 rue Victor Hugo",
             "--gateway", f"http://127.0.0.1:{port}"],
            env={"GUICHET_DEMO_TWILIO_URL": f"http://127.0.0.1:{twilio_port}", "PATH": ""},
            capture_output=True, text=True, timeout=60)
    finally:
        process.terminate()
        process.wait(timeout=20)
    assert home.status_code == 200
    assert "Rue Victor Hugo" in home.text and "GU-" in home.text
    assert played.returncode == 0, played.stderr
    assert "Signalement GU-" in played.stdout and "Délai prévu : 15 jours" in played.stdout


def test_analyze_prints_one_json_object_or_json_lines():
    one = CliRunner().invoke(main, ["analyze", "Nid de poule devant le 14 rue Victor Hugo"])
    many = CliRunner().invoke(main, ["analyze"], input="STOP\nlampadaire éteint rue balzac\n")

    assert one.exit_code == 0, one.output
    assert json.loads(one.output)["category"] == "chaussee"
    lines = [json.loads(line) for line in many.output.splitlines()]
    assert [(line["intent"], line["category"]) for line in lines] == [("stop", None), ("report", "eclairage")]
