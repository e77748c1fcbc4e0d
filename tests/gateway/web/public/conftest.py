"""A small town's worth of cases for the public pages, made through the real engine (signed SMS, the worker)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlmodel import select

from gateway.cases.flows import change_status
from store import cases as case_store
from store.clock import aware
from store.models import Case
from tests.images import image_bytes

RESIDENT = "+33612345678"
NEIGHBOUR = "+33698765432"
PARKED_CAR = ("voiture AB-123-CD garée sur le trottoir devant le 14 rue Victor Hugo, "
              "rappelez-moi au 06 12 34 56 78")
# What must never show on a public page, in any form.
PERSONAL = ("AB-123-CD", "AB123CD", "06 12 34 56 78", "0612345678", "+33612345678", "612345678",
            "+33698765432", "698765432", "Dupont", "07 00 11 22 33")


@dataclass(frozen=True)
class Town:
    """The references of the seeded cases, by what happened to them."""

    parked_car: str  # resolved after 12 hours with a photo, reported by two people (police)
    pothole: str  # validated
    street_light: str  # in progress
    rubbish: str  # received, in Saint-Aubin
    light_late: str  # resolved after 10 days, past its 7-day delay (lighting)
    light_quick: str  # resolved after 4 days (lighting)
    photo_name: str


def _report(gateway, worker, sender: str, text: str) -> Case:
    response = gateway.sms(sender, text)
    assert response.status_code == 200
    worker.run_once()
    with gateway.rt.db.session() as session:
        return session.exec(select(Case).order_by(Case.id.desc())).first()


@pytest.fixture
def town(gateway, worker) -> Town:
    """Six cases in every state the map colours, with followers, a private note and a resolution photo."""
    rt = gateway.rt
    parked = _report(gateway, worker, RESIDENT, PARKED_CAR)
    joined = _report(gateway, worker, NEIGHBOUR, "voiture garée sur le trottoir 14 rue Victor Hugo, c'est M. Dupont")
    assert joined.id == parked.id  # the neighbour now follows the same case
    pothole = _report(gateway, worker, "+33611000002", "Nid de poule devant le 20 rue Victor Hugo")
    light = _report(gateway, worker, "+33611000003", "Lampadaire éteint 8 avenue Jean Jaurès")
    rubbish = _report(gateway, worker, "+33611000004", "Dépôt sauvage de sacs poubelle 3 Grande Rue")
    late = _report(gateway, worker, "+33611000005", "Lampadaire éteint 40 rue Victor Hugo")
    quick = _report(gateway, worker, "+33611000006", "Lampadaire éteint 2 rue Victor Hugo")
    cases = (parked, pothole, light, rubbish, late, quick)
    assert len({c.id for c in cases}) == 6
    assert [c.category for c in cases] == ["stationnement", "chaussee", "eclairage", "dechets", "eclairage",
                                           "eclairage"]

    photo = rt.settings.media_dir / f"{parked.reference}-apres.jpg"
    photo.parent.mkdir(parents=True, exist_ok=True)
    photo.write_bytes(image_bytes("JPEG", (48, 32), "darkgreen"))
    with rt.db.session() as session:
        change_status(rt, session, reference=pothole.reference, status="validated", message="Rebouchage prévu jeudi.")
        change_status(rt, session, reference=light.reference, status="validated")
        change_status(rt, session, reference=light.reference, status="in_progress")
        change_status(rt, session, reference=parked.reference, status="resolved", photo=str(photo),
                      message="Véhicule enlevé. M. Dupont peut nous joindre au 07 00 11 22 33.",
                      now=aware(parked.created_at) + timedelta(hours=12))
        change_status(rt, session, reference=late.reference, status="resolved",
                      now=aware(late.created_at) + timedelta(days=10))
        change_status(rt, session, reference=quick.reference, status="resolved",
                      now=aware(quick.created_at) + timedelta(days=4))
        case = case_store.by_reference(session, parked.reference)
        case_store.add_event(session, case, "note", message="Note interne : rappeler le plaignant", public=False)
    worker.run_once()
    return Town(parked.reference, pothole.reference, light.reference, rubbish.reference, late.reference,
                quick.reference, photo.name)
