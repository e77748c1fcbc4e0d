"""The README's table of commands, each run the way its row shows it, as a town's IT team would on a fresh
database: `.venv/bin/guichet …` in another process, on a SQLite file, with the Twilio and Telegram stand-ins
behind the real adapters. A row added to the table without an example here fails the first test; the demo's
rows (`demo`, `play`, `call`) are run by tests/gateway/test_readme_commands.py, from the quick start."""

from __future__ import annotations

import json
import re
import smtplib
import subprocess
import tarfile
import time

import pytest
import requests

from channels.standins.telegram import text_update
from channels.standins.twilio import inbound_sms_params, sign_and_post
from gateway.settings import REPO
from tests.conftest import PUBLIC_URL, gateway_env
from tests.gateway.test_processes import free_port, wait_for_http
from tests.gateway.test_readme_commands import readme_block

GUICHET = str(REPO / ".venv" / "bin" / "guichet")
OPEN_DATA = REPO / "tests" / "routing" / "fixtures" / "open_data"
RESIDENT = "+33612345601"
PASSWORD = "un mot de passe assez long"
# The commands of the table, by the words before their first argument; run below in this order.
RUN_HERE = ["db upgrade", "config check", "territory import", "templates", "analyze", "user add", "user password",
            "serve", "case list", "case show", "case update", "worker", "smtp", "telegram set-webhook",
            "telegram poll", "backup", "restore", "contact"]
RUN_BY_THE_QUICK_START = ["demo", "play sms", "call"]


def table_commands() -> list[str]:
    """The rows of the README's command table, as the words of the command before its first argument."""
    rows = re.findall(r"^\| `guichet ([^`]+)` \|", (REPO / "README.md").read_text(encoding="utf-8"), re.M)
    names = []
    for row in rows:
        words = []
        for word in row.split():
            if not re.fullmatch(r"[a-z][a-z-]*(\\\|[a-z]+)*", word):
                break
            words.append(word.split("\\|")[0])
        names.append(" ".join(words))
    return names


def test_every_row_of_the_table_has_its_example():
    assert sorted(table_commands()) == sorted(RUN_HERE + RUN_BY_THE_QUICK_START)
    quick_start = " ".join(readme_block("Play\na resident from another terminal:"))
    assert all(f"guichet {name} " in quick_start for name in ("play sms", "call")), quick_start


class Shell:
    """Runs `.venv/bin/guichet` as a person types it, in one environment; keeps what each command printed."""

    def __init__(self, env: dict[str, str], cwd):
        self.env, self.cwd = env, cwd

    def run(self, *words: str, stdin: str = "", env: dict[str, str] | None = None) -> str:
        done = subprocess.run([GUICHET, *words], env=env or self.env, cwd=self.cwd, capture_output=True, text=True,
                              input=stdin, timeout=180)
        assert done.returncode == 0 and "Traceback" not in done.stderr, (words, done.stdout, done.stderr)
        return done.stdout + done.stderr

    def start(self, *words: str) -> subprocess.Popen:
        return subprocess.Popen([GUICHET, *words], env=self.env, cwd=self.cwd, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, text=True)


def stop(process: subprocess.Popen) -> str:
    process.terminate()
    _, err = process.communicate(timeout=30)
    assert "Traceback" not in err, err
    return err


def wait_until(check, what: str, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.3)
    raise AssertionError(f"{what} never happened")


@pytest.mark.processes
def test_each_command_of_the_table_works_as_its_row_shows(rt, twilio, telegram_api, tmp_path):
    telegram_api.reset()
    port, smtp_port = free_port(), free_port()
    env = gateway_env(rt) | {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'guichet.db'}", "GUICHET_MEDIA_DIR": str(tmp_path / "media"),
        "PORT": str(port), "GUICHET_SMTP_PORT": str(smtp_port),
        "TELEGRAM_BOT_TOKEN": telegram_api.token, "TELEGRAM_API_URL": telegram_api.url,
        "TELEGRAM_WEBHOOK_SECRET": "readme-table-secret"}
    sh = Shell(env, tmp_path)

    # Setting the town up.
    assert "0010" in sh.run("db", "upgrade")
    sh.run("config", "check")
    sh.run("territory", "import", "--communes", str(OPEN_DATA / "communes-37.geojson"), "--insee", "37072",
           "--ban", str(OPEN_DATA / "adresses-37.csv"), "--out", str(tmp_path / "chinon"))
    assert (tmp_path / "chinon" / "territories.geojson").exists() and (tmp_path / "chinon" / "gazetteer.csv").exists()
    assert re.search(r"fr acknowledged +(GSM-7|UCS-2) +\d+ chars \d+ SMS", sh.run("templates"))
    assert json.loads(sh.run("analyze", "lampadaire éteint 12 rue Balzac"))["category"] == "eclairage"
    token = sh.run("user", "add", "agent@valmont.example", "--name", "Agnès Martin", "--role", "agent",
                   "--service", "valmont-voirie", "--password", PASSWORD, "--token")
    assert re.search(r"\b[\w-]{30,}\b", token), token
    sh.run("user", "password", "agent@valmont.example", stdin=f"{PASSWORD} bis\n{PASSWORD} bis\n")

    # Running it: a resident reports through the web process, an agent answers from the command line.
    served = sh.start("serve")
    try:
        assert wait_for_http(f"http://127.0.0.1:{port}/healthz", served).json()["database"] == "ok"
        path = "/webhooks/twilio/messages"
        params = inbound_sms_params(from_=RESIDENT, to=rt.settings.twilio_sms_from, account_sid=rt.settings.twilio_account_sid,
                                    body="Nid de poule devant le 20 rue Victor Hugo")
        assert sign_and_post(f"http://127.0.0.1:{port}{path}", params, rt.settings.twilio_auth_token,
                             public_url=PUBLIC_URL + path).status_code == 200
        [acknowledgement] = wait_until(lambda: twilio.texts_to(RESIDENT), "the acknowledgement")
        reference = re.search(r"GU-\d{4}-\d{4}", acknowledgement).group(0)
        assert reference in sh.run("case", "list")
        assert "Rue Victor Hugo" in sh.run("case", "show", reference)
        sh.run("case", "update", reference, "--status", "validated", "--message", "Intervention jeudi",
               "--expected-on", "2027-01-15", "--cost", "120")
        update = wait_until(lambda: twilio.texts_to(RESIDENT)[1:], "the update")
        assert "Intervention jeudi" in " ".join(update)
    finally:
        stop(served)

    # The Procfile's other processes, each on its own.
    worker = sh.start("worker")
    mail = sh.start("smtp")
    try:
        banner = wait_until(lambda: _smtp_banner(smtp_port), "the mail server's banner")
        assert banner.startswith("220")
        time.sleep(2)
        assert worker.poll() is None
    finally:
        stop(mail)
        stop(worker)
    assert f"{rt.settings.public_url}/webhooks/telegram" in sh.run("telegram", "set-webhook")
    requests.post(f"{telegram_api.url}/bot{telegram_api.token}/deleteWebhook", timeout=5)
    polling = sh.start("telegram", "poll")
    try:
        telegram_api.deliver(text_update(4242, "bonjour"))
        answer = wait_until(lambda: [m for m in telegram_api.sent if str(m.get("chat_id")) == "4242"], "an answer")
        assert "Bonjour" in answer[0]["text"]
    finally:
        stop(polling)

    # Keeping it: a backup restored into an empty database holds the case; a resident is erased.
    archive = tmp_path / "guichet-backup.tar.gz"
    sh.run("backup", str(archive))
    assert tarfile.is_tarfile(archive)
    elsewhere = env | {"DATABASE_URL": f"sqlite:///{tmp_path / 'restored.db'}",
                       "GUICHET_MEDIA_DIR": str(tmp_path / "restored-media")}
    sh.run("restore", str(archive), env=elsewhere)
    assert reference in sh.run("case", "list", env=elsewhere)
    assert re.match(r"erased: 1 identities, \d+ messages, 1 cases kept without their words",
                    sh.run("contact", "erase", RESIDENT, "--yes"))


def _smtp_banner(port: int) -> str | None:
    try:
        with smtplib.SMTP("127.0.0.1", port, timeout=3) as client:
            code, text = client.noop()
            return f"{220 if code == 250 else code} {text.decode()}"
    except OSError:
        return None
