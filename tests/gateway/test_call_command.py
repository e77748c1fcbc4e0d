"""`guichet call`, the demo's phone: a caller leaves a voicemail that becomes a case, and inputs the call could not
use, or a wrong state file, get one sentence, never a traceback; the simulator's phone hangs up as Twilio does."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.gateway.test_processes import _without_database_url, free_port, wait_for_http

MESSAGE = "Un arbre est tombé devant le 14 rue Victor Hugo, merci de me rappeler"


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Iterator[Path]:
    """`guichet demo` running on free ports; its state file."""
    folder = tmp_path_factory.mktemp("demo")
    state = folder / "demo.json"
    port, twilio_port, smtp_port, relay_port, telegram_port = (free_port() for _ in range(5))
    process = subprocess.Popen(
        [sys.executable, "-m", "gateway.cli", "demo", "--fresh", "--port", str(port), "--twilio-port", str(twilio_port),
         "--smtp-port", str(smtp_port), "--relay-port", str(relay_port), "--telegram-port", str(telegram_port),
         "--db", str(folder / "demo.db"), "--state", str(state)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_http(f"http://127.0.0.1:{port}/healthz", process, timeout=180)
        yield state
    finally:
        process.terminate()
        process.wait(timeout=20)


def guichet(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "gateway.cli", *args], capture_output=True, text=True, timeout=120,
                          input=stdin, env=_without_database_url())  # `case --demo` reads the demo's database


def shown_case(state: Path, reference: str) -> dict:
    shown = guichet("case", "--demo", "--state", str(state), "show", reference, "--json")
    assert shown.returncode == 0, shown.stderr
    return json.loads(shown.stdout)


def reference_in(transcript: str) -> str:
    """The reference the line spelled out ("G U, 4 8 2 7, 3 9 1 8"), written back as GU-4827-3918."""
    spelled = transcript.split("sous la référence : ", 1)[1].split(".", 1)[0]
    letters, first, second = (part.replace(" ", "") for part in spelled.split(", "))
    return f"{letters}-{first}-{second}"


@pytest.mark.processes
def test_a_caller_who_leaves_a_voicemail_hears_its_reference_and_an_agent_finds_the_message(demo):
    called = guichet("call", "+33247000003", "", "", MESSAGE, "2", "encore", "--state", str(demo))

    assert called.returncode == 0, called.stderr
    assert "Traceback" not in called.stderr and called.stderr == ""
    assert "« Vous pouvez laisser un message après le bip" in called.stdout
    assert "Merci, votre message est enregistré sous la référence : G U," in called.stdout
    assert called.stdout.count("Nous n'avons pas reçu de message") == 0
    assert called.stdout.rstrip().endswith(
        "The call was over before 2 of the inputs could be used: « 2 », « encore ».")
    case = shown_case(demo, reference_in(called.stdout))
    assert case["category"] == "autre" and case["channel"] == "voice"
    recording = case["description"].removeprefix("Message vocal : ")
    assert requests.get(recording, timeout=10).text == MESSAGE


@pytest.mark.processes
def test_a_silent_caller_at_the_beep_hears_once_that_no_message_came(demo):
    called = guichet("call", "+33247000003", "", "", "", "--state", str(demo))

    assert called.returncode == 0, called.stderr
    assert called.stdout.count("Nous n'avons pas reçu de message") == 1
    assert "(la mairie raccroche)" in called.stdout


@pytest.mark.processes
def test_at_the_prompt_the_end_of_input_hangs_up_and_a_report_read_back_is_still_filed(demo):
    called = guichet("call", "+33612000042", "--state", str(demo),
                     stdin="1\nLampadaire éteint devant le 18 rue Victor Hugo\n")

    assert called.returncode == 0, called.stderr
    assert "J'ai compris : 18 Rue Victor Hugo, à Valmont" in called.stdout
    assert "(vous raccrochez)" in called.stdout and "Traceback" not in called.stderr
    listed = guichet("case", "--demo", "--state", str(demo), "list", "--json")
    assert "18 Rue Victor Hugo, Valmont" in {case["address"] for case in json.loads(listed.stdout)}


@pytest.mark.processes
def test_hanging_up_in_the_simulator_at_the_read_back_still_files_the_report(demo):
    simulator = json.loads(demo.read_text())["gateway"] + "/simulateur"
    caller = "+33612000043"
    step = requests.post(f"{simulator}/appel", json={"caller": caller}, timeout=30).json()
    for move in ("1", "Nid de poule devant le 22 rue Victor Hugo"):
        step = requests.post(f"{simulator}/appel", json={"caller": caller, **step, "input": move}, timeout=30).json()
    assert "J'ai compris : 22 Rue Victor Hugo, à Valmont" in " ".join(step["says"])

    ended = requests.post(f"{simulator}/raccrocher", json={"caller": caller, "call_sid": step["call_sid"]}, timeout=30)

    assert ended.status_code == 200
    listed = guichet("case", "--demo", "--state", str(demo), "list", "--json")
    assert "22 Rue Victor Hugo, Valmont" in {case["address"] for case in json.loads(listed.stdout)}


@pytest.mark.processes
def test_a_file_that_is_not_the_demos_state_gets_one_sentence(tmp_path):
    wrong = tmp_path / "notes.json"
    wrong.write_text("not json")

    called = guichet("call", "+33247000003", "1", "--state", str(wrong))

    assert called.returncode == 1
    assert called.stderr.strip() == f"Error: {wrong} is not the state `guichet demo` writes"
