"""What an agent reads on a case: the town's clock, French words instead of stored codes, services with their
commune, and a status list that starts with a choice to make (never a default that reopens a resolved case)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from gateway.cases.flows import change_status
from tests.gateway.web.backoffice.conftest import RESIDENT, Browser, make_agent, report

OPTIONS = re.compile(r'<select id="status" name="status" required>(.*?)</select>', re.S)


def status_options(page: str) -> list[str]:
    return re.findall(r"<option value=\"([^\"]*)\"", OPTIONS.search(page).group(1))


def test_a_case_page_reads_in_paris_time_and_in_french(gateway, worker, time_machine):
    time_machine.move_to(datetime(2027, 1, 15, 9, 30, tzinfo=UTC), tick=False)  # 10:30 in Paris (winter)
    case = report(gateway, worker, RESIDENT, "Nid de poule devant le 14 rue Victor Hugo")
    make_agent(gateway.rt, "chef@mairie.example", role="supervisor")
    chief = Browser(gateway.url)
    chief.login("chef@mairie.example")

    page = chief.get(f"/agents/dossiers/{case.reference}").text

    assert "15/01/2027 10:30, par SMS" in page and " UTC" not in page
    assert "<dd>Valmont – Centre</dd>" in page
    assert "<dt>Service</dt><dd>Voirie (Valmont)</dd>" in page
    assert "<td>Signalement → " in page and "<td>un habitant</td>" in page
    assert ">created<" not in page and ">resident<" not in page
    assert '<option value="valmont-police">Police municipale (Valmont)</option>' in page
    assert '<option value="saint-aubin-police">Police municipale (Saint-Aubin-sur-Loire)</option>' in page


def test_the_status_list_offers_the_next_step_first_and_no_default(gateway, worker):
    case = report(gateway, worker, RESIDENT, "Nid de poule devant le 14 rue Victor Hugo")
    make_agent(gateway.rt, "chef@mairie.example", role="supervisor")
    chief = Browser(gateway.url)
    chief.login("chef@mairie.example")

    received = status_options(chief.get(f"/agents/dossiers/{case.reference}").text)
    with gateway.rt.db.session() as session:
        change_status(gateway.rt, session, reference=case.reference, status="resolved", actor="agent")
    resolved_page = chief.get(f"/agents/dossiers/{case.reference}").text

    assert received == ["", "validated", "in_progress", "resolved", "rejected"]
    assert status_options(resolved_page) == ["", "in_progress"]
    assert '<option value="" selected disabled>' in resolved_page  # reopening is chosen, never defaulted
