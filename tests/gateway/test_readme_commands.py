"""The README's quick start, run as it is written: `guichet demo`, then each command of its "play a resident"
block, in order, from another process. The demo gets free ports and its own files (`--state`, `--db`), which
the commands are pointed at with `--state` (the README's commands use the defaults of a checkout's `var/`);
`GU-…` becomes the reference the first report got."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys

import pytest

from gateway.settings import REPO
from tests.gateway.test_processes import free_port, wait_for_http

REFERENCE = re.compile(r"GU-\d{4}-\d{4}")
CALLER = "1\nle lampadaire est eteint devant le 12 rue victor hugo\n"  # then the caller hangs up (end of input)


def readme_block(after: str) -> list[str]:
    """The commands of the first ```sh block after the sentence `after`, comments dropped."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    block = text[text.index(after):].split("```sh\n", 1)[1].split("```", 1)[0]
    return [line.split("  #", 1)[0].strip() for line in block.splitlines() if line.strip()]


def with_state(command: str, state: str) -> list[str]:
    """The command's words with `--state` where its group or command takes it."""
    words = shlex.split(command)
    at = len(words)  # at the end, but `case --demo --state X list`: the group takes it
    if words[1] == "case":
        at = words.index("--demo") + 1 if "--demo" in words else 2
    return [*words[:at], "--state", state, *words[at:]]


@pytest.mark.processes
def test_every_command_of_the_quick_start_works_as_written(tmp_path):
    commands = readme_block("Play\na resident from another terminal:")
    assert len(commands) >= 8 and all(c.startswith(".venv/bin/guichet ") for c in commands), commands
    ports = [str(free_port()) for _ in range(5)]
    state = str(tmp_path / "demo.json")
    demo = subprocess.Popen(
        [sys.executable, "-m", "gateway.cli", "demo", "--fresh", "--port", ports[0], "--twilio-port", ports[1],
         "--smtp-port", ports[2], "--relay-port", ports[3], "--telegram-port", ports[4],
         "--db", str(tmp_path / "demo.db"), "--state", state],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=REPO)
    outputs: list[tuple[str, subprocess.CompletedProcess]] = []
    try:
        wait_for_http(f"http://127.0.0.1:{ports[0]}/healthz", demo)
        reference = None
        for command in commands:
            if "GU-…" in command:
                assert reference, outputs
                command = command.replace("GU-…", reference)
            keys = CALLER if " call " in command else ""  # what a person types at the phone line's prompts
            done = subprocess.run(with_state(command, state), cwd=REPO, capture_output=True, text=True,
                                  timeout=120, input=keys)
            outputs.append((command, done))
            reference = reference or next(iter(REFERENCE.findall(done.stdout)), None)
    finally:
        demo.terminate()
        demo.wait(timeout=30)

    for command, done in outputs:
        assert done.returncode == 0, (command, done.stdout, done.stderr)
        assert "Traceback" not in done.stdout + done.stderr, (command, done.stderr)
        assert done.stdout.strip(), command
    first = outputs[0][1].stdout
    assert "Merci" in first and REFERENCE.search(first), first
    [asked] = [done.stdout for command, done in outputs if "GU-1234-5678" in command]
    assert "GU-1234-5678" in asked  # the README's example reference: its check digit is wrong, and so it is said
    [(_, updated)] = [(c, d) for c, d in outputs if " update " in c]
    assert "is now validated" in updated.stdout
