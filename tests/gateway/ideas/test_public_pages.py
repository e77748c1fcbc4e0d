"""The ideas' public pages over real HTTP: /idees with its filters and search, an idea's page with its official
answer, steps, progress, events and contributions, supporting by a code sent by SMS, and the home page where
ideas leave the problems' list, map and statistics for their own "grâce à vous" counts."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
import requests
from sqlmodel import select

from gateway.ideas.supports import support
from store import cases as case_store
from store import contacts
from store.clock import utcnow
from store.models import Agent, Case, Contribution, Event, EventIdea, Support
from tests.gateway.web.backoffice.conftest import BehindTheProxy
from tests.images import image_bytes, size_of

RESIDENT = "+33612345670"
# What must never show on a public page, in any form.
PERSONAL = ("Dupont", "06 98 76 54 32", "0698765432", "07 00 11 22 33", "+33612345670", "camille@example.org")


@dataclass(frozen=True)
class Ideas:
    """The references of the seeded ideas and the problem beside them."""

    benches: str  # go, with reasons, cost, period, two steps (40 % then 60 %), an event, two contributions
    cycle_lane: str  # under study, decision expected, supported twice
    fountain: str  # no-go
    garden: str  # done, with two supporters, one who agreed to be named
    pothole: str  # a problem reported by SMS


def resident_browser() -> requests.Session:
    """A resident's browser behind the town's TLS proxy (the session cookie is `Secure`)."""
    browser = requests.Session()
    browser.mount("http://", BehindTheProxy())
    return browser


def get(gateway, path: str, **params) -> requests.Response:
    return requests.get(gateway.url + path, params=params, timeout=10)


def text_of(page: requests.Response) -> str:
    """The page's text as a reader sees it: tags out, entities decoded, spaces collapsed."""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page.text)))


def _idea(session, description: str, category: str, status: str, **fields) -> Case:
    idea = case_store.create(session, prefix="GU", kind="idea", category=category, description=description,
                             status=status, territory="valmont", **fields)
    case_store.add_event(session, idea, "created", actor="resident", created_at=idea.created_at)
    return idea


def seed(gateway, worker) -> Ideas:
    """Four ideas at four stages, and one problem, through the store and the SMS webhook."""
    assert gateway.sms("+33611000002", "Nid de poule devant le 20 rue Victor Hugo").status_code == 200
    worker.run_once()
    now = utcnow()
    with gateway.rt.db.session() as session:
        pothole = session.exec(select(Case).where(Case.kind == "problem").order_by(Case.id.desc())).first()
        referent = Agent(email="verts@valmont.example", name="Paul Durand", role="referent",
                         themes=["espaces_verts"])
        session.add(referent)
        session.flush()
        benches = _idea(session, "Des bancs au parc du château, M. Dupont peut aider : 06 98 76 54 32",
                        "espaces_verts", "go", referent_id=referent.id, created_at=now - timedelta(days=30),
                        decision_reasons="Les bancs seront posés près de l'aire de jeux. Renseignements : 07 00 11 22 33.",
                        cost_cents=450_000, period_start=date(2027, 3, 1), period_end=date(2027, 6, 30),
                        decided_at=now - timedelta(days=20), progress=60)
        case_store.add_event(session, benches, "status", status_from="under_study", status_to="go",
                             message="Idée retenue.", created_at=now - timedelta(days=20))
        case_store.add_event(session, benches, "step", title="Commande des bancs", progress=40,
                             message="Six bancs en chêne commandés.", created_at=now - timedelta(days=10))
        photo = gateway.rt.settings.media_dir / f"{benches.reference}-bancs.jpg"
        photo.parent.mkdir(parents=True, exist_ok=True)
        photo.write_bytes(image_bytes("JPEG", (48, 32), "saddlebrown"))
        case_store.add_event(session, benches, "step", title="Pose des premiers bancs", progress=60,
                             message="Trois bancs posés.", photo=str(photo), created_at=now - timedelta(days=2))
        case_store.add_event(session, benches, "note", message="Note interne : relancer le fournisseur",
                             public=False, created_at=now - timedelta(days=1))
        session.add(Contribution(case_id=benches.id, text="Pensez à un banc à l'ombre, appelez-moi au 06 98 76 54 32",
                                 status="published", created_at=now - timedelta(days=15)))
        session.add(Contribution(case_id=benches.id, text="Contribution encore en attente de modération",
                                 status="pending", created_at=now - timedelta(days=14)))
        meeting = Event(reference="EV-1234", title="Café citoyen du parc", starts_at=now + timedelta(days=7),
                        place="Salle des fêtes, 2 place de la Mairie")
        session.add(meeting)
        session.flush()
        session.add(EventIdea(event_id=meeting.id, case_id=benches.id))
        cycle = _idea(session, "Une piste cyclable rue de la République", "velo", "under_study",
                      decision_due_on=date(2027, 1, 15), created_at=now - timedelta(days=5))
        fountain = _idea(session, "Une fontaine place du marché", "eau", "no_go", created_at=now - timedelta(days=8),
                         decided_at=now - timedelta(days=3), decision_reasons="Le réseau d'eau ne le permet pas.")
        garden = _idea(session, "Un jardin partagé derrière l'école", "espaces_verts", "done",
                       created_at=now - timedelta(days=60), progress=100)
        for number, idea in (("+33611000011", cycle), ("+33611000012", cycle), ("+33611000013", garden),
                             ("+33611000014", garden)):
            identity = contacts.identity_for(session, channel="sms", address=number, gateway_address=None)
            support(session, idea, identity, now=now)
        named = session.exec(select(Support).where(Support.case_id == garden.id).order_by(Support.id)).first()
        named.public_name = "Camille L."
        session.add(Event(reference="EV-0001", title="Atelier jardin", starts_at=now - timedelta(days=40),
                          status="held"))
        refs = Ideas(benches.reference, cycle.reference, fountain.reference, garden.reference, pothole.reference)
    return refs


@pytest.fixture
def ideas(gateway, worker) -> Ideas:
    return seed(gateway, worker)


def test_the_idea_page_shows_the_decision_reasons_cost_period_steps_progress_event_and_published_contribution(
        gateway, ideas: Ideas):
    page = get(gateway, f"/idees/{ideas.benches}")
    shown = text_of(page)

    assert page.status_code == 200
    assert "Idée " + ideas.benches in shown and "Retenue" in shown
    assert "Réponse officielle du" in shown and "idée retenue" in shown
    assert "Les bancs seront posés près de l'aire de jeux. Renseignements : [téléphone masqué]." in shown
    assert "Coût prévu 4 500 €" in shown
    assert "du 1er mars 2027 au 30 juin 2027" in shown
    assert "Référent Paul Durand" in shown
    assert "Commande des bancs — avancement 40 %" in shown and "Six bancs en chêne commandés." in shown
    assert '<progress id="avancement" max="100" value="60"' in page.text
    assert '<a href="/evenements/EV-1234">Café citoyen du parc</a>' in page.text
    assert "Pensez à un banc à l'ombre, appelez-moi au [téléphone masqué]" in shown
    assert "en attente de modération" not in shown
    assert "Note interne" not in shown
    assert "Des bancs au parc du château, M. [nom masqué] peut aider : [téléphone masqué]" in shown
    assert [datum for datum in PERSONAL if datum in page.text] == []
    assert 'name="csrf_token"' in page.text and "Soutenir cette idée" in shown
    [photo] = re.findall(r'<img src="(/open311/v2/media/[^"]+)" alt="Photo publiée par la mairie', page.text)
    served = get(gateway, photo)
    assert (served.status_code, size_of(served.content)) == (200, ("JPEG", (48, 32)))


def test_an_idea_under_study_shows_its_expected_decision_and_a_done_one_names_only_who_agreed(gateway, ideas: Ideas):
    studied = text_of(get(gateway, f"/idees/{ideas.cycle_lane}"))
    done = get(gateway, f"/idees/{ideas.garden}")
    refused = text_of(get(gateway, f"/idees/{ideas.fountain}"))

    assert "À l'étude" in studied and "Décision attendue le 15 janvier 2027" in studied and "2 soutiens" in studied
    assert "Réponse officielle" not in studied
    assert "Camille L." in done.text and '<progress id="avancement" max="100" value="100"' in done.text
    assert "Soutenir cette idée" not in done.text  # a realised idea takes no more supports
    assert "idée non retenue" in refused and "Le réseau d'eau ne le permet pas." in refused


def test_supporting_on_the_page_by_a_code_sent_by_sms_counts_once_even_after_an_sms_support(
        gateway, ideas: Ideas, worker, twilio):
    browser = resident_browser()
    page = browser.get(f"{gateway.url}/idees/{ideas.benches}", timeout=10)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    asked = browser.post(f"{gateway.url}/idees/{ideas.benches}/soutenir",
                         data={"csrf_token": token, "adresse": "06 12 34 56 70"}, timeout=10)
    worker.run_once()
    [sent] = twilio.texts_to(RESIDENT)
    code = re.search(r"\b(\d{6})\b", sent).group(1)
    confirmed = browser.post(f"{gateway.url}/idees/{ideas.benches}/soutenir/code",
                             data={"csrf_token": token, "adresse": "06 12 34 56 70", "code": code}, timeout=10)
    with gateway.rt.db.session() as session:  # the same phone then supports by SMS keyword (another part's reply)
        idea = case_store.by_reference(session, ideas.benches)
        by_sms = contacts.identity_for(session, channel="sms", address=RESIDENT, gateway_address=None)
        again = support(session, idea, by_sms)
        rows = session.exec(select(Support).where(Support.case_id == idea.id)).all()
    after = text_of(get(gateway, f"/idees/{ideas.benches}"))

    assert asked.status_code == 200
    assert "un code à six chiffres vient d'y être envoyé" in text_of(asked)
    assert sent.startswith(f"Votre code pour soutenir l'idée {ideas.benches} : {code}.")
    assert confirmed.status_code == 200 and "Merci, votre soutien est compté." in text_of(confirmed)
    assert again.new is False
    assert [(row.channel, row.contact_id) for row in rows] == [("web", by_sms.contact_id)]
    assert "1 soutien" in after
    assert RESIDENT not in confirmed.text and "06 12 34 56 70" not in after


def test_the_support_form_refuses_a_missing_token_a_wrong_code_and_answers_any_address_alike(
        gateway, ideas: Ideas, worker, twilio):
    browser = resident_browser()
    page = browser.get(f"{gateway.url}/idees/{ideas.cycle_lane}", timeout=10)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    forged = requests.post(f"{gateway.url}/idees/{ideas.cycle_lane}/soutenir", data={"adresse": "0612345670"},
                           timeout=10)
    known = browser.post(f"{gateway.url}/idees/{ideas.cycle_lane}/soutenir",
                         data={"csrf_token": token, "adresse": "06 11 00 00 11"}, timeout=10)  # already supports
    new = browser.post(f"{gateway.url}/idees/{ideas.cycle_lane}/soutenir",
                       data={"csrf_token": token, "adresse": "camille@example.org"}, timeout=10)
    wrong = browser.post(f"{gateway.url}/idees/{ideas.cycle_lane}/soutenir/code",
                         data={"csrf_token": token, "adresse": "camille@example.org", "code": "12"}, timeout=10)
    nonsense = browser.post(f"{gateway.url}/idees/{ideas.cycle_lane}/soutenir",
                            data={"csrf_token": token, "adresse": "pas une adresse"}, timeout=10)

    def said(response):
        return re.search(r'<p role="status">([^<]+)</p>', response.text).group(1)

    assert forged.status_code == 400 and "Le formulaire a expiré" in text_of(forged)
    assert (known.status_code, new.status_code) == (200, 200) and said(known) == said(new)
    assert wrong.status_code == 422 and "Ce code n'est pas le bon" in text_of(wrong)
    assert nonsense.status_code == 422 and "Ce numéro de téléphone n'est pas reconnu" in text_of(nonsense)
    assert "3 soutiens" not in text_of(get(gateway, f"/idees/{ideas.cycle_lane}"))


def test_the_list_filters_by_theme_and_status_searches_and_sorts_by_supports(gateway, ideas: Ideas):
    def listed(**params) -> list[str]:
        page = get(gateway, "/idees", **params)
        assert page.status_code == 200
        return re.findall(r'<a href="/idees/(GU-[\d-]+)"', page.text)

    every = listed()
    page = text_of(get(gateway, "/idees"))

    assert every == [ideas.cycle_lane, ideas.fountain, ideas.benches, ideas.garden]  # newest first
    assert ideas.pothole not in every
    assert listed(theme="espaces_verts") == [ideas.benches, ideas.garden]
    assert listed(statut="under_study") == [ideas.cycle_lane]
    assert listed(q="piste République") == [ideas.cycle_lane]
    assert listed(q="0698765432") == [] and listed(q="Dupont") == []  # masked words cannot be searched for
    assert listed(tri="soutiens")[:2] == [ideas.cycle_lane, ideas.garden]
    assert "référent : Paul Durand" in page and "2 soutiens" in page
    assert [datum for datum in PERSONAL if datum in page] == []


def test_ideas_leave_the_homes_problem_list_map_and_statistics_and_get_their_own_counts(gateway, ideas: Ideas):
    home = get(gateway, "/")
    shown = text_of(home)
    geojson = get(gateway, "/carte/cas.geojson").json()
    stats = get(gateway, "/statistiques.json").json()
    tracking = requests.get(f"{gateway.url}/suivi/{ideas.benches}", timeout=10, allow_redirects=False)

    assert ideas.pothole in home.text
    assert [ref for ref in (ideas.benches, ideas.cycle_lane, ideas.fountain, ideas.garden) if ref in home.text] == []
    assert [f["properties"]["reference"] for f in geojson["features"]] == [ideas.pothole]
    assert stats["totals"]["cases"] == 1
    assert {s["status"] for s in stats["statuses"]} == {"received"}
    assert 'data-figure="adopted">2</span> idées retenues' in home.text  # go and done
    assert 'data-figure="supporters">4</span> habitants ont soutenu une idée' in home.text
    assert 'data-figure="events-held">1</span> rencontre tenue' in home.text
    assert '<a href="/idees">Idées</a>' in home.text and '<a href="/evenements">Événements</a>' in home.text
    assert "Grâce à vous" in shown
    assert (tracking.status_code, tracking.headers["Location"].endswith(f"/idees/{ideas.benches}")) == (302, True)


def test_the_support_form_answers_a_french_page_past_its_rate(rt, make_runtime):
    from tests.conftest import serve_app

    with rt.db.session() as session:
        reference = _idea(session, "Des bacs à compost rue Balzac", "dechets", "received").reference
    with serve_app(make_runtime(form_rate_limit="3/minute")) as served:
        answers = [requests.post(f"{served.url}/idees/{reference}/soutenir", data={"adresse": "0612345670"},
                                 timeout=10) for _ in range(4)]
        page = requests.get(f"{served.url}/idees/{reference}", timeout=10)

    assert [a.status_code for a in answers] == [400, 400, 400, 429]
    assert "Trop de demandes" in answers[3].text and page.status_code == 200
