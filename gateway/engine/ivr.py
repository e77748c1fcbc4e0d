"""The 24/7 phone line: a state machine keyed by Twilio's CallSid, its state in the `call` table.

Each answer carries its turn number in every action URL (`/webhooks/twilio/voice/step?turn=N`);
a request for an older turn is a replay and gets the stored answer, so no step advances twice.
Silence comes back through the `<Redirect>` after every question (`&silence=1`); two silences in a
row lead to the voicemail, whose recording opens a case anyway: no call is lost. The states and
their transitions are drawn in ivr.mmd beside this module.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlmodel import Session

from channels.twilio_voice import (
    Ask,
    CallRequest,
    Dial,
    Record,
    TwilioVoice,
    VoiceReply,
    is_french_mobile,
    is_reachable,
    spell_reference,
)
from gateway.cases.flows import Intake, delay_text, message_meta, open_or_join, status_label
from gateway.cases.privacy import public_place
from gateway.ideas import events as event_flow
from gateway.ideas import similar, supports
from gateway.ideas.referents import public_name, referent_for
from gateway.runtime import Runtime
from nlu.analysis import Analysis
from nlu.references import format_reference, is_valid
from nlu.spoken import heard, heard_answer, says
from store import calls, contacts, outbox
from store import cases as case_store
from store import events as event_store
from store.clock import utcnow
from store.db import fetch
from store.models import Agent, Call, Case, Identity

log = logging.getLogger(__name__)

STEP_URL = "/webhooks/twilio/voice/step"
RECORDING_URL = "/webhooks/twilio/voice/recording"

STATES = (MENU, WHAT, WHAT_HERE, WHERE, CONFIRM_PLACE, READ_BACK, IDEA, SIMILAR_IDEA, REFERENCE, SMS_OFFER, OPERATOR,
          VOICEMAIL, DONE, EVENTS) = (
    "menu", "what", "what_here", "where", "confirm_place", "read_back", "idea", "similar_idea", "reference",
    "sms_offer", "operator", "voicemail", "done", "events",
)
MAX_SILENCES = 2  # silences in a row before the voicemail
MAX_MISSES = 3  # answers not understood before the voicemail
MAX_WHERE_TRIES = 2  # places not recognised (or refused) before the case is opened unlocated

LANGUAGE = "fr"  # the language the line speaks and listens in (its <Gather> is fr-FR)
ASKED = (MENU, WHAT, WHAT_HERE, WHERE, IDEA, SIMILAR_IDEA, REFERENCE, SMS_OFFER, EVENTS)  # states whose question is the template `voice.ask.<state>`
# Speech recognition hints (never heard): what callers are likely to say.
DESCRIPTION_HINTS = ("nid de poule", "lampadaire éteint", "dépôt sauvage", "voiture mal garée", "feu rouge en panne",
                     "branche tombée", "fuite d'eau", "tag", "poubelle", "trottoir")
PLACE_HINTS = ("rue", "avenue", "boulevard", "place", "chemin", "devant la mairie", "la gare", "l'école")

# A spoken menu choice: the keypad digit it stands for.
MENU_WORDS = {
    "1": ("probleme", "signaler", "signalement"),
    "2": ("dossier", "suivi", "ou en est", "etat"),
    "3": ("idee", "proposer", "proposition"),
    "4": ("personne", "agent", "conseiller", "quelqu'un", "humain", "standard", "operat"),
    "5": ("reference", "numero de dossier"),
    "6": ("evenement", "inscri", "reunion", "atelier", "cafe citoyen"),
}
EVENTS_READ = 3  # upcoming events read on the line, soonest first (the agenda has them all)
REFERENCE_DIGITS = 8  # a reference typed on the keypad: its 8 digits (GU-1234-5678 without the letters), then #
NUMBER_WORDS = {"un": "1", "deux": "2", "trois": "3", "quatre": "4", "cinq": "5", "six": "6"}


@dataclass
class Ring:
    """One request on a call being handled: the call, its data (written back once), what to say first."""

    call: Call
    request: CallRequest
    data: dict
    say: list[str] = field(default_factory=list)


class PhoneLine:
    """The phone line's state machine: one method per state, state and data in the `call` row."""

    def __init__(self, rt: Runtime, adapter: TwilioVoice):
        self.rt = rt
        self.adapter = adapter
        # A table, not an if/elif chain: the state a call is in -> what handles the caller's answer.
        self.handlers = {
            MENU: self._menu,
            WHAT: self._what,
            WHERE: self._where,
            WHAT_HERE: self._what_here,
            CONFIRM_PLACE: self._confirm_place,
            READ_BACK: self._read_back,
            IDEA: self._idea,
            SIMILAR_IDEA: self._similar_idea,
            REFERENCE: self._reference,
            SMS_OFFER: self._sms_offer,
            OPERATOR: self._operator_done,
            EVENTS: self._event_chosen,
        }

    # -- webhooks --------------------------------------------------------------------------------

    def incoming(self, session: Session, request: CallRequest) -> str:
        """A new call: the welcome and the menu. Twilio retrying the same call gets the same answer."""
        call, created = self._call(session, request)
        if not created:
            return call.last_twiml
        log.info("call started", extra={"channel": "voice", "call": call.call_sid})
        return self._finish(session, Ring(call, request, dict(call.data), [self._words("welcome")]), MENU)

    def step(self, session: Session, request: CallRequest, *, turn: int | None, silence: bool) -> str:
        """The caller's answer (or silence) to the question of turn `turn`."""
        call, created = self._call(session, request)
        if created:  # a step for a call we never saw (its first request was lost): start afresh
            return self._finish(session, Ring(call, request, dict(call.data), [self._words("welcome")]), MENU)
        if turn != call.turn or call.step not in self.handlers:
            log.info("replayed call step", extra={"channel": "voice", "call": call.call_sid, "turn": turn})
            return call.last_twiml
        ring = Ring(call, request, dict(call.data))
        if silence and not request.heard and call.step != OPERATOR:
            return self._finish(session, ring, self._silence(ring))
        call.no_input = 0
        return self._finish(session, ring, self.handlers[call.step](session, ring))

    def recording(self, session: Session, request: CallRequest, *, turn: int | None) -> str:
        """A voicemail: it opens a case (category `autre`, unlocated) for an agent to listen to."""
        call, _ = self._call(session, request)
        ring = Ring(call, request, dict(call.data))
        if request.recording_sid and ring.data.get("recording_sid") == request.recording_sid:
            return call.last_twiml
        if turn is not None and turn != call.turn:
            return call.last_twiml
        if not request.recording_url:
            ring.say.append(self._words("voicemail_empty"))
            return self._finish(session, ring, DONE)
        ring.data["recording_sid"] = request.recording_sid
        description = f"Message vocal : {request.recording_url}"
        if ring.data.get("description"):
            description += f"\nEntendu : {ring.data['description']}"
        if (ring.data.get("heard") or {}).get("text"):  # words heard with low confidence, never confirmed
            description += f"\nEntendu sans certitude : {ring.data['heard']['text']}"
        located = self._pending_place(ring.data)
        if call.case_id is None and located is not None:
            # What and where were known when the caller fell silent: the report goes in with the message.
            ring.data["description"] = f"{ring.data.get('description', '')}\nMessage vocal : {request.recording_url}"
            return self._finish(session, ring, self._open(session, ring, located))
        if call.case_id is not None:
            # The case of this call is already open: the message joins its timeline.
            case = fetch(session, Case, call.case_id)
            case_store.add_event(session, case, "resident_message", actor="resident", public=False,
                                 message=description)
            ring.say.append(self._words("goodbye"))
            return self._finish(session, ring, DONE)
        ring.data.update(kind="idea" if ring.data.get("about") == "idea" else "problem", category="autre",
                         urgency=ring.data.get("urgency", "normal"), description=description, address=None,
                         voicemail=True)
        return self._finish(session, ring, self._open(session, ring, None))

    def status(self, session: Session, request: CallRequest) -> bool:
        """The end of a call: marked completed, and a report complete but unconfirmed is opened anyway.

        False when the CallSid is not one of our incoming calls (an outbound update call).
        """
        call = calls.locked(session, request.call_sid)
        if call is None:
            return False
        if request.status:
            call.status = request.status
        if call.case_id is None and call.data.get("place"):
            # The caller hung up before pressing 1: what and where were known, so nothing is lost.
            ring = Ring(call, request, dict(call.data))
            self._open(session, ring, self._pending_place(ring.data))
            call.data = ring.data
            call.step = DONE
            log.info("case opened at hang-up", extra={"channel": "voice", "call": call.call_sid})
        call.updated_at = utcnow()
        session.add(call)
        return True

    def fallback(self) -> str:
        """What a caller hears when something broke: a voicemail, so the call is still not lost."""
        return self.adapter.render(VoiceReply(
            say=(self._words("incident"),),
            then=Record(prompt=self._words("ask.voicemail"), action=RECORDING_URL,
                        empty=self._words("voicemail_empty")),
        ))

    # -- states ----------------------------------------------------------------------------------

    def _menu(self, session: Session, ring: Ring) -> str:
        request = ring.request
        analysis = Analysis()
        choice: str | None = request.digits[:1]
        if not choice and request.speech.strip():
            analysis = self.rt.understander.analyze(request.speech)
            if analysis.said == "erase":
                ring.say.append(self._words("erase_by_sms"))  # erasure is confirmed in writing, by SMS
                return MENU
            if analysis.category or analysis.address or analysis.urgency == "emergency":
                # A whole report said at once: no need to go through the menu (once sure it was heard right).
                if analysis.urgency != "emergency" and self._unsure(ring.request):
                    return self._hear_back(ring)
                return self._idea(session, ring) if analysis.said == "idea" else self._what(session, ring)
            # A reference said is what the caller asks about, even among menu words (« où en est le dossier … »).
            if analysis.reference:
                return self._read_reference(session, ring, analysis.reference)
            if analysis.mistyped_reference:
                # Said, but its check digit fails: misheard or misread; the keypad leaves no doubt.
                digits = re.sub(r"\D", "", analysis.mistyped_reference)
                ring.say.append(self._words("reference_mistyped", reference=spell_reference(
                    format_reference(digits, self.rt.reference_prefix))))
                return REFERENCE
            choice = _spoken_choice(request.speech)
            if not choice and analysis.said == "status":
                choice = "2"
        if choice == "1":
            return WHAT
        if choice == "2":
            return self._read_cases(session, ring)
        if choice == "3":
            return IDEA
        if choice == "4":
            return self._operator(ring)
        if choice == "5":
            return REFERENCE
        if choice == "6":
            return self._events(session, ring)
        return self._missed(ring)

    def _events(self, session: Session, ring: Ring) -> str:
        """"Tapez 6": the upcoming events read one by one, each with its key."""
        coming = event_store.upcoming(session, now=utcnow())[:EVENTS_READ]
        if not coming:
            ring.say.append(self._words("events_none"))
            return MENU
        ring.data["events"] = [event.reference for event in coming]
        for number, event in enumerate(coming, start=1):
            ring.say.append(self._words("event_line", number=number, **event_flow.values(self.rt, event, LANGUAGE)))
        return EVENTS

    def _event_chosen(self, session: Session, ring: Ring) -> str:
        """The key of an event read: the caller is registered (or waits for a seat), confirmed by SMS on a mobile."""
        offered = ring.data.get("events") or []
        said = ring.request.digits[:1] or _spoken_choice(ring.request.speech) or ""
        if said == "0":
            return MENU
        if not said.isdigit() or not 1 <= int(said) <= len(offered):
            return self._missed(ring)
        event = event_store.by_reference(session, offered[int(said) - 1])
        if event is None or not event_flow.is_open(event, utcnow()):
            ring.say.append(self._words("event_closed"))
            return MENU
        # On a mobile, the SMS identity registers: the confirmation, the reminder and a seat freed reach it.
        mobile = is_french_mobile(ring.call.caller)
        identity = (contacts.identity_for(session, channel="sms", address=ring.call.caller, gateway_address=None)
                    if mobile else self._identity(session, ring))
        registered = event_flow.register(self.rt, session, event, identity, channel="voice")
        shown = event_flow.values(self.rt, event, LANGUAGE)
        if registered.registration.status == "waiting":
            ring.say.append(self._words("event_waiting", position=registered.place_in_line, **shown))
        else:
            ring.say.append(self._words("event_registered", **shown))
        if mobile:
            outbox.enqueue(session, identity, event_flow.registration_reply(self.rt, session, registered, event),
                           purpose="event", meta={"event": event.reference, "calendar": event.reference})
            ring.say.append(self._words("event_sms"))
        ring.say.append(self._words("goodbye"))
        return DONE

    def _what(self, session: Session, ring: Ring) -> str:
        text = ring.request.speech.strip()
        if not text:
            return self._missed(ring)
        analysis = self.rt.understander.analyze(text)
        self._warn_emergency(ring, analysis)
        if analysis.urgency != "emergency" and self._unsure(ring.request):
            return self._hear_back(ring)
        ring.data.pop("said_place", None)
        ring.data.update(kind="problem", description=text, category=analysis.category or "autre",
                         urgency=analysis.urgency, address=analysis.address, where_tries=0)
        if _only_a_place(analysis):
            # A place and nothing about what is wrong there: ask what, keeping the place (and the words said,
            # which a hang-up now would file).
            located = self.rt.router.locate_text(analysis.address or text)
            if located is not None and located.territory is None:
                return self._placed(session, ring, located)  # outside every territory: who is in charge
            if located is not None:
                self._keep_place(ring, located)
            ring.data["said_place"] = text
            return WHAT_HERE
        if not analysis.address:
            # The town's streets are in the gazetteer: one the analysis did not pick out is still found.
            located = self.rt.router.locate_text(text, commune=analysis.commune)
            return self._placed(session, ring, located) if located else WHERE
        return self._placed(session, ring, self.rt.router.locate_text(analysis.address, commune=analysis.commune))

    def _what_here(self, session: Session, ring: Ring) -> str:
        """The answer to « Quel est le problème à cet endroit ? »: the report now has its what and its where."""
        text = ring.request.speech.strip()
        if not text:
            return self._missed(ring)
        analysis = self.rt.understander.analyze(text)
        if analysis.urgency != "emergency" and self._unsure(ring.request):
            return self._hear_back(ring)
        if analysis.address:
            return self._what(session, ring)  # the what with another place: heard as a whole report
        self._warn_emergency(ring, analysis)
        said = ring.data.pop("said_place", "")
        ring.data.update(kind="problem", description=f"{text} ({said})" if said else text,
                         category=analysis.category or "autre", urgency=analysis.urgency)
        if ring.data.get("place"):
            return CONFIRM_PLACE
        return self._placed(session, ring, None)  # the place said first was not found: where, again

    def _read_back(self, session: Session, ring: Ring) -> str:
        """After « J'ai compris : … Tapez 1 si c'est juste, 2 pour recommencer. »: act on what was heard, or ask
        again the question it answered."""
        heard_back = ring.data.get("heard") or {}
        asked = heard_back.get("step", MENU)
        answer = self._yes_no(ring.request)
        if answer is None and not ring.request.speech.strip():
            return self._missed(ring)
        ring.data.pop("heard", None)
        ring.call.step = asked  # what follows is the answer to that question
        if answer == "yes":
            ring.request = replace(ring.request, speech=heard_back.get("text", ""), digits="", confidence=None)
            return self.handlers[asked](session, ring)
        if answer == "no":
            ring.say.append(self._words("place_again"))
            return asked
        return self.handlers[asked](session, ring)  # said again instead of 1 or 2: a new answer to the question

    def _where(self, session: Session, ring: Ring) -> str:
        text = ring.request.speech.strip()
        if not text:
            return self._missed(ring)
        analysis = self.rt.understander.analyze(text)
        self._warn_emergency(ring, analysis)
        ring.data["address"] = analysis.address or text
        located = self.rt.router.locate_text(analysis.address or text, commune=analysis.commune)
        if located is None:
            ring.data["where_tries"] = ring.data.get("where_tries", 0) + 1
        return self._placed(session, ring, located)

    def _confirm_place(self, session: Session, ring: Ring) -> str:
        answer = self._yes_no(ring.request)
        if answer == "yes":
            return self._open(session, ring, self._pending_place(ring.data))
        if answer == "no":
            ring.data["where_tries"] = ring.data.get("where_tries", 0) + 1
            ring.data.pop("place", None)
            if ring.data["where_tries"] >= MAX_WHERE_TRIES:
                return self._open(session, ring, None)
            ring.say.append(self._words("place_again"))
            return WHERE
        if ring.request.speech.strip():
            return self._where(session, ring)  # another address said instead of yes or no
        return self._missed(ring)

    def _idea(self, session: Session, ring: Ring) -> str:
        text = ring.request.speech.strip()
        if not text:
            return self._missed(ring)
        if self._unsure(ring.request):
            return self._hear_back(ring)
        analysis = self.rt.understander.analyze(text)
        located = self.rt.router.locate_text(analysis.address) if analysis.address else None
        if located is not None and located.territory is None:
            located = None  # an idea about elsewhere is still an idea for the town
        ring.data.update(kind="idea", description=text, category=analysis.category or "autre",
                         urgency="normal", address=analysis.address)
        territory = located.territory.commune_code if located is not None and located.territory else None
        found = similar.similar_ideas(session, self.rt.understander.lemmas, description=text,
                                      category=analysis.category, territory=territory, point=None,
                                      place=analysis.address)
        if found:
            # An idea close to an open one: the caller may support it by one key rather than file it twice.
            idea = found[0]
            ring.data["similar"] = idea.case.reference
            ring.say.append(self._words("idea_similar", excerpt=similar.excerpt(idea.case),
                                        supports=self._supports(idea.supports),
                                        status=status_label(self.rt, idea.case, LANGUAGE)))
            return SIMILAR_IDEA
        return self._open(session, ring, located)

    def _similar_idea(self, session: Session, ring: Ring) -> str:
        """After "Une idée proche existe": 1 supports it, 2 files the caller's own idea."""
        answer = self._yes_no(ring.request)
        case = case_store.by_reference(session, ring.data.get("similar", ""))
        if case is not None and answer == "yes":
            done = supports.support(session, case, self._identity(session, ring))
            key = "idea_supported" if done.new else "idea_already_supported"
            ring.say.append(self._words(key, supports=self._supports(done.count)))
            ring.say.append(self._words("goodbye"))
            return DONE
        if case is None or answer == "no":
            address = ring.data.get("address")
            located = self.rt.router.locate_text(address) if address else None
            return self._open(session, ring, located if located is not None and located.territory else None)
        return self._missed(ring)

    def _supports(self, count: int) -> str:
        """"12 soutiens", said."""
        key = "supports_none" if count == 0 else "supports_one" if count == 1 else "supports_many"
        return self.rt.messages.render(f"ideas.intake.{key}", LANGUAGE, count=count)

    def _reference(self, session: Session, ring: Ring) -> str:
        """The 8 digits of a reference typed (then #) or said: that case's public status, whoever calls."""
        digits = re.sub(r"\D", "", ring.request.digits or ring.request.speech)
        if not digits:
            return self._missed(ring)
        if len(digits) != REFERENCE_DIGITS:
            return self._missed(ring, "reference_length_one" if len(digits) == 1 else "reference_length",
                                count=len(digits))
        reference = format_reference(digits, self.rt.reference_prefix)
        if not is_valid(reference, self.rt.reference_prefix):
            # A mistyped digit or two swapped: the check digit (the last one) tells, before any lookup.
            return self._missed(ring, "reference_mistyped", reference=spell_reference(reference))
        case = case_store.by_reference(session, reference)
        ring.data.pop("misses", None)
        if case is None:
            ring.say.append(self._words("reference_not_found", reference=spell_reference(reference)))
            return MENU
        # Digits typed prove nothing about who calls: the public facts only, as a stranger gets them by SMS.
        ring.say.append(self._case_line(case, public=True))
        return MENU

    def _sms_offer(self, session: Session, ring: Ring) -> str:
        digits = ring.request.digits[:1]
        answer = self._yes_no(ring.request)
        case = fetch(session, Case, ring.call.case_id)
        if digits == "3" or says(ring.request.speech, ("repet", "reecout"), stems_from=0):
            ring.say.append(self._words("repeat_reference", reference=spell_reference(case.reference)))
            return SMS_OFFER
        if answer == "yes":
            self._subscribe_by_sms(session, ring, case)
            ring.say.append(self._words("sms_sent"))
            return DONE
        if answer == "no":
            ring.say.append(self._words("call_back"))
            return DONE
        return self._missed(ring)

    def _operator_done(self, session: Session, ring: Ring) -> str:
        """After the call to the desk: goodbye if someone answered, else the voicemail."""
        if ring.request.dial_status == "completed":
            ring.say.append(self._words("goodbye"))
            return DONE
        ring.say.append(self._words("operator_busy"))
        return VOICEMAIL

    # -- actions ---------------------------------------------------------------------------------

    def _silence(self, ring: Ring) -> str:
        ring.call.no_input += 1
        if ring.call.step == SMS_OFFER and ring.call.no_input >= MAX_SILENCES:
            ring.say.append(self._words("call_back"))  # the case is open: silence here is a "no"
            return DONE
        if ring.call.no_input >= MAX_SILENCES:
            return self._to_voicemail(ring)
        ring.say.append(self._words("not_heard"))
        return ring.call.step

    def _to_voicemail(self, ring: Ring) -> str:
        if ring.call.step in (IDEA, SIMILAR_IDEA) or ring.data.get("kind") == "idea":
            ring.data["about"] = "idea"  # the message left is an idea: asked and filed as one
        ring.say.append(self._words("to_voicemail"))
        return VOICEMAIL

    def _missed(self, ring: Ring, key: str = "not_understood", **values) -> str:
        """An answer not understood (`key` says why): the question again, or the voicemail at the third."""
        ring.data["misses"] = ring.data.get("misses", 0) + 1
        if ring.data["misses"] >= MAX_MISSES:
            if ring.call.step == SMS_OFFER:
                ring.say.append(self._words("call_back"))
                return DONE
            return self._to_voicemail(ring)
        ring.say.append(self._words(key, **values))
        return ring.call.step

    def _placed(self, session: Session, ring: Ring, located) -> str:
        """Where the report stands once a place was looked for: confirm it, ask again, or open unlocated."""
        if located is None:
            if ring.data.get("where_tries", 0) >= MAX_WHERE_TRIES:
                return self._open(session, ring, None)
            if ring.data.get("address"):
                ring.say.append(self._words("place_unknown"))
            return WHERE
        if located.territory is None:
            names = " et ".join(c.name for c in self.rt.router.territories.communes())
            commune = located.commune
            if commune is None:
                ring.say.append(self.rt.messages.render("outside_territory", LANGUAGE, territories=names))
            else:
                ring.say.append(self.rt.messages.render("outside_near" if located.near else "outside_commune",
                                                        LANGUAGE, territories=names, commune=commune.name,
                                                        contact=commune.contact))
            _forget_report(ring.data)
            return MENU
        self._keep_place(ring, located)
        return CONFIRM_PLACE

    def _keep_place(self, ring: Ring, located) -> None:
        ring.data["place"] = {"lat": located.place.lat, "lon": located.place.lon, "label": located.place.label,
                              "commune": located.territory.commune_name}

    def _unsure(self, request: CallRequest) -> bool:
        """Whether speech recognition itself doubts what it heard (its Confidence below the threshold)."""
        return (not request.digits and bool(request.speech.strip()) and request.confidence is not None
                and request.confidence < self.adapter.speech_confidence)

    def _hear_back(self, ring: Ring) -> str:
        """Read back words heard with low confidence before acting on them: « J'ai compris : … »."""
        ring.data["heard"] = {"text": ring.request.speech.strip(), "step": ring.call.step}
        return READ_BACK

    def _pending_place(self, data: dict):
        place = data.get("place")
        if not place:
            return None
        return self.rt.router.locate_point(place["lat"], place["lon"], label=place["label"])

    def _open(self, session: Session, ring: Ring, located) -> str:
        """Open (or join) the case the caller described, read its reference, offer it by SMS."""
        data, call = ring.data, ring.call
        identity = self._identity(session, ring)
        intake = Intake(kind=data.get("kind", "problem"), category=data.get("category") or "autre",
                        urgency=data.get("urgency", "normal"), description=data.get("description", ""),
                        address=data.get("address"), located=located)
        result = open_or_join(self.rt, session, identity, intake)
        case = result.case
        call.case_id = case.id
        data.update(joined=result.joined, located=located is not None)
        data.pop("misses", None)
        reference = spell_reference(case.reference)
        if result.joined:
            ring.say.append(self._words("joined", reference=reference, status=status_label(self.rt, case, LANGUAGE)))
        elif data.get("voicemail"):
            ring.say.append(self._words("voicemail_received", reference=reference))
        elif case.kind == "idea":
            referent = referent_for(session, theme=case.category, territory=case.territory)
            if referent is not None:
                case.referent_id = referent.id
                session.add(case)
            ring.say.append(self._words("idea_received", reference=reference,
                                        category=self.rt.category_label(case.category, LANGUAGE),
                                        referent=public_name(referent) or self.rt.service_name(case.service)))
        else:
            ring.say.append(self._words("acknowledged", reference=reference))
            if result.oncall_alerted:  # an emergency or high urgency: no delay in days, the on-call team has it
                ring.say.append(self._words("oncall_alerted"))
            else:
                ring.say.append(self._words("delay", delay=delay_text(self.rt, case.category, LANGUAGE)))
            if located is None:
                ring.say.append(self._words("unlocated"))
        log.info("case from a call", extra={"channel": "voice", "case": case.reference, "joined": result.joined})
        if not is_reachable(call.caller):
            ring.say.append(self._words("withheld_reference"))
            return DONE
        if not is_french_mobile(call.caller):
            ring.say.append(self._words("call_back"))  # a landline: updates come as calls
            return DONE
        return SMS_OFFER

    def _subscribe_by_sms(self, session: Session, ring: Ring, case: Case) -> None:
        """The caller accepted SMS: their SMS identity follows the case instead of the phone line."""
        voice = self._identity(session, ring)
        sms = contacts.identity_for(session, channel="sms", address=ring.call.caller, gateway_address=None)
        subscriptions = case_store.subscriptions(session, case)
        if not any(identity.id == sms.id for identity, _ in subscriptions):
            case_store.add_follower(session, case, sms)
        for identity, follower in subscriptions:
            if identity.id == voice.id:
                session.delete(follower)  # updates go by SMS now, not by an outbound call
        outbox.enqueue(session, sms, self._acknowledgement_sms(session, case, ring.data), case_id=case.id,
                       meta=message_meta(case))
        ring.data["sms_consent"] = True

    def _acknowledgement_sms(self, session: Session, case: Case, data: dict) -> str:
        values = dict(reference=case.reference, category=self.rt.category_label(case.category),
                      delay=delay_text(self.rt, case.category, LANGUAGE), place=case.address or "",
                      service=self.rt.service_name(case.service), status=status_label(self.rt, case, LANGUAGE),
                      referent=self.rt.service_name(case.service))
        if case.referent_id is not None:
            values["referent"] = public_name(session.get(Agent, case.referent_id)) or values["referent"]
        if data.get("joined"):
            key = "duplicate_joined"
        elif case.kind == "idea":
            key = "ideas.intake.received"
        elif case.lat is None:
            key = "acknowledged_unlocated"
        else:
            key = "acknowledged"
        return self.rt.messages.render(key, LANGUAGE, **values)

    def _read_cases(self, session: Session, ring: Ring) -> str:
        if not is_reachable(ring.call.caller):
            ring.say.append(self._words("cases_withheld"))
            return MENU
        identity = self._identity(session, ring)
        cases = case_store.of_contact(session, identity.contact_id, limit=3)
        if not cases:
            ring.say.append(self._words("cases_none"))
            return MENU
        ring.say.append(self._words("cases_many" if len(cases) > 1 else "cases_one", count=len(cases)))
        ring.say.extend(self._case_line(case) for case in cases)
        return MENU

    def _read_reference(self, session: Session, ring: Ring, reference: str) -> str:
        case = case_store.by_reference(session, reference)
        if case is None:
            ring.say.append(self._words("reference_unknown"))
            return MENU
        # A caller who neither reported nor follows the case hears its public facts, never the reporter's words.
        caller = self._identity(session, ring) if is_reachable(ring.call.caller) else None
        public = caller is None or not case_store.is_involved(session, case, caller.contact_id)
        ring.say.append(self._case_line(case, public=public))
        return MENU

    def _case_line(self, case: Case, *, public: bool = False) -> str:
        place = public_place(self.rt, address=case.address, territory=case.territory) if public else \
            case.address or self.rt.messages.text("unknown_place", LANGUAGE)
        return self._words("case_line", reference=spell_reference(case.reference),
                           category=self.rt.category_label(case.category), place=place,
                           status=status_label(self.rt, case, LANGUAGE))

    def _operator(self, ring: Ring, now: datetime | None = None) -> str:
        hours, operator = self.adapter.office_hours, self.adapter.operator
        if operator is None:
            ring.say.append(self._words("operator_none"))
            return MENU
        if hours is not None and not hours.is_open(now or utcnow()):
            ring.say.append(self._words("operator_closed", hours=hours.spoken()))
            return MENU
        ring.say.append(self._words("operator_connect"))
        return OPERATOR

    def _spoken_place(self, place: dict) -> str:
        """"14 Rue Victor Hugo, Valmont" read back as "14 Rue Victor Hugo, à Valmont"."""
        label, commune = place.get("label", ""), place.get("commune", "")
        if not commune:
            return label
        return self._words("place_in_commune", street=label.removesuffix(f", {commune}"), commune=commune)

    def _yes_no(self, request: CallRequest) -> str | None:
        """"yes" for 1 or a spoken yes, "no" for 2 or a spoken no, else None.

        A bare answer is read as the chat reads it; speech recognition hears sentences, so one that says
        "oui" or "non" somewhere counts too.
        """
        if request.digits:
            return {"1": "yes", "2": "no"}.get(request.digits[:1])
        if not request.speech.strip():
            return None
        return self.rt.understander.analyze(request.speech).answer or heard_answer(request.speech)

    def _warn_emergency(self, ring: Ring, analysis: Analysis) -> None:
        if analysis.urgency == "emergency":
            # The emergency numbers come first, before any question.
            numbers = " ou le ".join(analysis.emergency_numbers or ("112",))
            bodies = self.rt.directory.for_report(emergencies=analysis.emergencies, category=analysis.category)
            directory = "".join(self.rt.messages.render("directory_line", LANGUAGE, name=body.name,
                                                        number=body.number) for body in bodies).strip()
            ring.say.insert(0, self._words("emergency", numbers=numbers, directory=directory).strip())

    # -- plumbing --------------------------------------------------------------------------------

    def _words(self, key: str, **values) -> str:
        """What the caller hears for `key`: the template `voice.<key>` of config/messages.*.yaml, filled."""
        return self.rt.messages.render(f"voice.{key}", LANGUAGE, **values)

    def _prompt(self, call: Call, step: str) -> Ask | Record | Dial | None:
        """What the caller is asked in `step`, its answers coming back with the call's current turn."""
        action = f"{STEP_URL}?turn={call.turn}"
        silence = f"{action}&silence=1"
        if step == CONFIRM_PLACE:
            place = call.data.get("place") or {}
            return Ask(self._words("ask.confirm_place", place=self._spoken_place(place)), action, silence)
        if step == READ_BACK:
            heard_back = call.data.get("heard") or {}
            return Ask(self._words("ask.read_back", heard=heard_back.get("text", "")), action, silence)
        if step in (WHAT, WHAT_HERE, WHERE, IDEA):
            hints = PLACE_HINTS if step == WHERE else DESCRIPTION_HINTS
            return Ask(self._words(f"ask.{step}"), action, silence, digits=1, hints=hints)
        if step == REFERENCE:
            return Ask(self._words("ask.reference"), action, silence, digits=None)  # up to # (or the timeout)
        if step in ASKED:
            return Ask(self._words(f"ask.{step}"), action, silence)
        if step == VOICEMAIL:
            # A caller who was telling an idea is asked for it, not for "ce qui ne va pas".
            key = "ask.voicemail_idea" if call.data.get("about") == "idea" else "ask.voicemail"
            return Record(self._words(key), f"{RECORDING_URL}?turn={call.turn}",
                          self._words("voicemail_empty"))
        if step == OPERATOR and self.adapter.operator:
            return Dial(self.adapter.operator, action, caller_id=call.called or None)
        return None  # DONE: hang up

    def _finish(self, session: Session, ring: Ring, step: str) -> str:
        """Move the call to `step` at a new turn, and keep the answer for replays."""
        call = ring.call
        if step != call.step:
            call.no_input = 0
        call.turn += 1
        call.step = step
        call.data = ring.data
        call.last_twiml = self.adapter.render(VoiceReply(say=tuple(ring.say), then=self._prompt(call, step)))
        call.updated_at = utcnow()
        session.add(call)
        return call.last_twiml

    def _call(self, session: Session, request: CallRequest) -> tuple[Call, bool]:
        """The call's row, locked for this request; created (with the caller's identity) on first sight."""
        call = calls.locked(session, request.call_sid)
        if call is not None:
            return call, False
        identity = contacts.identity_for(session, channel="voice", address=request.caller,
                                         gateway_address=request.called or None)
        return calls.locked_or_new(session, call_sid=request.call_sid, caller=identity.address,
                                   called=request.called, status=request.status or "in-progress",
                                   data={"identity_id": identity.id})

    def _identity(self, session: Session, ring: Ring) -> Identity:
        identity = session.get(Identity, ring.data.get("identity_id") or -1)
        if identity is None:
            identity = contacts.identity_for(session, channel="voice", address=ring.call.caller,
                                             gateway_address=ring.call.called or None)
            ring.data["identity_id"] = identity.id
        return identity


def _forget_report(data: dict) -> None:
    for key in ("kind", "description", "category", "urgency", "address", "place", "where_tries", "said_place"):
        data.pop(key, None)


def _only_a_place(analysis: Analysis) -> bool:
    """A place said and nothing else: no category, no words of a report, no emergency."""
    return (bool(analysis.address) and not analysis.category and analysis.said not in ("report", "idea")
            and analysis.urgency != "emergency")


def _spoken_choice(speech: str) -> str | None:
    """The menu digit a spoken answer stands for ("problème", "mes dossiers", "un agent"), or None."""
    said = heard(speech)
    if said[:1].isdigit():
        return said[:1]
    if said in NUMBER_WORDS:
        return NUMBER_WORDS[said]
    return next((digit for digit, keys in MENU_WORDS.items() if says(speech, keys, stems_from=6)), None)
