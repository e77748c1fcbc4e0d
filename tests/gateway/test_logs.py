"""Log lines carry their structured fields, in every process, the gunicorn web one included."""

from __future__ import annotations

import logging
import subprocess
import sys

from gateway.logs import FORMAT, FieldsFormatter
from tests.conftest import gateway_env


def test_case_opened_is_logged_with_its_reference_and_channel(gateway, worker, caplog):
    caplog.handler.setFormatter(FieldsFormatter(FORMAT))
    with caplog.at_level(logging.INFO):
        gateway.sms("+33612345678", "Nid de poule devant le 14 rue Victor Hugo")
        worker.run_once()

    [line] = [line for line in caplog.text.splitlines() if "case opened" in line]
    [reference] = [word.split("=", 1)[1] for word in line.split() if word.startswith("case=")]
    assert reference.startswith("GU-")
    assert "+33612345678" not in caplog.text  # never a full phone number


def test_a_field_with_spaces_is_quoted_and_a_traceback_stays_below_its_line():
    formatter = FieldsFormatter("%(levelname)s %(message)s")
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "send failed", None, sys.exc_info())
    record.reason, record.channel = "port closed", "sms"

    first, *rest = formatter.format(record).splitlines()

    assert first == "ERROR send failed channel=sms reason='port closed'"
    assert rest[0].startswith("Traceback") and rest[-1] == "ValueError: boom"


def test_the_gunicorn_web_process_logs_in_the_same_format(rt, tmp_path):
    code = "import logging, gateway.wsgi; logging.getLogger('guichet').info('ready', extra={'case': 'GU-1'})"
    env = gateway_env(rt) | {"DATABASE_URL": f"sqlite:///{tmp_path / 'web.db'}"}

    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)

    assert done.returncode == 0, done.stderr
    assert [line for line in done.stderr.splitlines() if line.endswith("INFO guichet: ready case=GU-1")]
