"""The processes a town runs: `guichet serve` and `guichet demo` answer over HTTP; `guichet analyze` prints JSON."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time

import pytest
import requests
from click.testing import CliRunner

from gateway.cli import main
from tests.conftest import gateway_env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_http(url: str, process: subprocess.Popen, timeout: float = 150.0) -> requests.Response:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, f"the process exited with {process.returncode}"
        try:
            return requests.get(url, timeout=2)
        except (requests.ConnectionError, requests.Timeout):  # not up yet, or slow to answer on a busy machine
            time.sleep(0.2)
    raise AssertionError(f"{url} never answered")


@pytest.mark.processes
def test_serve_applies_migrations_on_a_new_database_and_answers_health(rt, tmp_path):
    port = free_port()
    env = gateway_env(rt) | {"DATABASE_URL": f"sqlite:///{tmp_path / 'new.db'}", "PORT": str(port),
                             "GUICHET_SMTP_PORT": "0"}
    process = subprocess.Popen([sys.executable, "-m", "gateway.cli", "serve"], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        response = wait_for_http(f"http://127.0.0.1:{port}/healthz", process)
    finally:
        process.terminate()
        process.wait(timeout=20)
    assert (response.status_code, response.json()["database"]) == (200, "ok")


@pytest.mark.processes
def test_demo_answers_with_demo_cases_and_a_resident_can_play_each_channel(tmp_path):
    port, twilio_port, smtp_port, relay_port, telegram_port = (free_port() for _ in range(5))
    state = tmp_path / "demo.json"
    process = subprocess.Popen(
        [sys.executable, "-m", "gateway.cli", "demo", "--fresh", "--port", str(port), "--twilio-port", str(twilio_port),
         "--smtp-port", str(smtp_port), "--relay-port", str(relay_port), "--telegram-port", str(telegram_port),
         "--db", str(tmp_path / "demo.db"),
         "--state", str(state)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def play(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "gateway.cli", "play", *args, "--state", str(state),
                               "--wait", "20"], capture_output=True, text=True, timeout=60)

    try:
        home = wait_for_http(f"http://127.0.0.1:{port}/", process)
        by_sms = play("sms", "+33612345678", "Nid de poule devant le 40 rue Victor Hugo")
        by_whatsapp = play("whatsapp", "+33612345679", "un arbre est tombé sur la route",
                           "--location", "47.3880", "0.6830")
        by_email = play("email", "camille@example.org", "Lampadaire éteint devant le 30 rue Victor Hugo")
        by_telegram = play("telegram", "424242", "Tag sur le mur devant le 50 rue Victor Hugo")
        by_phone = subprocess.run(
            [sys.executable, "-m", "gateway.cli", "call", "+33247000003", "1",
             "il y a un dépôt sauvage devant le 20 avenue Jean Jaurès", "1", "--state", str(state)],
            capture_output=True, text=True, timeout=60)
        listed = subprocess.run([sys.executable, "-m", "gateway.cli", "case", "--demo", "--state", str(state), "list",
                                 "--json"], capture_output=True, text=True, timeout=60, env=_without_database_url())
    finally:
        process.terminate()
        process.wait(timeout=20)
    assert home.status_code == 200
    assert "Rue Victor Hugo" in home.text and "GU-" in home.text
    for played in (by_sms, by_whatsapp, by_email, by_telegram):
        assert played.returncode == 0, played.stderr
        assert "< Merci ! Signalement GU-" in played.stdout
    assert "Délai prévu : 15 jours" in by_sms.stdout
    assert by_phone.returncode == 0, by_phone.stderr
    assert "Votre signalement est enregistré" in by_phone.stdout or "G U," in by_phone.stdout
    assert listed.returncode == 0, listed.stderr
    assert "40 Rue Victor Hugo, Valmont" in {case["address"] for case in json.loads(listed.stdout)}


def _without_database_url() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}


def test_analyze_prints_one_json_object_or_json_lines():
    one = CliRunner().invoke(main, ["analyze", "Nid de poule devant le 14 rue Victor Hugo"])
    many = CliRunner().invoke(main, ["analyze"], input="STOP\nlampadaire éteint rue balzac\n")

    assert one.exit_code == 0, one.output
    assert json.loads(one.output)["category"] == "chaussee"
    lines = [json.loads(line) for line in many.output.splitlines()]
    assert [(line["intent"], line["category"]) for line in lines] == [("stop", None), ("report", "eclairage")]


@pytest.mark.processes
def test_the_simulator_sends_through_the_real_adapters_and_shows_what_the_stand_ins_received(tmp_path):
    port, twilio_port, smtp_port, relay_port, telegram_port = (free_port() for _ in range(5))
    process = subprocess.Popen(
        [sys.executable, "-m", "gateway.cli", "demo", "--fresh", "--port", str(port), "--twilio-port", str(twilio_port),
         "--smtp-port", str(smtp_port), "--relay-port", str(relay_port), "--telegram-port", str(telegram_port),
         "--db", str(tmp_path / "demo.db"), "--state", str(tmp_path / "demo.json")],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}/simulateur"
    try:
        page = wait_for_http(base, process)
        sent = requests.post(base + "/envoyer", json={"channel": "telegram", "sender": "777",
                                                      "text": "<script>alert(1)</script> tag rue Victor Hugo"},
                             timeout=10)
        refused = requests.post(base + "/envoyer", json={"channel": "fax", "sender": "1", "text": "x"}, timeout=10)
        malformed = [requests.post(base + "/envoyer", json=body, timeout=10).status_code for body in (
            {"channel": "sms", "sender": "+33612345678", "text": "ici", "lat": "abc", "lon": "1"},
            {"channel": "sms", "sender": "+33612345678", "text": "ici", "lat": "NaN", "lon": "1"},
            {"channel": "sms", "sender": "+3361\r\nX-Injected: 1", "text": "nid de poule"},
            ["channel", "sms"],
        )]
        deadline, thread = time.monotonic() + 15, []
        while time.monotonic() < deadline and not thread:
            thread = requests.get(base + "/fil", params={"channel": "telegram", "sender": "777"}, timeout=5).json()[
                "messages"]
            time.sleep(0.3)
        ring = requests.post(base + "/appel", json={"caller": "+33612345670"}, timeout=10).json()
        keyed = requests.post(base + "/appel", json={"caller": "+33612345670", "call_sid": ring["call_sid"],
                                                     "gather": ring["gather"], "redirect": ring["redirect"],
                                                     "input": "1"}, timeout=10).json()
    finally:
        process.terminate()
        process.wait(timeout=20)
    assert page.status_code == 200 and 'lang="fr"' in page.text and 'for="sender"' in page.text
    assert (sent.status_code, refused.status_code) == (200, 400)
    assert malformed == [400, 400, 400, 400]
    assert thread and "<script>" not in thread[0]
    assert ring["gather"] and any("tapez 1" in said.lower() for said in ring["says"])
    assert keyed["says"] and not keyed["ended"]


@pytest.mark.parametrize("command", ["worker", "smtp"])
def test_a_worker_or_mail_server_on_a_database_without_its_migrations_says_what_to_run(rt, tmp_path, command):
    env = {**gateway_env(rt), "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.db'}"}

    result = CliRunner().invoke(main, [command], env=env)

    assert (result.exit_code, result.output.strip().splitlines()[-1]) == (
        1, "Error: the database at DATABASE_URL lacks migrations: run `guichet db upgrade` "
           "(or start `guichet serve`, which applies them) first")


def test_erasing_on_a_database_without_its_migrations_says_what_to_run(rt, tmp_path):
    env = {**gateway_env(rt), "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.db'}"}

    result = CliRunner().invoke(main, ["contact", "erase", "+33612345678", "--yes"], env=env)

    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.output.strip().splitlines()[-1].startswith("Error: the database at DATABASE_URL lacks migrations")


def test_contact_commands_read_the_demos_database_with_demo(rt, tmp_path):
    state = tmp_path / "demo.json"
    state.write_text(json.dumps({"database": rt.settings.database_url}))

    result = CliRunner().invoke(main, ["contact", "--demo", "--state", str(state), "erase", "+33600000999", "--yes"],
                                env=gateway_env(rt))

    assert (result.exit_code, result.output.strip()) == (
        1, "Error: nobody writes from that address (already erased, or never seen)")
