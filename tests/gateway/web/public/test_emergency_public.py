"""An emergency on the public surfaces: no delay promised, and not the resident's words (they tell of someone's
health). Made through the real SMS webhook and worker, read over HTTP as anyone would."""

from __future__ import annotations

import requests
from sqlmodel import select

from store.models import Case

WORDS = "ma voisine est tombée dans l'escalier elle saigne de la tête au 4 rue Victor Hugo"


def test_an_emergency_is_public_without_a_delay_or_the_residents_words(gateway, worker):
    assert gateway.sms("+33611990001", WORDS).status_code == 200
    assert gateway.sms("+33611990002", "Nid de poule devant le 30 rue Victor Hugo").status_code == 200
    worker.run_once()
    with gateway.rt.db.session() as session:
        emergency = session.exec(select(Case).where(Case.urgency == "emergency")).one()
        pothole = session.exec(select(Case).where(Case.category == "chaussee")).one()

    page = requests.get(f"{gateway.url}/suivi/{emergency.reference}", timeout=10).text
    [entry] = requests.get(f"{gateway.url}/open311/v2/requests/{emergency.reference}.json", timeout=10).json()
    listed = requests.get(f"{gateway.url}/open311/v2/requests.json", timeout=10).json()

    assert "saigne" not in page and "Traitement prévu avant le" not in page
    assert "Urgence signalée, transmise à" in page
    assert "saigne" not in entry["description"] and "jours" not in entry["service_notice"]
    assert entry["expected_datetime"] is None
    assert not any("saigne" in (item.get("description") or "") for item in listed)
    # an ordinary report keeps its words and its delay
    [other] = requests.get(f"{gateway.url}/open311/v2/requests/{pothole.reference}.json", timeout=10).json()
    assert "Nid de poule" in other["description"] and "Délai de traitement prévu" in other["service_notice"]
