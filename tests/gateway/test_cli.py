"""The `guichet` command as the README shows it: one sentence per outcome, the demo's database found by itself."""

from __future__ import annotations

import json
import re

from click.testing import CliRunner
from sqlmodel import select

from gateway.cli import TEMPLATE_SAMPLES, main
from gateway.engine.messages import Messages
from gateway.settings import REPO
from store.models import AuditEntry, Case
from tests.conftest import gateway_env


def test_db_upgrade_says_what_it_applied_then_that_nothing_was_left(tmp_path):
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'new.db'}"}

    first = CliRunner().invoke(main, ["db", "upgrade"], env=env)
    second = CliRunner().invoke(main, ["db", "upgrade"], env=env)

    assert first.exit_code == 0, first.output
    assert re.fullmatch(r"database migrated from empty to \d{4}\n", first.output)
    head = first.output.split()[-1]
    assert second.output == f"database already at migration {head}: nothing to apply\n"


def test_templates_counts_the_acknowledgement_as_a_resident_receives_it():
    result = CliRunner().invoke(main, ["templates"], env={"GUICHET_CONFIG_DIR": str(REPO / "config")})

    assert result.exit_code == 0, result.output
    line = next(row for row in result.output.splitlines() if row.startswith("fr acknowledged "))
    filled = Messages(REPO / "config").render("acknowledged", **TEMPLATE_SAMPLES)
    assert f" {len(filled)} chars " in line
    assert len(filled) > len(Messages(REPO / "config").text("acknowledged")) - len("{place}{service}")
    segments = int(line.split()[-2])
    assert segments == (1 if len(filled) <= 160 else 2 if len(filled) <= 306 else 3)


def test_case_commands_find_the_demos_database_when_database_url_is_not_set(rt, gateway, worker, tmp_path):
    gateway.sms("+33612345678", "Nid de poule devant le 14 rue Victor Hugo")
    worker.run_once()
    state = tmp_path / "demo.json"
    state.write_text(json.dumps({"database": rt.settings.database_url}))
    env = gateway_env(rt) | {"DATABASE_URL": None, "GUICHET_QUIET_HOURS": None}

    listed = CliRunner().invoke(main, ["case", "--state", str(state), "list"], env=env)

    assert listed.exit_code == 0, listed.output
    assert "14 Rue Victor Hugo" in listed.output
    assert "the demo's database" in listed.output  # said on stderr, which CliRunner mixes in


def test_case_commands_without_a_demo_or_database_url_say_how_to_start_one(tmp_path):
    missing = tmp_path / "demo.json"

    result = CliRunner().invoke(main, ["case", "--demo", "--state", str(missing), "list"])

    assert result.exit_code == 1
    assert f"no demo has run here ({missing} is missing): start it with `make run`" in result.output


def test_a_status_changed_from_the_command_line_is_in_the_audit_log_with_who_asked(rt, gateway, worker):
    gateway.sms("+33612345678", "Nid de poule devant le 14 rue Victor Hugo")
    worker.run_once()
    with rt.db.session() as session:
        reference = session.exec(select(Case)).one().reference

    done = CliRunner().invoke(main, ["case", "update", reference, "--status", "validated", "--message",
                                     "Rebouchage jeudi, appelez le 06 12 34 56 78", "--cost", "120",
                                     "--agent", "claire@valmont.example"], env=gateway_env(rt))

    assert done.exit_code == 0, done.output
    with rt.db.session() as session:
        [line] = session.exec(select(AuditEntry).where(AuditEntry.action == "status")).all()
    assert (line.actor, line.via, line.reference) == ("claire@valmont.example", "cli", reference)
    assert line.detail["status"] == "validated" and line.detail["cost_cents"] == 12000
    assert "06 12 34 56 78" not in line.detail["message"]


def test_playing_an_empty_message_says_what_to_write():
    done = CliRunner().invoke(main, ["play", "sms", "+33612345678", "  "])

    assert (done.exit_code, done.output.strip()) == (
        1, 'Error: TEXT is empty: write what the resident says, e.g. "lampadaire éteint 12 rue Balzac" '
           '(or share a place with --location LAT LON)')
