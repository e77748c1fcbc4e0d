"""Log lines carry their structured fields, in every process, the gunicorn web one included."""

from __future__ import annotations

import logging
import subprocess
import sys

import pytest

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


# ---- personal data never reaches the log (issue 10) -----------------------------------------------------------

RESIDENT = "+33612345678"
BODY = "Nid de poule rue Pasteur, rappelez-moi au 06 12 34 56 78 ou paul.martin@example.org"


@pytest.fixture
def log_output():
    """What the gateway's own handler (gateway.logs.configure) writes, for every logger."""
    import io

    from gateway import logs

    stream = io.StringIO()
    made = logs.handler(stream)
    root = logging.getLogger()
    root.addHandler(made)
    level, root.level = root.level, logging.INFO
    yield stream
    root.removeHandler(made)
    root.setLevel(level)


def failing_insert(session, *, sender: str, body: str) -> None:
    """A real statement that fails (the same provider id twice), with the sender and the body as parameters."""
    from sqlalchemy import text

    insert = text("INSERT INTO inbound_message (channel, provider_id, sender, recipient, body, automatic, media, raw,"
                  " status, attempts, next_attempt_at, received_at) VALUES ('sms', 'SMdup', :sender, '', :body,"
                  " false, '[]', '{}', 'done', 0, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)")
    session.execute(insert, {"sender": sender, "body": body})
    session.execute(insert, {"sender": sender, "body": body})


def test_a_failing_statement_logged_with_its_traceback_shows_neither_number_nor_body(rt, log_output):
    from sqlalchemy.exc import IntegrityError

    try:
        with rt.db.session() as session:
            failing_insert(session, sender=RESIDENT, body=BODY)
    except IntegrityError:
        logging.getLogger("gateway.test").exception("statement failed for %s", RESIDENT, extra={"sender": RESIDENT})
    output = log_output.getvalue()

    assert "statement failed" in output and "IntegrityError" in output
    assert "SQL parameters hidden" in output
    assert RESIDENT not in output and RESIDENT[1:] not in output and "06 12 34 56 78" not in output
    assert "Nid de poule" not in output and "paul.martin" not in output


def test_an_inbound_message_that_fails_in_the_worker_leaves_no_number_or_body_in_the_log(gateway, worker, log_output,
                                                                                         monkeypatch):
    def fails_on_a_statement(session, message):
        failing_insert(session, sender=message.sender, body=message.body)

    monkeypatch.setattr(worker.engine, "handle", fails_on_a_statement)
    response = gateway.sms(RESIDENT, BODY)
    worker.run_once()
    output = log_output.getvalue()

    assert response.status_code == 200
    assert "Traceback" in output or "IntegrityError" in output
    assert RESIDENT not in output and RESIDENT[1:] not in output and "06 12 34 56 78" not in output
    assert "Nid de poule" not in output and "paul.martin" not in output


def test_the_filter_masks_numbers_and_addresses_in_message_arguments_and_fields(log_output):
    logging.getLogger("gateway.test").warning("write to %s or %s", "0612345678", "jean@example.fr",
                                              extra={"to": "+33 6 12 34 56 78", "email": "jean@example.fr"})
    output = log_output.getvalue()

    assert "write to [téléphone masqué] or [e-mail masqué]" in output
    assert "0612345678" not in output and "jean@example.fr" not in output and "12 34 56 78" not in output


def test_json_lines_carry_the_fields_and_the_traceback_and_still_mask_numbers(gateway, worker):
    import io
    import json

    from gateway import logs

    stream = io.StringIO()
    made = logs.handler(stream, json_lines=True)
    root = logging.getLogger()
    root.addHandler(made)
    level, root.level = root.level, logging.INFO
    try:
        gateway.sms("+33612345678", "Nid de poule devant le 14 rue Victor Hugo")
        worker.run_once()
        try:
            raise RuntimeError("provider said no to +33612345678")
        except RuntimeError:
            logging.getLogger("gateway.test").exception("send failed", extra={"channel": "sms"})
    finally:
        root.removeHandler(made)
        root.level = level

    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    [opened] = [line for line in lines if line["message"] == "case opened"]
    [failed] = [line for line in lines if line["message"] == "send failed"]
    assert opened["case"].startswith("GU-") and opened["level"] == "INFO" and opened["time"].endswith("+00:00")
    assert failed["channel"] == "sms" and "RuntimeError" in failed["traceback"]
    assert "+33612345678" not in stream.getvalue()
