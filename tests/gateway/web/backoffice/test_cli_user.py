"""`guichet user add`: accounts from the command line, with an API token printed once."""

from __future__ import annotations

import requests
from click.testing import CliRunner

from gateway.cli import main
from tests.conftest import gateway_env
from tests.gateway.web.backoffice.conftest import Browser


def test_user_add_creates_an_agent_who_can_log_in_and_use_the_api(gateway, voirie):
    result = CliRunner().invoke(
        main, ["user", "add", "Voirie@Mairie.example", "--name", "Camille", "--service", "valmont-voirie", "--token"],
        input="un mot de passe long\nun mot de passe long\n", env=gateway_env(gateway.rt),
    )

    assert result.exit_code == 0, result.output
    assert "voirie@mairie.example created (agent: valmont-voirie)" in result.output
    token = result.output.split("API token (shown once): ")[1].strip()
    assert Browser(gateway.url).login("voirie@mairie.example", "un mot de passe long").status_code == 200
    shown = requests.get(f"{gateway.url}/api/v1/cases/{voirie.reference}",
                         headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert shown.status_code == 200


def test_user_add_refuses_an_unknown_service_with_a_clear_message(gateway):
    result = CliRunner().invoke(main, ["user", "add", "x@mairie.example", "--service", "nowhere",
                                       "--password", "un mot de passe long"], env=gateway_env(gateway.rt))

    assert result.exit_code != 0
    assert "nowhere" in result.output


def test_user_add_refuses_an_address_that_has_an_account_already(gateway):
    add = ["user", "add", "voirie@mairie.example", "--service", "valmont-voirie", "--password", "un mot de passe long"]
    first = CliRunner().invoke(main, add, env=gateway_env(gateway.rt))
    again = CliRunner().invoke(main, add, env=gateway_env(gateway.rt))

    assert (first.exit_code, again.exit_code) == (0, 1)
    assert "voirie@mairie.example existe déjà" in again.output
