"""The conversation engine: one resident message in, the right answers queued, a case opened or followed.

Channel-agnostic: it reads a stored `InboundMessage` and writes to the outbox.
All state lives in the database (`Conversation.state` and `.draft`); the states
and their transitions are drawn in conversation.mmd beside this module.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from sqlmodel import Session

from gateway.cases import delay_text, status_label
from gateway.runtime import Runtime
from nlu.analysis import Analysis
from routing.distance import bbox, haversine_m
from store import cases as case_store
from store import contacts, outbox
from store import inbound as inbound_store
from store.clock import utcnow
from store.models import Case, Contact, Conversation, Identity, InboundMessage

log = logging.getLogger(__name__)

IDLE, AWAITING_WHAT, AWAITING_WHERE, AWAITING_CONFIRMATION = (
    "idle", "awaiting_what", "awaiting_where", "awaiting_confirmation",
)
# Below this confidence in the category, the engine asks rather than guesses.
CONFIRM_BELOW = 0.5
# After this many unanswerable "where?", the case is opened anyway and an agent calls back.
MAX_WHERE_QUESTIONS = 2
URGENCY_ORDER = {"normal": 0, "high": 1, "emergency": 2}


@dataclass
class Turn:
    """One message being handled."""

    session: Session
    identity: Identity
    conversation: Conversation
    inbound: InboundMessage
    analysis: Analysis
    language: str

    @property
    def point(self) -> tuple[float, float] | None:
        """A position shared with the message (WhatsApp or Telegram location, photo GPS tags)."""
        lat, lon = self.inbound.extra.get("lat"), self.inbound.extra.get("lon")
        return (float(lat), float(lon)) if lat is not None and lon is not None else None


class ConversationEngine:
    """Turns stored inbound messages into replies, cases and followers."""

    def __init__(self, rt: Runtime):
        self.rt = rt

    # -- entry point ---------------------------------------------------------------------------

    def handle(self, session: Session, inbound: InboundMessage) -> None:
        """Handle one inbound message inside the caller's transaction."""
        identity = inbound_store.sender_identity(session, inbound)
        conversation = contacts.conversation_for(session, identity)
        text = inbound.body.strip()
        analysis = self.rt.understander.analyze(text) if text else Analysis()
        language = _language(session, identity, conversation, analysis, text)
        turn = Turn(session, identity, conversation, inbound, analysis, language)
        self._remember_language(turn)

        if analysis.intent == "stop":
            return self._stop(turn)
        if analysis.intent == "start":
            return self._start(turn)
        if analysis.urgency == "emergency":
            # The emergency numbers go first, before any question or acknowledgement.
            joiner = " ou le " if language == "fr" else " or "
            numbers = joiner.join(analysis.emergency_numbers or ("112",))
            self._reply(turn, "emergency", purpose="emergency", urgent=True, numbers=numbers)
        if analysis.intent == "status" or (
            (analysis.reference or analysis.mistyped_reference) and analysis.intent not in ("report", "idea")
        ):
            return self._status(turn)
        if analysis.intent == "help":
            return self._reply(turn, "help")

        state = conversation.state
        if state == AWAITING_WHERE:
            return self._where_answer(turn)
        if state == AWAITING_WHAT:
            return self._what_answer(turn)
        if state == AWAITING_CONFIRMATION:
            return self._confirmation_answer(turn)
        return self._new_message(turn)

    # -- states ----------------------------------------------------------------------------------

    def _new_message(self, turn: Turn) -> None:
        a = turn.analysis
        has_place = bool(a.address) or turn.point is not None
        if a.category is None and not has_place:
            if a.intent == "greeting":
                return self._reply(turn, "greeting")
            if a.intent == "thanks":
                return self._reply(turn, "thanks")
        draft = {
            "kind": "idea" if a.intent == "idea" else "problem",
            "description": turn.inbound.body.strip(),
            "category": a.category,
            "urgency": a.urgency,
            "confidence": a.confidence,
            "address": a.address,
            "language": turn.language,
            "where_questions": 0,
        }
        self._advance(turn, draft)

    def _what_answer(self, turn: Turn) -> None:
        a, draft = turn.analysis, dict(turn.conversation.draft)
        text = turn.inbound.body.strip()
        draft["description"] = f"{draft['description']} {text}".strip() if draft.get("description") else text
        draft["category"] = a.category or "autre"
        draft["confidence"] = 1.0  # they answered our question: no need to check it again
        draft["urgency"] = _max_urgency(draft.get("urgency", "normal"), a.urgency)
        if a.intent == "idea":
            draft["kind"] = "idea"
        draft["address"] = draft.get("address") or a.address
        self._advance(turn, draft)

    def _where_answer(self, turn: Turn) -> None:
        a, draft = turn.analysis, dict(turn.conversation.draft)
        text = turn.inbound.body.strip()
        if turn.point is None:
            draft["address"] = a.address or text
        if a.category and not draft.get("category"):
            draft["category"] = a.category
        draft["urgency"] = _max_urgency(draft.get("urgency", "normal"), a.urgency)
        self._advance(turn, draft)

    def _confirmation_answer(self, turn: Turn) -> None:
        a, draft = turn.analysis, dict(turn.conversation.draft)
        if a.answer is None:
            # Neither yes nor no: a new description, handled afresh.
            return self._new_message(turn)
        draft["confidence"] = 1.0
        if a.answer == "no":
            draft["category"] = "autre"
        self._advance(turn, draft)

    def _advance(self, turn: Turn, draft: dict) -> None:
        """Ask the next missing thing, one question at a time, or open the case."""
        if not draft.get("category"):
            return self._ask(turn, draft, AWAITING_WHAT, "ask_what")
        if draft.get("confidence", 0.0) < CONFIRM_BELOW and draft.get("urgency") == "normal":
            label = self.rt.category_label(draft["category"], turn.language)
            return self._ask(turn, draft, AWAITING_CONFIRMATION, "confirm_category", category=label)
        located = self._locate(turn, draft)
        if located is None and draft["kind"] == "problem":
            if draft.get("where_questions", 0) < MAX_WHERE_QUESTIONS:
                key = "ask_where_again" if draft.get("address") else "ask_where"
                draft["where_questions"] = draft.get("where_questions", 0) + 1
                return self._ask(turn, draft, AWAITING_WHERE, key)
        self._open_case(turn, draft, located)

    # -- actions ---------------------------------------------------------------------------------

    def _locate(self, turn: Turn, draft: dict):
        if turn.point is not None:
            return self.rt.router.locate_point(*turn.point, label=draft.get("address"))
        if draft.get("address"):
            return self.rt.router.locate_text(draft["address"])
        if draft.get("description"):
            # The gazetteer knows the town's streets: one the text analysis did not pick out
            # ("dépôt sauvage 3 Grande Rue") is still found in the whole message.
            return self.rt.router.locate_text(draft["description"])
        return None

    def _open_case(self, turn: Turn, draft: dict, located) -> None:
        session, now = turn.session, utcnow()
        territory = located.territory if located else None
        if located is not None and territory is None:
            self._reset(turn)
            names = " et ".join(c.name for c in self.rt.router.territories.communes())
            return self._reply(turn, "outside_territory", territories=names)
        category = draft["category"]
        if located is not None and draft["kind"] == "problem":
            existing = self._duplicate_of(session, category, located.place.lat, located.place.lon)
            if existing is not None:
                return self._join(turn, existing, draft)
        service = self.rt.router.service_for(category, territory) if territory else None
        case = case_store.create(
            session,
            prefix=self.rt.reference_prefix,
            kind=draft["kind"],
            category=category,
            urgency=draft.get("urgency", "normal"),
            description=draft.get("description", ""),
            address=(located.place.label if located else None) or draft.get("address"),
            lat=located.place.lat if located else None,
            lon=located.place.lon if located else None,
            service=service.code if service else None,
            territory=territory.commune_code if territory else None,
            district=territory.district_code if territory else None,
            channel=turn.identity.channel,
            reporter_id=turn.identity.contact_id,
            due_at=now + timedelta(days=self.rt.delay_days(category)),
        )
        case_store.add_follower(session, case, turn.identity, role="reporter")
        case_store.add_event(session, case, "created", status_to="received", actor="resident", public=True)
        self._reset(turn)
        label = self.rt.category_label(category, turn.language)
        delay = delay_text(self.rt, category, turn.language)
        if draft["kind"] == "idea":
            key = "idea_received"
        elif located is None:
            key = "acknowledged_unlocated"
        else:
            key = "acknowledged"
        self._reply(turn, key, case=case, reference=case.reference, category=label, delay=delay,
                    place=case.address or "", service=self.rt.service_name(case.service))
        log.info("case opened", extra={"case": case.reference, "channel": case.channel, "service": case.service})

    def _duplicate_of(self, session: Session, category: str, lat: float, lon: float) -> Case | None:
        radius = self.rt.settings.duplicate_radius_m
        since = utcnow() - timedelta(days=self.rt.settings.duplicate_days)
        candidates = case_store.open_in_box(session, category=category, box=bbox(lat, lon, radius), since=since)
        scored = [(haversine_m(lat, lon, c.lat, c.lon), c.id, c) for c in candidates]
        scored = [item for item in scored if item[0] <= radius]
        return min(scored)[2] if scored else None

    def _join(self, turn: Turn, case: Case, draft: dict) -> None:
        session = turn.session
        is_new = case_store.add_follower(session, case, turn.identity)
        if is_new:
            case_store.add_event(session, case, "follower", actor="resident", public=False,
                                 message=draft.get("description"))
        self._reset(turn)
        key = "duplicate_joined" if is_new else "already_following"
        self._reply(turn, key, case=case, reference=case.reference, status=status_label(self.rt, case, turn.language))
        log.info("resident joined case", extra={"case": case.reference, "channel": turn.identity.channel})

    def _status(self, turn: Turn) -> None:
        a, session = turn.analysis, turn.session
        if a.mistyped_reference and not a.reference:
            return self._reply(turn, "reference_mistyped", written=a.mistyped_reference)
        if a.reference:
            case = case_store.by_reference(session, a.reference)
            if case is None:
                return self._reply(turn, "reference_unknown", reference=a.reference)
            cases = [case]
        else:
            cases = case_store.of_contact(session, turn.identity.contact_id, limit=3)
            if not cases:
                return self._reply(turn, "status_none")
        lines = [
            self.rt.messages.render(
                "status_line", turn.language, reference=case.reference,
                category=self.rt.category_label(case.category, turn.language),
                place=case.address or self.rt.messages.text("unknown_place", turn.language),
                status=status_label(self.rt, case, turn.language),
            )
            for case in cases
        ]
        self._send(turn, "\n".join(lines), case=cases[0] if len(cases) == 1 else None)

    def _stop(self, turn: Turn) -> None:
        self._reset(turn)
        if contacts.stop(turn.session, turn.identity, "STOP"):
            self._reply(turn, "stopped", purpose="stop_confirmation")
        log.info("identity stopped", extra={"channel": turn.identity.channel})

    def _start(self, turn: Turn) -> None:
        if contacts.resume(turn.session, turn.identity):
            return self._reply(turn, "resumed")
        self._reply(turn, "help")

    # -- plumbing --------------------------------------------------------------------------------

    def _ask(self, turn: Turn, draft: dict, state: str, key: str, **values) -> None:
        turn.conversation.state, turn.conversation.draft = state, draft
        turn.conversation.updated_at = utcnow()
        turn.session.add(turn.conversation)
        self._reply(turn, key, **values)

    def _reset(self, turn: Turn) -> None:
        turn.conversation.state, turn.conversation.draft = IDLE, {"language": turn.language}
        turn.conversation.updated_at = utcnow()
        turn.session.add(turn.conversation)

    def _reply(self, turn: Turn, key: str, *, case: Case | None = None, purpose: str = "reply",
               urgent: bool = False, **values) -> None:
        self._send(turn, self.rt.messages.render(key, turn.language, **values), case=case,
                   purpose=purpose, urgent=urgent)

    def _send(self, turn: Turn, body: str, *, case: Case | None = None, purpose: str = "reply",
              urgent: bool = False) -> None:
        outbox.enqueue(turn.session, turn.identity, body, purpose=purpose, urgent=urgent,
                       case_id=case.id if case else None, inbound_id=turn.inbound.id)

    def _remember_language(self, turn: Turn) -> None:
        contact = turn.session.get(Contact, turn.identity.contact_id)
        if contact is not None and contact.language != turn.language:
            contact.language = turn.language
            turn.session.add(contact)


def _language(session: Session, identity: Identity, conversation: Conversation, analysis: Analysis,
              text: str) -> str:
    """The language to answer in: a new, worded message sets it; short answers keep the conversation's."""
    if conversation.state == IDLE and len(text.split()) >= 3:
        return analysis.language
    contact = session.get(Contact, identity.contact_id)
    return conversation.draft.get("language") or (contact.language if contact else "fr")


def _max_urgency(first: str, second: str) -> str:
    return first if URGENCY_ORDER.get(first, 0) >= URGENCY_ORDER.get(second, 0) else second
