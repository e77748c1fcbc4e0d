"""The back-office queue puts emergencies first, then high urgency, then the others, oldest first in each."""

from __future__ import annotations

import re
from datetime import timedelta

from tests.conftest import paris_at
from tests.gateway.web.backoffice.conftest import NEIGHBOUR, OTHER, RESIDENT, Browser, make_agent, report

REFERENCE_LINK = re.compile(r'href="/agents/dossiers/(GU-\d{4}-\d{4})"')


def test_the_supervisors_queue_shows_the_emergency_then_the_fallen_tree_then_the_oldest_pothole_first(
        gateway, worker, time_machine):
    start = paris_at(9, 0, days=-3)
    time_machine.move_to(start, tick=False)
    old_pothole = report(gateway, worker, RESIDENT, "Nid de poule devant le 14 rue Victor Hugo")
    time_machine.move_to(start + timedelta(hours=1), tick=False)
    new_pothole = report(gateway, worker, OTHER, "Nid de poule devant le 12 rue de la Gare")
    time_machine.move_to(start + timedelta(hours=2), tick=False)
    tree = report(gateway, worker, NEIGHBOUR, "arbre tombé sur la route devant le 30 rue Victor Hugo")
    time_machine.move_to(start + timedelta(hours=3), tick=False)
    gas = report(gateway, worker, "+33611113333", "ça sent le gaz devant le 8 rue Victor Hugo")
    assert (gas.urgency, tree.urgency, old_pothole.urgency) == ("emergency", "high", "normal")

    make_agent(gateway.rt, "chef@mairie.example", role="supervisor")
    chief = Browser(gateway.url)
    chief.login("chef@mairie.example")
    page = chief.get("/agents/").text

    assert REFERENCE_LINK.findall(page) == [gas.reference, tree.reference, old_pothole.reference,
                                            new_pothole.reference]
    badges = re.findall(r'<td>(?:<span class="badge[^"]*">)?(Urgence|Prioritaire|Normale)', page)
    assert badges == ["Urgence", "Prioritaire", "Normale", "Normale"]
    assert "<dt>Urgence</dt><dd>Urgence</dd>" in chief.get(f"/agents/dossiers/{gas.reference}").text
