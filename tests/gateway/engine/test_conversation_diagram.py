"""conversation.mmd draws what the engine does: scripted conversations take every arrow, and only those."""

from __future__ import annotations

import itertools
from datetime import timedelta
from pathlib import Path

from sqlmodel import select

from channels.base import InboundMessage as Received
from gateway.cases.flows import change_status, write_to_reporter
from gateway.cases.satisfaction import ask_due
from gateway.engine import conversation
from gateway.engine.conversation import ConversationEngine
from store import inbound
from store.clock import utcnow
from store.models import Case, Conversation, Identity
from tests.gateway.engine.diagrams import arrows

DIAGRAM = Path(conversation.__file__).with_suffix(".mmd")
NOWHERE = (48.85, 2.35)  # Paris: outside Valmont and Saint-Aubin-sur-Loire
LOW_CONFIDENCE = "trottoir dégradé"  # "chaussée", below the confidence the engine trusts
PLACED = "14 rue Victor Hugo"
IDEA = "Je propose une piste cyclable protégée rue de la République jusqu'à l'école"
SIMILAR_IDEA = "Une piste cyclable rue de la République, ce serait bien pour aller à l'école"
STREETS = iter(["rue Balzac", "rue des Lilas", "rue Pasteur", "rue du Moulin", "rue Danton", "rue des Écoles"])


def elsewhere() -> str:
    """A report of its own: a tag on a street no other script writes about."""
    return f"Tag sur le mur devant le 5 {next(STREETS)}"


# One conversation a script: what one resident sends, message after message: a text, a shared location
# (on Telegram), or an e-mail answering in the thread of the case opened first.
SCRIPTS = {
    "greeted, then a whole report": ["Bonjour", f"Nid de poule devant le {PLACED}"],
    "a place, then what": [PLACED, "nid de poule"],
    "vague, help, what, twice where": ["il y a un souci", "AIDE", "nid de poule", "chez moi", PLACED],
    "confirmed without a place, stopped": [LOW_CONFIDENCE, "oui", "STOP"],
    "refused with a place": [f"{LOW_CONFIDENCE} {PLACED}", "AIDE", "non"],
    "something else: vague": [LOW_CONFIDENCE, "il y a un souci", "STOP"],
    "something else: low confidence, then a report": [LOW_CONFIDENCE, "Bonjour", f"{LOW_CONFIDENCE} au {PLACED}",
                                                      f"Nid de poule devant le {PLACED}"],
    "something else: no place": [LOW_CONFIDENCE, "nid de poule", "STOP"],
    "where: outside": ["nid de poule", {"text": "", "at": NOWHERE}],
    "what: outside": [{"text": "", "at": NOWHERE}, "nid de poule"],
    "never found": ["lampadaire éteint", "chez moi", "là-bas au fond"],
    "where: stopped": ["nid de poule", "STOP"],
    "where: an e-mail reply in the thread": ["nid de poule", {"text": "Toujours pas réparé", "thread": True}],
    "what: an e-mail reply in the thread": ["il y a un souci", {"text": "Toujours pas réparé", "thread": True}],
    "confirmation: an e-mail reply in the thread": [LOW_CONFIDENCE, {"text": "Et alors ?", "thread": True}],
    "erased": ["OUBLIEZ-MOI", "oui"],
    "erasure asked twice, then cancelled": ["SUPPRIMER MES DONNÉES", "SUPPRIMER MES DONNÉES", "non merci"],
    "what: erasure": ["il y a un souci", "DELETE MY DATA", "non"],
    "where: erasure": ["nid de poule", "effacer mes données", "non"],
    "confirmation: erasure": [LOW_CONFIDENCE, "FORGET ME", "non"],
    "confirmation: an e-mail OUI in the thread": [LOW_CONFIDENCE, {"text": "OUI", "thread": True}, "STOP"],
    "a location that is no place": [{"text": "", "unreadable": True}, PLACED],
    "joined, not the same": [f"Nid de poule devant le {PLACED}", "non c'est pas le même"],
    "joined, thanked": [f"Nid de poule devant le {PLACED}", "oui"],
    "joined, then something else": [f"Nid de poule devant le {PLACED}", "il y a un souci"],
    "an agent asks, the resident answers": ["Lampadaire éteint devant le 30 rue Victor Hugo", {"do": "write"}, "c'est devant le 15 rue de la gare"],
    "not fixed, reopened": [elsewhere(), {"do": "resolve"}, "toujours pas réparé", "oui"],
    "not fixed, left resolved": [elsewhere(), {"do": "resolve"}, "ça recommence", "non"],
    "not fixed, then something else": [elsewhere(), {"do": "resolve"}, "c pas reglé", "Bonjour"],
    "asked if fixed: no": [elsewhere(), {"do": "resolve"}, {"do": "ask"}, "non"],
    "asked if fixed: yes": [elsewhere(), {"do": "resolve"}, {"do": "ask"}, "oui"],
    "asked if fixed: something else": [elsewhere(), {"do": "resolve"}, {"do": "ask"}, "il y a un souci"],
    "an idea filed": [IDEA],
    "a similar idea supported, then named": [SIMILAR_IDEA, "oui", "NOMMEZ-MOI", "Camille D."],
    "a similar idea, then a new one": [SIMILAR_IDEA, "NOUVELLE"],
    "a similar idea, then something else": [SIMILAR_IDEA, "il y a un souci", "STOP"],
    "an idea alone, then support words": ["j'ai une idée", "STOP", "+1", "IMPLIQUÉ"],
}


def state_of(rt, sender: str) -> str:
    with rt.db.session() as session:
        row = session.exec(select(Conversation.state).join(Identity, Identity.id == Conversation.identity_id)
                           .where(Identity.address == sender)).first()
        return row or conversation.IDLE


def act(rt, sender: str, action: str) -> None:
    """An agent's or the worker's step on the sender's latest case."""
    with rt.db.session() as session:
        case = session.exec(select(Case).join(Identity, Identity.contact_id == Case.reporter_id)
                            .where(Identity.address == sender).order_by(Case.id.desc())).first()
        if action == "write":
            write_to_reporter(rt, session, reference=case.reference, text="Quel numéro ?")
        elif action == "resolve":
            change_status(rt, session, reference=case.reference, status="resolved")
        else:
            case.resolved_at = utcnow() - timedelta(days=rt.settings.satisfaction_days, hours=1)
            session.add(case)
            session.flush()
            ask_due(rt, session)


def taken(rt) -> set[tuple[str, str]]:
    """The (state before, state after) of every message of every script, each from its own resident."""
    engine, counter, pairs = ConversationEngine(rt), itertools.count(), set()
    for number, script in enumerate(SCRIPTS.values()):
        shares_location = any(isinstance(said, dict) and "at" in said for said in script)
        channel, sender = ("telegram", f"{100000 + number}") if shares_location else (
            "email", f"resident{number}@example.org")
        for said in script:
            said = said if isinstance(said, dict) else {"text": said}
            before = state_of(rt, sender)
            if "do" in said:
                # What the agents' side does between two messages: write to the reporter, resolve, ask if fixed.
                act(rt, sender, said["do"])
                pairs.add((before, state_of(rt, sender)))
                continue
            with rt.db.session() as session:
                thread = session.exec(select(Case.reference)).first() if said.get("thread") else None
                lat, lon = said.get("at", (None, None))
                received = Received(channel=channel, provider_id=f"<{next(counter)}@example.org>", sender=sender,
                                    recipient="mairie@valmont.example", text=said["text"], lat=lat, lon=lon,
                                    thread_reference=thread, place_unreadable=said.get("unreadable", False))
                inbound.record(session, received)
                message = inbound.claim_next(session)
                engine.handle(session, message)
                inbound.mark_done(session, message)
            pairs.add((before, state_of(rt, sender)))
    return pairs


def test_every_arrow_of_the_diagram_is_taken_and_nothing_else(rt):
    assert taken(rt) == arrows(DIAGRAM)


def test_every_state_the_engine_handles_is_drawn(rt):
    states = {state for arrow in arrows(DIAGRAM) for state in arrow}
    assert set(ConversationEngine(rt).handlers) == states
