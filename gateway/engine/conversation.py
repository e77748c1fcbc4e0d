"""The conversation engine: one resident message in, the right answers queued, a case opened or followed.

Channel-agnostic: it reads a stored `ReceivedMessage` and writes to the outbox.
All state lives in the database (`Conversation.state` and `.draft`); the states
and their transitions are drawn in conversation.mmd beside this module.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, replace
from datetime import timedelta

from sqlmodel import Session

from gateway.cases import erasure, satisfaction
from gateway.cases.flows import Intake, delay_text, message_meta, open_or_join, relocate, status_label
from gateway.cases.privacy import public_place
from gateway.engine import limits
from gateway.engine.photos import keep_photos
from gateway.ideas import events, similar, supports
from gateway.ideas.referents import public_name, referent_for
from gateway.runtime import Runtime
from nlu.analysis import Analysis
from nlu.idea_commands import choice_number, idea_command
from nlu.places import with_number_after
from nlu.resolution import says_not_fixed
from store import cases as case_store
from store import contacts, outbox
from store import ideas as idea_store
from store import inbound as inbound_store
from store import limits as counts
from store.clock import aware, utcnow
from store.models import Case, Contact, Conversation, Identity, ReceivedMessage
from store.statuses import SOLVED, IdeaStatus, Kind, ProblemStatus

log = logging.getLogger(__name__)

IDLE, AWAITING_WHAT, AWAITING_WHERE, AWAITING_CONFIRMATION = (
    "idle", "awaiting_what", "awaiting_where", "awaiting_confirmation",
)
# "Déjà signalé": NON opens the resident's own case. "Pas réglé": OUI reopens the resolved case.
AWAITING_NOT_DUPLICATE, AWAITING_REOPEN = "awaiting_not_duplicate", "awaiting_reopen"
# Ideas: "Une idée proche existe … SOUTIEN ou NOUVELLE ?", and "Sous quel nom ?" after NOMMEZ-MOI.
AWAITING_SIMILAR_IDEA, AWAITING_PUBLIC_NAME = "awaiting_similar_idea", "awaiting_public_name"
# The states whose question a bare OUI / NON answers, even in an e-mail that answers in a case's thread.
YES_NO_QUESTIONS = (AWAITING_CONFIRMATION, AWAITING_NOT_DUPLICATE, AWAITING_REOPEN,
                    satisfaction.AWAITING_SATISFACTION, erasure.AWAITING_ERASURE)
# Below this confidence in the category, the engine asks rather than guesses.
CONFIRM_BELOW = 0.5
# After this many unanswerable "where?", the case is opened anyway and an agent calls back.
MAX_WHERE_QUESTIONS = 2
# A correction of the place (« pardon je voulais dire impasse des Lilas ») moves a case opened this recently.
CORRECTION_MINUTES = 30
URGENCY_ORDER = {"normal": 0, "high": 1, "emergency": 2}
# The words of a supporter's message that add to the idea they support (« faudrait aussi des fontaines »).
ADDS = re.compile(r"^(et|and)\b|\b(aussi|en plus|également|egalement|de plus|en outre|also|too|as well)\b",
                  re.IGNORECASE)


@dataclass
class Turn:
    """One message being handled."""

    session: Session
    identity: Identity
    conversation: Conversation
    inbound: ReceivedMessage
    analysis: Analysis
    language: str
    contact: Contact  # locked for the transaction (flood limits count under it)
    first_contact: bool = False  # the person's first message: nothing of theirs exists yet (contacts.Sender)
    unblocked: bool = False  # this message lifted a provider block (Telegram): the resident is reachable again
    photo_point: tuple[float, float] | None = None  # GPS tags of a photo sent with the message

    @property
    def point(self) -> tuple[float, float] | None:
        """A position shared with the message (WhatsApp or Telegram location), else a photo's GPS tags when the
        text names no place: a camera's fix may be old or far (taken elsewhere, sent later), the words are not."""
        if self.inbound.lat is not None and self.inbound.lon is not None:
            return self.inbound.lat, self.inbound.lon
        return None if self.analysis.address else self.photo_point

    @property
    def thread_id(self) -> str | None:
        """The message's id in a threaded channel (e-mail), which answers refer to."""
        return self.inbound.thread_id


class ConversationEngine:
    """Turns stored inbound messages into replies, cases and followers."""

    def __init__(self, rt: Runtime):
        self.rt = rt
        # A table, not an if/elif chain: the state a conversation is in -> what handles the resident's message.
        self.handlers = {
            IDLE: self._new_message,
            AWAITING_WHAT: self._what_answer,
            AWAITING_WHERE: self._where_answer,
            AWAITING_CONFIRMATION: self._confirmation_answer,
            AWAITING_NOT_DUPLICATE: self._not_duplicate_answer,
            AWAITING_REOPEN: self._reopen_answer,
            satisfaction.AWAITING_SATISFACTION: self._satisfaction_answer,
            erasure.AWAITING_ERASURE: self._erasure,
            AWAITING_SIMILAR_IDEA: self._similar_answer,
            AWAITING_PUBLIC_NAME: self._public_name_answer,
        }

    # -- entry point ---------------------------------------------------------------------------

    def handle(self, session: Session, inbound: ReceivedMessage) -> None:
        """Handle one inbound message inside the caller's transaction."""
        sender = inbound_store.sender_of(session, inbound)
        try:
            self._handle(session, inbound, sender)
        finally:  # set last, it goes out with the message's status (`inbound.mark_done`) in one UPDATE
            inbound.identity_id = sender.identity.id
            session.add(inbound)

    def _handle(self, session: Session, inbound: ReceivedMessage, sender: contacts.Sender) -> None:
        identity = sender.identity
        adapter = self.rt.channels.get(identity.channel)
        unblocked = bool(identity.stop_reason and identity.stop_reason.startswith("provider") and getattr(
            adapter, "inbound_lifts_block", False))
        if unblocked:
            # On Telegram a message from the resident proves they unblocked the bot.
            contacts.resume(session, identity)
        if inbound.automatic:
            # Auto-replies, bounces and list mail are kept, never answered: no mail loops.
            log.info("automatic message not answered", extra={"channel": identity.channel})
            return
        conversation = contacts.conversation_for(session, identity, new=sender.new)
        contact = sender.contact or counts.lock_contact(session, identity.contact_id)
        text = inbound.body.strip()
        analysis = self.rt.understander.analyze(text) if text else Analysis()
        if analysis.answer is None and conversation.state in YES_NO_QUESTIONS and "\n" in text:
            # "OUI" above a signature, or above the rest of an e-mail: the reply's own first line answers.
            first = self.rt.understander.analyze(text.split("\n", 1)[0])
            if first.answer is not None and first.said not in ("stop", "erase"):
                analysis = replace(analysis, answer=first.answer)
        language = _language(contact, conversation, analysis, text,
                             said=self.rt.understander.language_said(text) if text else None)
        turn = Turn(session, identity, conversation, inbound, analysis, language, contact,
                    first_contact=sender.first_contact, unblocked=unblocked)
        self._remember_language(turn)
        # Past a flood limit the message stays stored, unanswered: one notice a day, no case (limits.py).
        # STOP, START and erasure always go through: a person held by a limit may still leave.
        exempt = analysis.said in ("stop", "start", "erase") or conversation.state == erasure.AWAITING_ERASURE
        held = None if exempt or sender.first_contact else limits.check(session, contact, self.rt.settings)
        if held is not None:
            return self._reply(turn, "limit_reached") if held.notify else None
        self._keep_photos(turn)

        if analysis.said == "stop":
            return self._stop(turn)
        if analysis.said == "start":
            return self._start(turn)
        if analysis.said == "erase":
            return self._erasure(turn)
        # -- ideas: events (gateway/ideas/events.py): "INSCRIPTION EV-1234", "ANNULER", "OUI" after an invitation
        about_event = events.answer(self.rt, turn.session, identity, text, language=language,
                                    idle=conversation.state == IDLE)
        if about_event is not None:
            return self._send(turn, about_event)
        # -- end of events
        if analysis.urgency == "emergency":
            # The emergency numbers go first, before any question or acknowledgement.
            joiner = " ou le " if language == "fr" else " or "
            numbers = joiner.join(analysis.emergency_numbers or ("112",))
            bodies = self.rt.directory.for_report(emergencies=analysis.emergencies, category=analysis.category)
            directory = "".join(self.rt.messages.render("directory_line", language, name=body.name, number=body.number)
                                for body in bodies)
            self._reply(turn, "emergency", purpose="emergency", urgent=True, numbers=numbers, directory=directory)
        if conversation.state == AWAITING_SIMILAR_IDEA and (
                any(_offer_answer(text)) or analysis.answer or analysis.reference):
            return self._similar_answer(turn)  # SOUTIEN, 1, OUI, NOUVELLE, the reference: the offer's answer
        command = idea_command(text)
        if command is not None:
            return self._idea_command(turn, command)
        if analysis.reference and self._contribution_by_reference(turn):
            return None
        if analysis.said == "status" or (
            (analysis.reference or analysis.mistyped_reference) and analysis.said not in ("report", "idea")
        ):
            return self._status(turn)
        if analysis.said == "help":
            return self._reply(turn, "help")
        if conversation.state == AWAITING_PUBLIC_NAME:
            return self._public_name_answer(turn)  # even in the e-mail thread of the question
        if conversation.state in YES_NO_QUESTIONS and (analysis.answer is not None or says_not_fixed(text)):
            # The answer to the question asked, though it came in a case's e-mail thread.
            return self.handlers[conversation.state](turn)
        thread_case = self._thread_case(turn)
        if thread_case is not None:
            awaited = self._awaited_reply(turn)
            return self._comment(turn, thread_case, forwarded=awaited is not None and awaited.id == thread_case.id)

        return self.handlers.get(conversation.state, self._new_message)(turn)

    # -- states ----------------------------------------------------------------------------------

    def _new_message(self, turn: Turn) -> None:
        a = turn.analysis
        text = turn.inbound.body.strip()
        has_place = bool(a.address) or turn.point is not None
        if says_not_fixed(text):
            solved = case_store.recently_solved(turn.session, contact_id=turn.identity.contact_id,
                                                since=utcnow() - timedelta(days=self.rt.settings.reopen_days))
            if solved is not None:
                return self._ask(turn, self._question_draft(turn, case=solved.reference, words=text),
                                 AWAITING_REOPEN, "reopen_offer", case=solved, reference=solved.reference)
        awaited = self._awaited_reply(turn)
        if awaited is not None and not self._another_report(turn, awaited):
            return self._comment(turn, awaited, forwarded=True)
        idea = self._supported_idea_told(turn)
        if idea is not None and self._adds_to(turn, idea):
            return self._contribute(turn, idea, text)
        if a.corrects and a.category is None and has_place and self._correct_place(turn):
            return None
        if turn.inbound.place_unreadable and a.category is None and not has_place:
            # A shared location that is no place, and nothing else: the resident meant to say where.
            draft = {"kind": "problem", "description": "", "category": None, "urgency": a.urgency,
                     "confidence": 0.0, "address": None, "language": turn.language, "where_questions": 1}
            return self._ask(turn, self._with_turn_media(turn, draft), AWAITING_WHERE, "ask_where",
                             ask_location=True)
        if a.category is None and not has_place:
            if a.said == "greeting":
                return self._reply(turn, "greeting")
            if a.said == "thanks":
                return self._reply(turn, "thanks")
        draft = {
            "kind": "idea" if a.said == "idea" else "problem",
            "description": turn.inbound.body.strip(),
            "category": a.category,
            "urgency": a.urgency,
            "confidence": a.confidence,
            "address": a.address,
            "commune": a.commune,
            "language": turn.language,
            "where_questions": 0,
        }
        self._advance(turn, self._with_turn_media(turn, draft))

    def _what_answer(self, turn: Turn) -> None:
        a, draft = turn.analysis, dict(turn.conversation.draft)
        text = turn.inbound.body.strip()
        if a.answer is not None and a.category is None and not a.address and len(text.split()) <= 3:
            # A bare OUI or NON says nothing of the problem: NON, there is none to tell (the words so far are
            # dropped); OUI, the question again. Neither becomes a case's description.
            if a.answer == "no":
                self._reset(turn)
                return self._reply(turn, "nothing_to_report")
            return self._ask(turn, draft, AWAITING_WHAT, "ask_what_only")
        draft["description"] = f"{draft['description']} {text}".strip() if draft.get("description") else text
        draft["category"] = a.category or "autre"
        draft["confidence"] = 1.0  # they answered our question: no need to check it again
        draft["urgency"] = _max_urgency(draft.get("urgency", "normal"), a.urgency)
        if a.said == "idea":
            draft["kind"] = "idea"
        draft["address"] = draft.get("address") or a.address
        draft["commune"] = draft.get("commune") or a.commune
        self._advance(turn, self._with_turn_media(turn, draft))

    def _where_answer(self, turn: Turn) -> None:
        a, draft = turn.analysis, dict(turn.conversation.draft)
        text = turn.inbound.body.strip()
        if turn.point is None:
            draft["address"] = a.address or text
            draft["commune"] = a.commune
        if a.category and not draft.get("category"):
            draft["category"], draft["confidence"] = a.category, a.confidence
        draft["urgency"] = _max_urgency(draft.get("urgency", "normal"), a.urgency)
        self._advance(turn, self._with_turn_media(turn, draft))

    def _confirmation_answer(self, turn: Turn) -> None:
        a, draft = turn.analysis, dict(turn.conversation.draft)
        if a.answer is None:
            # Neither yes nor no: a new description, handled afresh.
            return self._new_message(turn)
        draft["confidence"] = 1.0
        if a.answer == "no" and draft.get("kind") == "idea":
            # An idea is already described: a wrong theme guess leaves it under Autre for the référent to sort.
            draft["category"] = "autre"
        elif a.answer == "no":
            # The guess was wrong, not the rest: the place and the photos stay, only the subject is asked.
            draft["category"] = None
            return self._ask(turn, draft, AWAITING_WHAT, "ask_what_only")
        self._advance(turn, draft)

    def _worded(self, draft: dict) -> bool:
        """Whether an idea says something beyond "j'ai une idée": a word of its own subject."""
        return bool(self.rt.understander.lemmas(draft.get("description", "")) - similar.GENERIC)

    def _not_duplicate_answer(self, turn: Turn) -> None:
        """After "déjà signalé": NON (« pas le même ») opens the resident's own case with what they said."""
        a, draft = turn.analysis, dict(turn.conversation.draft)
        text = turn.inbound.body.strip()
        # « NON c'est un autre trou, plus loin »: a no that goes on says why; those words join the description.
        leading = self.rt.understander.leading_answer(text) if a.answer is None else None
        if leading == "no":
            draft["description"] = f"{draft.get('description', '')} {text}".strip()
        elif a.answer != "no":
            return self._next_message(turn, thanked=a.answer == "yes")
        if a.address:  # « non, le mien est rue Pasteur »: their place, not the joined case's
            draft["address"] = a.address
        elif (number := _house_number_given(text)) is not None and draft.get("address"):
            # « non, le mien est plus loin au 2 »: the same street, at the number they give
            draft["address"] = f"{number} {_LEADING_NUMBER.sub('', draft['address']).strip()}"
        joined = case_store.by_reference(turn.session, draft.get("joined", ""))
        if joined is not None:
            case_store.remove_follower(turn.session, joined, turn.identity, event_id=draft.get("follower_event"))
        draft["attachments"] = draft.get("joined_attachments", []) + draft.get("attachments", [])
        self._open_case(turn, draft, self._locate(turn, draft), join=False)

    def _reopen_answer(self, turn: Turn) -> None:
        """After "Le dossier … est noté résolu. Voulez-vous le rouvrir ?": OUI reopens it, NON leaves it."""
        a, draft = turn.analysis, turn.conversation.draft
        case = case_store.by_reference(turn.session, draft.get("case", ""))
        if a.answer is None or case is None:
            return self._next_message(turn)
        if a.answer == "yes":
            return self._reopen(turn, case, words=draft.get("words", ""))
        self._reset(turn)
        self._reply(turn, "reopen_declined", case=case, reference=case.reference)

    def _satisfaction_answer(self, turn: Turn) -> None:
        """After "C'est réglé ? OUI / NON" (gateway/cases/satisfaction.py): NON reopens, OUI thanks."""
        a, draft = turn.analysis, turn.conversation.draft
        case = case_store.by_reference(turn.session, draft.get("case", ""))
        text = turn.inbound.body.strip()
        not_fixed = a.answer == "no" or (a.answer is None and says_not_fixed(text))
        if case is None or not (not_fixed or a.answer == "yes"):
            return self._next_message(turn)
        if not_fixed:
            return self._reopen(turn, case, words="" if a.answer else text)
        case_store.add_event(turn.session, case, "satisfaction", actor="resident", public=False,
                             message="Le déclarant confirme que c'est réglé.")
        self._reset(turn)
        self._reply(turn, "satisfaction_thanks", case=case, reference=case.reference)

    def _reopen(self, turn: Turn, case: Case, *, words: str) -> None:
        case_store.attach(turn.session, case, turn.conversation.draft.get("attachments", []))
        self._reset(turn)
        if case.status not in SOLVED:
            # Reopened meanwhile (by an agent, another follower): its status is the answer.
            return self._send(turn, self._status_line(case, turn.language), case=case)
        satisfaction.reopen(self.rt, turn.session, case, turn.identity, words=words)
        self._reply(turn, "reopened", case=case, reference=case.reference)

    def _next_message(self, turn: Turn, *, thanked: bool = False) -> None:
        """Neither yes nor no to the question asked: the question is dropped and the message read afresh."""
        turn.conversation.state = IDLE
        turn.conversation.draft = {"language": turn.language,
                                   "attachments": turn.conversation.draft.get("attachments", [])}
        if thanked:
            self._reset(turn)
            return self._reply(turn, "thanks")
        self._new_message(turn)

    def _advance(self, turn: Turn, draft: dict) -> None:
        """Ask the next missing thing, one question at a time, or open the case."""
        outside = self.rt.router.outside_commune(draft.get("commune"))
        if outside is not None:
            return self._outside(turn, outside)  # "place de la Bastille à Paris": no need to ask what
        if not draft.get("category") and draft["kind"] == "idea" and self._worded(draft):
            # « J'ai une idée : un pumptrack » is an idea no theme of the catalogue names: filed under Autre, the
            # référent gives it its theme; asking "Décrivez votre idée" again would ask what was just said.
            draft["category"], draft["confidence"] = "autre", 1.0
        if not draft.get("category"):
            # "J'ai une idée" alone: an idea is asked for in idea words, never "ce qui ne va pas".
            return self._ask(turn, draft, AWAITING_WHAT, "ideas.intake.ask" if draft["kind"] == "idea" else "ask_what")
        if draft.get("confidence", 0.0) < CONFIRM_BELOW and draft.get("urgency") == "normal":
            label = self.rt.category_label(draft["category"], turn.language)
            key = "ideas.intake.confirm_theme" if draft["kind"] == "idea" else "confirm_category"
            return self._ask(turn, draft, AWAITING_CONFIRMATION, key, category=label)
        located = self._locate(turn, draft)
        if located is None and draft["kind"] == "problem":
            if draft.get("where_questions", 0) < MAX_WHERE_QUESTIONS:
                key = "ask_where_again" if draft.get("address") else "ask_where"
                draft["where_questions"] = draft.get("where_questions", 0) + 1
                return self._ask(turn, draft, AWAITING_WHERE, key, ask_location=True)
        if draft["kind"] == "idea" and not draft.get("similar_checked") and self._offer_similar(turn, draft, located):
            return None
        self._open_case(turn, draft, located)

    # -- actions ---------------------------------------------------------------------------------

    def _locate(self, turn: Turn, draft: dict):
        if draft.get("point"):
            return self.rt.router.locate_point(*draft["point"], label=draft.get("address"))
        if draft.get("address"):
            return self.rt.router.locate_text(draft["address"], commune=draft.get("commune"))
        if draft.get("description"):
            # The gazetteer knows the town's streets: one the text analysis did not pick out
            # ("dépôt sauvage 3 Grande Rue") is still found in the whole message.
            return self.rt.router.locate_text(draft["description"], commune=draft.get("commune"))
        return None

    def _open_case(self, turn: Turn, draft: dict, located, *, join: bool = True) -> None:
        if located is not None and located.territory is None:
            return self._outside(turn, located)
        intake = Intake(kind=draft["kind"], category=draft["category"], urgency=draft.get("urgency", "normal"),
                        description=draft.get("description", ""), address=draft.get("address"), located=located)
        result = open_or_join(self.rt, turn.session, turn.identity, intake, thread=turn.thread_id, join=join)
        case = result.case
        case_store.attach(turn.session, case, draft.get("attachments", []))
        self._reset(turn)
        if result.already_following:
            return self._reply(turn, "already_following", case=case, reference=case.reference,
                               status=status_label(self.rt, case, turn.language))
        if result.joined:
            # Named by its subject and place, so that the resident can tell it is not theirs: NON opens their own.
            question = {**draft, "joined": case.reference, "follower_event": result.follower_event_id,
                        "joined_attachments": draft.get("attachments", []), "attachments": [],
                        "language": turn.language}
            return self._ask(turn, question, AWAITING_NOT_DUPLICATE, "duplicate_joined", case=case,
                             reference=case.reference, status=status_label(self.rt, case, turn.language),
                             category=self.rt.category_label(case.category, turn.language),
                             place=public_place(self.rt, address=case.address, territory=case.territory,
                                                language=turn.language))
        if draft["kind"] == "idea":
            return self._idea_received(turn, case)
        if result.oncall_alerted:
            # No delay in days for an emergency: the on-call team has it now (gateway/cases/oncall.py).
            key = "acknowledged_emergency" if case.urgency == "emergency" else "acknowledged_priority"
        elif located is None:
            key = "acknowledged_unlocated"
        else:
            key = "acknowledged"
        self._reply(turn, key, case=case, reference=case.reference,
                    category=self.rt.category_label(case.category, turn.language),
                    delay=delay_text(self.rt, case.category, turn.language),
                    place=case.address or self.rt.messages.text("unknown_place", turn.language),
                    service=self.rt.service_name(case.service))

    # -- ideas -----------------------------------------------------------------------------------

    def _idea_received(self, turn: Turn, case: Case) -> None:
        """"Merci pour votre idée…": its reference, its theme and who will study it (the référent, else the service)."""
        referent = referent_for(turn.session, theme=case.category, territory=case.territory)
        if referent is not None:
            case.referent_id = referent.id
            turn.session.add(case)
        self._reply(turn, "ideas.intake.received", case=case, reference=case.reference,
                    category=self.rt.category_label(case.category, turn.language),
                    referent=public_name(referent) or self.rt.service_name(case.service))

    def _offer_similar(self, turn: Turn, draft: dict, located) -> bool:
        """Before filing an idea, offer the best one or two open ideas close in meaning and place, in one turn."""
        place = located.place if located is not None else None
        point = (place.lat, place.lon) if place is not None and place.lat is not None else None
        territory = located.territory.commune_code if located is not None and located.territory else None
        found = similar.similar_ideas(turn.session, self.rt.understander.lemmas,
                                      description=draft.get("description", ""), category=draft.get("category"),
                                      territory=territory, point=point,
                                      place=draft.get("address") or (place.label if place is not None else None))
        if not found:
            return False
        lines = [self._similar_line(turn, idea) for idea in found]
        question = {"language": turn.language, "offered": [idea.case.reference for idea in found],
                    "idea": {**draft, "similar_checked": True}, "attachments": draft.get("attachments", [])}
        turn.conversation.state, turn.conversation.draft = AWAITING_SIMILAR_IDEA, question
        turn.conversation.updated_at = utcnow()
        turn.session.add(turn.conversation)
        if len(found) == 1:
            body = self.rt.messages.render("ideas.intake.similar_one", turn.language, line=lines[0])
            options = ["SOUTIEN" if turn.language == "fr" else "SUPPORT", "NOUVELLE" if turn.language == "fr" else "NEW"]
        else:
            body = self.rt.messages.render("ideas.intake.similar_two", turn.language, first=lines[0], second=lines[1])
            options = ["1", "2", "NOUVELLE" if turn.language == "fr" else "NEW"]
        self._send(turn, body, case=found[0].case, options=options)
        return True

    def _similar_line(self, turn: Turn, idea: similar.SimilarIdea) -> str:
        return self.rt.messages.render("ideas.intake.similar_line", turn.language, reference=idea.case.reference,
                                       excerpt=similar.excerpt(idea.case), supports=self._supports(turn, idea.supports),
                                       status=status_label(self.rt, idea.case, turn.language))

    def _supports(self, turn: Turn, count: int) -> str:
        """"12 soutiens", "1 soutien"."""
        key = "supports_none" if count == 0 else "supports_one" if count == 1 else "supports_many"
        return self.rt.messages.render(f"ideas.intake.{key}", turn.language, count=count)

    def _similar_answer(self, turn: Turn) -> None:
        """After "Une idée proche existe": SOUTIEN, OUI, 1 or 2 supports it; NOUVELLE or NON files the new idea."""
        a, draft = turn.analysis, dict(turn.conversation.draft)
        text = turn.inbound.body.strip()
        offered = [case_store.by_reference(turn.session, ref) for ref in draft.get("offered", [])]
        offered_ideas = [case for case in offered if case is not None]
        command, number = _offer_answer(text)
        chosen: Case | None = None
        if a.reference and a.reference in draft.get("offered", []):
            chosen = case_store.by_reference(turn.session, a.reference)
        elif number is not None and number <= len(offered_ideas):
            chosen = offered_ideas[number - 1]
        elif (command == "support" or a.answer == "yes") and offered_ideas:
            chosen = offered_ideas[0]
        if chosen is not None:
            self._reset(turn)
            return self._support(turn, chosen)
        if command in ("implique", "informe", "name_me"):
            # IMPLIQUÉ right after the offer: about the idea offered (the one last told), not a new report.
            self._reset(turn)
            return self._idea_command(turn, command)
        if command == "new" or a.answer == "no" or (number is not None and number == len(offered_ideas) + 1):
            idea = draft.get("idea") or {}
            turn.conversation.state = IDLE
            turn.conversation.draft = {"language": turn.language, "attachments": idea.get("attachments", [])}
            return self._open_case(turn, idea, self._locate(turn, idea))
        self._next_message(turn)

    def _idea_command(self, turn: Turn, command: str) -> None:
        """SOUTIEN / +1, IMPLIQUÉ, INFORMÉ, NOMMEZ-MOI, NOUVELLE said outside an offer."""
        if command == "new":
            draft = {"kind": "idea", "description": "", "category": None, "urgency": "normal", "confidence": 0.0,
                     "address": None, "language": turn.language, "where_questions": 0}
            return self._ask(turn, self._with_turn_media(turn, draft), AWAITING_WHAT, "ideas.intake.ask")
        if command == "name_me":
            return self._name_me(turn)
        a = turn.analysis
        if a.mistyped_reference and not a.reference:
            # « je soutiens GU-1234-5679 »: never the idea last told instead of the one meant.
            self._reset(turn)
            return self._reply(turn, "reference_mistyped", written=a.mistyped_reference)
        case = self._idea_meant(turn)
        if case is None and a.reference:
            self._reset(turn)
            return self._reply(turn, "reference_unknown", reference=a.reference)
        if case is None:
            self._reset(turn)
            return self._reply(turn, "ideas.intake.which_idea")
        if case.kind != Kind.IDEA:
            self._reset(turn)
            return self._reply(turn, "ideas.intake.not_an_idea", case=case, reference=case.reference,
                               status=self._status_line(case, turn.language, public=not case_store.is_involved(
                                   turn.session, case, turn.identity.contact_id)))
        self._reset(turn)
        if command == "support":
            return self._support(turn, case)
        if command == "implique":
            supports.support(turn.session, case, turn.identity)
        supports.set_mode(turn.session, case, turn.identity, command)
        self._reply(turn, f"ideas.intake.{command}", case=case, reference=case.reference)

    def _idea_meant(self, turn: Turn) -> Case | None:
        """The idea a command is about: the reference written, else the idea last offered or told within the window."""
        if turn.analysis.reference:
            return case_store.by_reference(turn.session, turn.analysis.reference)
        return self._idea_told(turn)

    def _idea_told(self, turn: Turn) -> Case | None:
        since = utcnow() - timedelta(hours=self.rt.settings.reply_window_hours)
        return idea_store.last_idea_told(turn.session, contact_id=turn.identity.contact_id, since=since)

    def _support(self, turn: Turn, case: Case) -> None:
        """Count the support (once per person, whatever the channel) and say how to become impliqué."""
        done = supports.support(turn.session, case, turn.identity)
        key = "ideas.intake.supported" if done.new else "ideas.intake.already_supported"
        self._reply(turn, key, case=case, reference=case.reference, supports=self._supports(turn, done.count))

    def _name_me(self, turn: Turn) -> None:
        """NOMMEZ-MOI: the person agrees to be named on the idea they support that is done (or the latest)."""
        supported = idea_store.supports_of(turn.session, contact_id=turn.identity.contact_id)
        if not supported:
            self._reset(turn)
            return self._reply(turn, "ideas.intake.nothing_to_name")
        case = next((c for _, c in supported if c.status == IdeaStatus.DONE), supported[0][1])
        # Always asked: the name a channel shows (a Telegram or WhatsApp profile) is never published unasked.
        return self._ask(turn, {"language": turn.language, "case": case.reference}, AWAITING_PUBLIC_NAME,
                         "ideas.intake.ask_name", case=case, reference=case.reference)

    def _public_name_answer(self, turn: Turn) -> None:
        """After "Sous quel nom ?": the first name and initial written are kept for the idea's page."""
        case = case_store.by_reference(turn.session, turn.conversation.draft.get("case", ""))
        row = idea_store.support_of(turn.session, case_id=case.id or 0,
                                    contact_id=turn.identity.contact_id) if case is not None else None
        if case is not None and row is not None and turn.analysis.answer == "no":
            self._reset(turn)
            return self._reply(turn, "ideas.intake.not_named", case=case, reference=case.reference)
        name = supports.public_name(turn.inbound.body)
        if case is not None and row is not None and name is None and turn.analysis.answer is None \
                and len(turn.inbound.body) <= 60 and "\n" not in turn.inbound.body.strip():
            # A short answer that is no name ("=HYPERLINK(…)", "06 12…"): the question again, nothing kept.
            return self._ask(turn, {"language": turn.language, "case": case.reference}, AWAITING_PUBLIC_NAME,
                             "ideas.intake.ask_name", case=case, reference=case.reference)
        if case is None or row is None or name is None or turn.analysis.answer is not None:
            return self._next_message(turn)
        self._named(turn, row, case, name)

    def _named(self, turn: Turn, row, case: Case, name: str) -> None:
        supports.name_on(turn.session, row, name)
        self._reset(turn)
        self._reply(turn, "ideas.intake.named", case=case, reference=case.reference, name=row.public_name)

    def _supported_idea_told(self, turn: Turn) -> Case | None:
        """The idea told within the window that this person supports (or proposed): what a "rebond" adds to."""
        if turn.first_contact:
            return None  # nothing told to them yet
        case = self._idea_told(turn)
        if case is None or case.status not in similar.OPEN:
            return None
        supported = idea_store.support_of(turn.session, case_id=case.id or 0, contact_id=turn.identity.contact_id)
        return case if supported is not None or case.reporter_id == turn.identity.contact_id else None

    def _adds_to(self, turn: Turn, idea: Case) -> bool:
        """Whether a message adds to the idea rather than opening a case: worded, no place of its own, no other
        subject (« et il faudrait aussi des poubelles à côté des bancs »). Conservative: a place makes a new case."""
        a = turn.analysis
        text = turn.inbound.body.strip()
        if len(text.split()) < 3 or a.said in ("greeting", "thanks", "help", "status") or turn.point is not None:
            return False
        goes_on = bool(ADDS.search(text))  # « et », « aussi », « en plus »: it goes on with the idea, place or not
        if not goes_on and a.address and self.rt.router.locate_text(a.address, commune=a.commune) is not None:
            return False
        if a.said == "report" or (a.category and a.category not in (idea.category, "autre") and a.said != "idea"):
            return False
        # Another idea of the same person is a new case unless it goes on with this one: its theme, its words,
        # or a word that adds (« et », « aussi »).
        lemmas = self.rt.understander.lemmas
        return goes_on or a.category == idea.category or bool((lemmas(text) & lemmas(idea.description)) - similar.GENERIC)

    def _contribution_by_reference(self, turn: Turn) -> bool:
        """« GU-… : il faudrait aussi… » from a supporter of that idea: kept as a contribution; True when kept."""
        case = case_store.by_reference(turn.session, turn.analysis.reference or "")
        if case is None or case.kind != Kind.IDEA or case.status not in similar.OPEN:
            return False
        text = turn.inbound.body.strip()
        rest = text.replace(turn.analysis.reference or "", " ").strip(" :-,")
        # « GU-… où en est-elle ? » asks its status; only words that add to the idea are a contribution.
        if len(rest.split()) < 3 or self.rt.understander.analyze(rest).said in ("status", "report", "help"):
            return False
        supported = idea_store.support_of(turn.session, case_id=case.id or 0, contact_id=turn.identity.contact_id)
        if supported is None and case.reporter_id != turn.identity.contact_id:
            return False
        self._contribute(turn, case, text)
        return True

    def _contribute(self, turn: Turn, case: Case, text: str) -> None:
        supports.contribute(turn.session, case, turn.identity, text)
        self._reset(turn)
        self._reply(turn, "ideas.intake.contribution", case=case, reference=case.reference)

    def _correct_place(self, turn: Turn) -> bool:
        """« Pardon je voulais dire impasse des Lilas, au 4 »: the place of the case the resident opened minutes ago
        is corrected, when it is still only received and the new place is found in a territory; else False."""
        a = turn.analysis
        newest = case_store.of_contact(turn.session, turn.identity.contact_id, limit=1)
        since = utcnow() - timedelta(minutes=CORRECTION_MINUTES)
        if not newest or newest[0].reporter_id != turn.identity.contact_id or aware(newest[0].created_at) < since:
            return False
        case = newest[0]
        if case.status != ProblemStatus.RECEIVED or case.kind != Kind.PROBLEM:
            return False
        text = turn.inbound.body.strip()
        if turn.point is not None:
            located = self.rt.router.locate_point(*turn.point, label=a.address)
        else:
            # "impasse des Lilas, au 4": the number said after the street.
            address = with_number_after(a.address, text) if a.address else text
            located = self.rt.router.locate_text(address, commune=a.commune)
        if located is None or located.territory is None:
            return False
        relocate(self.rt, turn.session, case, located, words=text)
        case_store.attach(turn.session, case, turn.conversation.draft.get("attachments", []))
        self._reset(turn)
        self._reply(turn, "place_corrected", case=case, reference=case.reference, place=case.address)
        return True

    def _outside(self, turn: Turn, located) -> None:
        """No case for a place outside every territory: the resident is told who is in charge, when known."""
        self._reset(turn)
        names = " et ".join(c.name for c in self.rt.router.territories.communes())
        commune = located.commune
        if commune is None:
            return self._reply(turn, "outside_territory", territories=names)
        return self._reply(turn, "outside_near" if located.near else "outside_commune", territories=names,
                           commune=commune.name, contact=commune.contact)

    def _thread_case(self, turn: Turn) -> Case | None:
        """The case a threaded message answers (an e-mail reply in a case's thread), if any."""
        if turn.analysis.said in ("idea",):
            return None
        reference = turn.inbound.thread_reference
        if reference:
            return case_store.by_reference(turn.session, reference)
        # An answer to the resident's own mail that opened a case ("Re: Fuite"): the thread is still that case's.
        answered_ids = getattr(self.rt.channels.get(turn.identity.channel), "answered_ids", None)
        if answered_ids is None:
            return None
        return case_store.followed_in_thread(turn.session, turn.identity, answered_ids(turn.inbound.raw or {}))

    def _comment(self, turn: Turn, case: Case, *, forwarded: bool = False) -> None:
        """A resident writing again about their case: kept on its timeline, unread for the agents until one opens
        it; answered with its status, or, when it answers an agent's message, that it is passed on."""
        session = turn.session
        case_store.add_event(session, case, "resident_message", actor="resident", public=False,
                             message=turn.inbound.body.strip())
        case_store.add_follower(session, case, turn.identity, thread=turn.thread_id)
        case_store.attach(session, case, turn.conversation.draft.get("attachments", []))
        case_store.mark_unread(session, case, at=utcnow())
        self._reset(turn)
        if forwarded:
            return self._reply(turn, "reply_forwarded", case=case, reference=case.reference)
        self._send(turn, self._status_line(case, turn.language), case=case)

    def _awaited_reply(self, turn: Turn) -> Case | None:
        """The case an agent wrote to this reporter about within GUICHET_REPLY_WINDOW_HOURS: their answer goes there."""
        if turn.first_contact:
            return None  # no agent has written to them yet
        since = utcnow() - timedelta(hours=self.rt.settings.reply_window_hours)
        return case_store.awaiting_reply(turn.session, contact_id=turn.identity.contact_id, since=since)

    def _another_report(self, turn: Turn, case: Case) -> bool:
        """Whether a message during the reply window is clearly a new report rather than the answer awaited: an
        idea, or a problem of another category with its own place (« lampadaire éteint 3 rue Balzac »). A place
        alone, a photo, a category alone are answers (« c'est devant le 15 rue de la gare »)."""
        a = turn.analysis
        if a.said == "idea":
            return True
        return bool(a.category and a.category != case.category and (a.address or turn.point is not None))

    def _question_draft(self, turn: Turn, **values) -> dict:
        """The draft of a yes/no question about a case: the language, this turn's photos, what the answer needs."""
        return {"language": turn.language, "attachments": turn.conversation.draft.get("attachments", []), **values}

    def _keep_photos(self, turn: Turn) -> None:
        """Keep the photos that came with the message (or why one could not be had); the first GPS tags give the place."""
        kept = keep_photos(self.rt, turn.session, turn.inbound, turn.identity.channel)
        if not kept.attachment_ids:
            return
        if turn.photo_point is None:
            turn.photo_point = kept.point
        turn.conversation.draft = {**turn.conversation.draft,
                                   "attachments": turn.conversation.draft.get("attachments", []) + kept.attachment_ids}

    def _with_turn_media(self, turn: Turn, draft: dict) -> dict:
        """The draft with this turn's place and photos (the conversation's draft is reset as cases open)."""
        if turn.point is not None:
            draft["point"] = list(turn.point)
        draft["attachments"] = turn.conversation.draft.get("attachments", [])
        return draft

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
        # Someone who neither reported nor follows the case gets its public facts, never the reporter's words.
        lines = [self._status_line(case, turn.language,
                                   public=not case_store.is_involved(session, case, turn.identity.contact_id))
                 for case in cases]
        self._send(turn, "\n".join(lines), case=cases[0] if len(cases) == 1 else None)

    def _status_line(self, case: Case, language: str, *, public: bool = False) -> str:
        """One case's reference, theme, place and status: in the resident's words, or as its public page says."""
        return self.rt.messages.render(
            "status_line", language, reference=case.reference,
            category=self.rt.category_label(case.category, language),
            place=public_place(self.rt, address=case.address, territory=case.territory, language=language) if public
            else case.address or self.rt.messages.text("unknown_place", language),
            status=status_label(self.rt, case, language),
        )

    def _stop(self, turn: Turn) -> None:
        self._reset(turn)
        if contacts.stop(turn.session, turn.identity, "STOP"):
            self._reply(turn, "stopped", purpose="stop_confirmation")
        log.info("identity stopped", extra={"channel": turn.identity.channel})

    def _erasure(self, turn: Turn) -> None:
        """SUPPRIMER MES DONNÉES asks for a confirmation; OUI erases the person (gateway/cases/erasure.py)."""
        # Answered even after STOP (purpose "erasure" bypasses it): the person asks, and may ask to leave.
        if turn.analysis.said == "erase":
            return self._ask(turn, {"language": turn.language}, erasure.AWAITING_ERASURE, "erase_confirm",
                             purpose="erasure")
        if turn.analysis.answer == "yes":
            return erasure.confirm_and_erase(self.rt, turn.session, turn.identity, language=turn.language)
        self._reset(turn)
        self._reply(turn, "erase_cancelled", purpose="erasure")

    def _start(self, turn: Turn) -> None:
        if contacts.resume(turn.session, turn.identity) or turn.unblocked:
            return self._reply(turn, "resumed")
        self._reply(turn, "help")

    # -- plumbing --------------------------------------------------------------------------------

    def _ask(self, turn: Turn, draft: dict, state: str, key: str, *, ask_location: bool = False,
             purpose: str = "reply", **values) -> None:
        turn.conversation.state, turn.conversation.draft = state, draft
        turn.conversation.updated_at = utcnow()
        turn.session.add(turn.conversation)
        self._reply(turn, key, ask_location=ask_location, purpose=purpose, **values)

    def _reset(self, turn: Turn) -> None:
        turn.conversation.state, turn.conversation.draft = IDLE, {"language": turn.language, "attachments": []}
        turn.conversation.updated_at = utcnow()
        turn.session.add(turn.conversation)

    def _reply(self, turn: Turn, key: str, *, case: Case | None = None, purpose: str = "reply",
               urgent: bool = False, ask_location: bool = False, **values) -> None:
        self._send(turn, self.rt.messages.render(key, turn.language, **values), case=case,
                   purpose=purpose, urgent=urgent, ask_location=ask_location)

    def _send(self, turn: Turn, body: str, *, case: Case | None = None, purpose: str = "reply",
              urgent: bool = False, ask_location: bool = False, options: list[str] | None = None) -> None:
        meta = message_meta(case, in_reply_to=turn.thread_id, ask_location=ask_location)
        if options:
            meta["options"] = options  # the words a reply may be: buttons on Telegram (channels/base.py)
        outbox.enqueue(turn.session, turn.identity, body, purpose=purpose, urgent=urgent,
                       case_id=case.id if case else None, inbound_id=turn.inbound.id, meta=meta)

    def _remember_language(self, turn: Turn) -> None:
        if turn.contact.language != turn.language:
            turn.contact.language = turn.language
            turn.session.add(turn.contact)


def _language(contact: Contact, conversation: Conversation, analysis: Analysis, text: str, *,
              said: str | None) -> str:
    """The language to answer in: a new, worded message sets it; answers that do not tell ("+1", "2") keep the
    conversation's. A short French one ("oui", "SOUTIEN") brings the town's language back, so one English message
    does not make every later French one answered in English; a short English word in a French conversation
    ("no", "ok") is franglais, and English takes three words or more."""
    if conversation.state == IDLE and len(text.split()) >= 3:
        return analysis.language
    if said == "fr" or (said == "en" and len(text.split()) >= 3):
        return said
    return conversation.draft.get("language") or contact.language or "fr"


_HOUSE_NUMBER = re.compile(r"\b(?:au|aux|numéro|numero|n°|no|number|at)\s*(\d{1,4}(?:\s?(?:bis|ter))?)\b", re.IGNORECASE)
_LEADING_NUMBER = re.compile(r"^\s*\d{1,4}(?:\s?(?:bis|ter))?\b,?", re.IGNORECASE)


def _house_number_given(text: str) -> str | None:
    """The house number a message gives on its own ("plus loin, au 2"), if any."""
    found = _HOUSE_NUMBER.search(text)
    return found.group(1) if found else None


def _offer_answer(text: str) -> tuple[str | None, int | None]:
    """The idea command or option number a reply to an offer gives: the whole text, else its first line ("2"
    above a signature or the quoted offer, in an e-mail)."""
    for said in (text, text.split("\n", 1)[0]):
        command, number = idea_command(said), choice_number(said)
        if command is not None or number is not None:
            return command, number
    return None, None


def _max_urgency(first: str, second: str) -> str:
    return first if URGENCY_ORDER.get(first, 0) >= URGENCY_ORDER.get(second, 0) else second
