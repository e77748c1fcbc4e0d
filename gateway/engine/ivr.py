"""The 24/7 phone line: a state machine keyed by Twilio's CallSid, its state in the `call` table.

Each answer carries its turn number in every action URL (`/webhooks/twilio/voice/step?turn=N`);
a request for an older turn is a replay and gets the stored answer, so no step advances twice.
Silence comes back through the `<Redirect>` after every question (`&silence=1`); two silences in a
row lead to the voicemail, whose recording opens a case anyway: no call is lost. The states and
their transitions are drawn in ivr.mmd beside this module.
"""

from __future__ import annotations

import logging
import unicodedata
from dataclasses import dataclass, field
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
from gateway.runtime import Runtime
from nlu.analysis import Analysis
from store import calls, contacts, outbox
from store import cases as case_store
from store.clock import utcnow
from store.models import Call, Case, Identity

log = logging.getLogger(__name__)

STEP_URL = "/webhooks/twilio/voice/step"
RECORDING_URL = "/webhooks/twilio/voice/recording"

MENU, WHAT, WHERE, CONFIRM_PLACE, IDEA, SMS_OFFER, OPERATOR, VOICEMAIL, DONE = (
    "menu", "what", "where", "confirm_place", "idea", "sms_offer", "operator", "voicemail", "done",
)
MAX_SILENCES = 2  # silences in a row before the voicemail
MAX_MISSES = 3  # answers not understood before the voicemail
MAX_WHERE_TRIES = 2  # places not recognised (or refused) before the case is opened unlocated

# What the caller hears; plain words, short sentences (people call from the street).
WELCOME = "Bonjour, vous êtes sur la ligne de la mairie pour signaler un problème dans la rue, jour et nuit."
PROMPTS = {
    MENU: ("Pour signaler un problème, tapez 1 ou dites « problème ». Pour connaître l'état de vos dossiers, "
           "tapez 2. Pour proposer une idée, tapez 3. Pour parler à une personne, tapez 4."),
    WHAT: ("Décrivez le problème en quelques mots, et dites où il se trouve. "
           "Par exemple : lampadaire éteint, 12 rue Balzac."),
    WHERE: "Où se trouve le problème ? Dites le numéro et le nom de la rue, ou un lieu proche, comme la mairie ou la gare.",
    IDEA: "Décrivez votre idée en quelques mots.",
    SMS_OFFER: ("Pour recevoir cette référence par SMS, et les nouvelles de votre dossier par SMS, tapez 1. "
                "Sinon, tapez 2. Pour réécouter la référence, tapez 3."),
}
CONFIRM_PLACE_PROMPT = "J'ai compris : {place}. Tapez 1 si c'est exact, 2 pour recommencer."
VOICEMAIL_PROMPT = ("Vous pouvez laisser un message après le bip : dites ce qui ne va pas, et où. "
                    "Tapez dièse ou raccrochez quand vous avez terminé.")
VOICEMAIL_EMPTY = "Nous n'avons pas reçu de message. Vous pouvez nous rappeler à tout moment. Au revoir."
NOT_HEARD = "Je ne vous ai pas entendu."
NOT_UNDERSTOOD = "Je n'ai pas compris."
TO_VOICEMAIL = "Je vous propose de laisser un message : un agent l'écoutera."
PLACE_UNKNOWN = "Je n'ai pas reconnu cet endroit."
PLACE_AGAIN = "D'accord, recommençons."
OUTSIDE = "Cet endroit est hors de {territories}. Merci de contacter la mairie de la commune concernée."
EMERGENCY = "Si une vie est en danger, raccrochez et appelez le {numbers} maintenant."
ACKNOWLEDGED = "Merci. Votre signalement est enregistré sous la référence : {reference}. Je répète : {reference}."
DELAY = "Délai prévu : {delay}."
UNLOCATED = "Un agent vous rappellera pour préciser le lieu."
IDEA_RECEIVED = ("Merci pour votre idée. Elle est enregistrée sous la référence : {reference}. "
                 "Je répète : {reference}. La mairie va l'étudier.")
VOICEMAIL_RECEIVED = "Merci, votre message est enregistré sous la référence : {reference}. Je répète : {reference}."
JOINED = "Ce problème est déjà signalé, sous la référence : {reference}. Son état : {status}. Vous recevrez ses nouvelles."
WITHHELD_REFERENCE = "Notez bien cette référence : elle vous servira à suivre votre dossier. Merci de votre appel, au revoir."
CALL_BACK = "Nous vous appellerons à ce numéro à chaque étape. Merci de votre appel, au revoir."
SMS_SENT = ("C'est noté : la référence part par SMS, et vous recevrez les nouvelles de votre dossier par SMS. "
            "Merci de votre appel, au revoir.")
REPEAT_REFERENCE = "La référence est : {reference}."
CASES_NONE = "Vous n'avez pas de dossier en cours à ce numéro."
CASES_WITHHELD = "Votre numéro est masqué : je ne peux pas retrouver vos dossiers. Vous pouvez dire la référence d'un dossier."
CASES_COUNT = "Vous avez {count} dossier{plural}."
CASE_LINE = "Dossier {reference} : {category}, {place}. État : {status}."
REFERENCE_UNKNOWN = "Je ne trouve pas ce dossier."
OPERATOR_CONNECT = "Je vous passe un agent de la mairie. Restez en ligne."
OPERATOR_CLOSED = ("L'accueil téléphonique est ouvert {hours}. En dehors de ces heures, "
                   "je peux enregistrer votre signalement.")
OPERATOR_NONE = "Personne ne peut vous répondre à ce numéro pour l'instant, mais je peux enregistrer votre signalement."
OPERATOR_BUSY = "Personne n'est disponible pour le moment."
GOODBYE = "Merci de votre appel, au revoir."
DESCRIPTION_HINTS = ("nid de poule", "lampadaire éteint", "dépôt sauvage", "voiture mal garée", "feu rouge en panne",
                     "branche tombée", "fuite d'eau", "tag", "poubelle", "trottoir")
PLACE_HINTS = ("rue", "avenue", "boulevard", "place", "chemin", "devant la mairie", "la gare", "l'école")

# A spoken menu choice: the keypad digit it stands for.
MENU_WORDS = {
    "1": ("probleme", "signaler", "signalement"),
    "2": ("dossier", "suivi", "ou en est", "etat"),
    "3": ("idee", "proposer", "proposition"),
    "4": ("personne", "agent", "conseiller", "quelqu'un", "humain", "standard", "operat"),
}
NUMBER_WORDS = {"un": "1", "deux": "2", "trois": "3", "quatre": "4"}
YES = ("oui", "exact", "correct", "c'est ca", "d'accord", "ok", "tout a fait")
NO = ("non", "pas ca", "faux", "recommencer", "erreur")


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
            CONFIRM_PLACE: self._confirm_place,
            IDEA: self._idea,
            SMS_OFFER: self._sms_offer,
            OPERATOR: self._operator_done,
        }

    # -- webhooks --------------------------------------------------------------------------------

    def incoming(self, session: Session, request: CallRequest) -> str:
        """A new call: the welcome and the menu. Twilio retrying the same call gets the same answer."""
        call, created = self._call(session, request)
        if not created:
            return call.last_twiml
        log.info("call started", extra={"channel": "voice", "call": call.call_sid})
        return self._finish(session, Ring(call, request, dict(call.data), [WELCOME]), MENU)

    def step(self, session: Session, request: CallRequest, *, turn: int | None, silence: bool) -> str:
        """The caller's answer (or silence) to the question of turn `turn`."""
        call, created = self._call(session, request)
        if created:  # a step for a call we never saw (its first request was lost): start afresh
            return self._finish(session, Ring(call, request, dict(call.data), [WELCOME]), MENU)
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
            ring.say.append(VOICEMAIL_EMPTY)
            return self._finish(session, ring, DONE)
        ring.data["recording_sid"] = request.recording_sid
        description = f"Message vocal : {request.recording_url}"
        if ring.data.get("description"):
            description += f"\nEntendu : {ring.data['description']}"
        located = self._pending_place(ring.data)
        if call.case_id is None and located is not None:
            # What and where were known when the caller fell silent: the report goes in with the message.
            ring.data["description"] = f"{ring.data.get('description', '')}\nMessage vocal : {request.recording_url}"
            return self._finish(session, ring, self._open(session, ring, located))
        if call.case_id is not None:
            # The case of this call is already open: the message joins its timeline.
            case = session.get(Case, call.case_id)
            case_store.add_event(session, case, "resident_message", actor="resident", public=False,
                                 message=description)
            ring.say.append(GOODBYE)
            return self._finish(session, ring, DONE)
        ring.data.update(kind="problem", category="autre", urgency=ring.data.get("urgency", "normal"),
                         description=description, address=None, voicemail=True)
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
            say=("Un incident technique nous empêche de vous répondre.",),
            then=Record(prompt=VOICEMAIL_PROMPT, action=RECORDING_URL, empty=VOICEMAIL_EMPTY),
        ))

    # -- states ----------------------------------------------------------------------------------

    def _menu(self, session: Session, ring: Ring) -> str:
        request = ring.request
        analysis = Analysis()
        choice = request.digits[:1]
        if not choice and request.speech.strip():
            analysis = self.rt.understander.analyze(request.speech)
            if analysis.category or analysis.address or analysis.urgency == "emergency":
                # A whole report said at once: no need to go through the menu.
                return self._idea(session, ring) if analysis.intent == "idea" else self._what(session, ring)
            choice = _spoken_choice(request.speech)
            if not choice and analysis.reference:
                return self._read_reference(session, ring, analysis.reference)
            if not choice and analysis.intent == "status":
                choice = "2"
        if choice == "1":
            return WHAT
        if choice == "2":
            return self._read_cases(session, ring)
        if choice == "3":
            return IDEA
        if choice == "4":
            return self._operator(ring)
        return self._missed(ring)

    def _what(self, session: Session, ring: Ring) -> str:
        text = ring.request.speech.strip()
        if not text:
            return self._missed(ring)
        analysis = self.rt.understander.analyze(text)
        self._warn_emergency(ring, analysis)
        ring.data.update(kind="problem", description=text, category=analysis.category or "autre",
                         urgency=analysis.urgency, address=analysis.address, where_tries=0)
        if not analysis.address:
            # The town's streets are in the gazetteer: one the analysis did not pick out is still found.
            located = self.rt.router.locate_text(text)
            return self._placed(session, ring, located) if located else WHERE
        return self._placed(session, ring, self.rt.router.locate_text(analysis.address))

    def _where(self, session: Session, ring: Ring) -> str:
        text = ring.request.speech.strip()
        if not text:
            return self._missed(ring)
        analysis = self.rt.understander.analyze(text)
        self._warn_emergency(ring, analysis)
        ring.data["address"] = analysis.address or text
        located = self.rt.router.locate_text(analysis.address or text)
        if located is None:
            ring.data["where_tries"] = ring.data.get("where_tries", 0) + 1
        return self._placed(session, ring, located)

    def _confirm_place(self, session: Session, ring: Ring) -> str:
        answer = _yes_no(ring.request)
        if answer == "yes":
            return self._open(session, ring, self._pending_place(ring.data))
        if answer == "no":
            ring.data["where_tries"] = ring.data.get("where_tries", 0) + 1
            ring.data.pop("place", None)
            if ring.data["where_tries"] >= MAX_WHERE_TRIES:
                return self._open(session, ring, None)
            ring.say.append(PLACE_AGAIN)
            return WHERE
        if ring.request.speech.strip():
            return self._where(session, ring)  # another address said instead of yes or no
        return self._missed(ring)

    def _idea(self, session: Session, ring: Ring) -> str:
        text = ring.request.speech.strip()
        if not text:
            return self._missed(ring)
        analysis = self.rt.understander.analyze(text)
        located = self.rt.router.locate_text(analysis.address) if analysis.address else None
        if located is not None and located.territory is None:
            located = None  # an idea about elsewhere is still an idea for the town
        ring.data.update(kind="idea", description=text, category=analysis.category or "autre",
                         urgency="normal", address=analysis.address)
        return self._open(session, ring, located)

    def _sms_offer(self, session: Session, ring: Ring) -> str:
        digits = ring.request.digits[:1]
        answer = _yes_no(ring.request)
        case = session.get(Case, ring.call.case_id)
        if digits == "3" or "repet" in _plain(ring.request.speech) or "reecout" in _plain(ring.request.speech):
            ring.say.append(REPEAT_REFERENCE.format(reference=spell_reference(case.reference)))
            return SMS_OFFER
        if answer == "yes":
            self._subscribe_by_sms(session, ring, case)
            ring.say.append(SMS_SENT)
            return DONE
        if answer == "no":
            ring.say.append(CALL_BACK)
            return DONE
        return self._missed(ring)

    def _operator_done(self, session: Session, ring: Ring) -> str:
        """After the call to the desk: goodbye if someone answered, else the voicemail."""
        if ring.request.dial_status == "completed":
            ring.say.append(GOODBYE)
            return DONE
        ring.say.append(OPERATOR_BUSY)
        return VOICEMAIL

    # -- actions ---------------------------------------------------------------------------------

    def _silence(self, ring: Ring) -> str:
        ring.call.no_input += 1
        if ring.call.step == SMS_OFFER and ring.call.no_input >= MAX_SILENCES:
            ring.say.append(CALL_BACK)  # the case is open: silence here is a "no"
            return DONE
        if ring.call.no_input >= MAX_SILENCES:
            ring.say.append(TO_VOICEMAIL)
            return VOICEMAIL
        ring.say.append(NOT_HEARD)
        return ring.call.step

    def _missed(self, ring: Ring) -> str:
        ring.data["misses"] = ring.data.get("misses", 0) + 1
        if ring.data["misses"] >= MAX_MISSES:
            if ring.call.step == SMS_OFFER:
                ring.say.append(CALL_BACK)
                return DONE
            ring.say.append(TO_VOICEMAIL)
            return VOICEMAIL
        ring.say.append(NOT_UNDERSTOOD)
        return ring.call.step

    def _placed(self, session: Session, ring: Ring, located) -> str:
        """Where the report stands once a place was looked for: confirm it, ask again, or open unlocated."""
        if located is None:
            if ring.data.get("where_tries", 0) >= MAX_WHERE_TRIES:
                return self._open(session, ring, None)
            if ring.data.get("address"):
                ring.say.append(PLACE_UNKNOWN)
            return WHERE
        if located.territory is None:
            names = " et ".join(c.name for c in self.rt.router.territories.communes())
            ring.say.append(OUTSIDE.format(territories=names))
            _forget_report(ring.data)
            return MENU
        ring.data["place"] = {"lat": located.place.lat, "lon": located.place.lon, "label": located.place.label,
                              "commune": located.territory.commune_name}
        return CONFIRM_PLACE

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
            ring.say.append(JOINED.format(reference=reference, status=status_label(self.rt, case)))
        elif data.get("voicemail"):
            ring.say.append(VOICEMAIL_RECEIVED.format(reference=reference))
        elif case.kind == "idea":
            ring.say.append(IDEA_RECEIVED.format(reference=reference))
        else:
            ring.say.append(ACKNOWLEDGED.format(reference=reference))
            ring.say.append(DELAY.format(delay=delay_text(self.rt, case.category, "fr")))
            if located is None:
                ring.say.append(UNLOCATED)
        log.info("case from a call", extra={"channel": "voice", "case": case.reference, "joined": result.joined})
        if not is_reachable(call.caller):
            ring.say.append(WITHHELD_REFERENCE)
            return DONE
        if not is_french_mobile(call.caller):
            ring.say.append(CALL_BACK)  # a landline: updates come as calls
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
        outbox.enqueue(session, sms, self._acknowledgement_sms(case, ring.data), case_id=case.id,
                       meta=message_meta(case))
        ring.data["sms_consent"] = True

    def _acknowledgement_sms(self, case: Case, data: dict) -> str:
        values = dict(reference=case.reference, category=self.rt.category_label(case.category),
                      delay=delay_text(self.rt, case.category, "fr"), place=case.address or "",
                      service=self.rt.service_name(case.service), status=status_label(self.rt, case))
        if data.get("joined"):
            key = "duplicate_joined"
        elif case.kind == "idea":
            key = "idea_received"
        elif case.lat is None:
            key = "acknowledged_unlocated"
        else:
            key = "acknowledged"
        return self.rt.messages.render(key, "fr", **values)

    def _read_cases(self, session: Session, ring: Ring) -> str:
        if not is_reachable(ring.call.caller):
            ring.say.append(CASES_WITHHELD)
            return MENU
        identity = self._identity(session, ring)
        cases = case_store.of_contact(session, identity.contact_id, limit=3)
        if not cases:
            ring.say.append(CASES_NONE)
            return MENU
        ring.say.append(CASES_COUNT.format(count=len(cases), plural="s" if len(cases) > 1 else ""))
        ring.say.extend(self._case_line(case) for case in cases)
        return MENU

    def _read_reference(self, session: Session, ring: Ring, reference: str) -> str:
        case = case_store.by_reference(session, reference)
        ring.say.append(self._case_line(case) if case else REFERENCE_UNKNOWN)
        return MENU

    def _case_line(self, case: Case) -> str:
        return CASE_LINE.format(reference=spell_reference(case.reference), category=self.rt.category_label(case.category),
                                place=case.address or "lieu à préciser", status=status_label(self.rt, case))

    def _operator(self, ring: Ring, now: datetime | None = None) -> str:
        hours, operator = self.adapter.office_hours, self.adapter.operator
        if operator is None:
            ring.say.append(OPERATOR_NONE)
            return MENU
        if hours is not None and not hours.is_open(now or utcnow()):
            ring.say.append(OPERATOR_CLOSED.format(hours=hours.spoken()))
            return MENU
        ring.say.append(OPERATOR_CONNECT)
        return OPERATOR

    def _warn_emergency(self, ring: Ring, analysis: Analysis) -> None:
        if analysis.urgency == "emergency":
            # The emergency numbers come first, before any question.
            numbers = " ou le ".join(analysis.emergency_numbers or ("112",))
            ring.say.insert(0, EMERGENCY.format(numbers=numbers))

    # -- plumbing --------------------------------------------------------------------------------

    def _prompt(self, call: Call, step: str) -> Ask | Record | Dial | None:
        """What the caller is asked in `step`, its answers coming back with the call's current turn."""
        action = f"{STEP_URL}?turn={call.turn}"
        silence = f"{action}&silence=1"
        if step == CONFIRM_PLACE:
            place = call.data.get("place") or {}
            return Ask(CONFIRM_PLACE_PROMPT.format(place=_spoken_place(place)), action, silence)
        if step in (WHAT, WHERE, IDEA):
            hints = PLACE_HINTS if step == WHERE else DESCRIPTION_HINTS
            return Ask(PROMPTS[step], action, silence, digits=1, hints=hints)
        if step in PROMPTS:
            return Ask(PROMPTS[step], action, silence)
        if step == VOICEMAIL:
            return Record(VOICEMAIL_PROMPT, f"{RECORDING_URL}?turn={call.turn}", VOICEMAIL_EMPTY)
        if step == OPERATOR:
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
    for key in ("kind", "description", "category", "urgency", "address", "place", "where_tries"):
        data.pop(key, None)


def _spoken_place(place: dict) -> str:
    """"14 Rue Victor Hugo, Valmont" read back as "14 rue Victor Hugo, à Valmont"."""
    label, commune = place.get("label", ""), place.get("commune", "")
    street = label.removesuffix(f", {commune}") if commune else label
    return f"{street}, à {commune}" if commune else street


def _plain(text: str) -> str:
    """Lower case without accents, for matching what speech recognition heard."""
    decomposed = unicodedata.normalize("NFD", text.lower().replace("’", "'"))
    return "".join(c for c in decomposed if unicodedata.category(c) != "Mn").strip(" .!?")


def _spoken_choice(speech: str) -> str | None:
    """The menu digit a spoken answer stands for ("problème", "mes dossiers", "un agent"), or None."""
    said = _plain(speech)
    if said[:1].isdigit():
        return said[:1]
    if said in NUMBER_WORDS:
        return NUMBER_WORDS[said]
    words = set(said.replace("'", "' ").split())
    for digit, keys in MENU_WORDS.items():
        if any((key in said) if (" " in key or len(key) > 5) else (key in words) for key in keys):
            return digit
    return None


def _yes_no(request: CallRequest) -> str | None:
    """"yes" for 1 or a spoken yes, "no" for 2 or a spoken no, else None."""
    if request.digits:
        return {"1": "yes", "2": "no"}.get(request.digits[:1])
    said = _plain(request.speech)
    words = set(said.replace("'", "' ").split())
    if any((key in said) if " " in key else (key in words) for key in NO):
        return "no"
    if any((key in said) if " " in key else (key in words) for key in YES):
        return "yes"
    return None
