"""The on-call team (astreinte): emergency and high-urgency cases alert it at once, down an ordered list.

The first contact of the case's commune (config/oncall.yaml) is alerted through the outbox as the case opens.
They acknowledge by answering "OK" (or "OK GU-1234-5678") by SMS or e-mail, or by opening the signed link of
the alert (/astreinte/<token>). Nobody acknowledged after GUICHET_ONCALL_ESCALATE_MINUTES: the worker alerts
the next contact. Every alert, escalation and acknowledgement is a private line of the case's timeline.

"phone" contacts get a call that reads the alert aloud (Twilio Voice, like a resident's update call) and the
same alert by SMS: a call cannot take the "OK", the SMS can.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from itsdangerous import BadSignature, URLSafeSerializer
from sqlmodel import Session

from gateway.cases.directory import OnCallContact
from nlu.references import find_references
from nlu.text import fold
from store import cases as case_store
from store import contacts, outbox
from store import inbound as inbound_store
from store import oncall as oncall_store
from store.clock import utcnow
from store.db import key
from store.models import Case, OnCallAlert, ReceivedMessage
from store.statuses import OPEN

if TYPE_CHECKING:
    from gateway.runtime import Runtime

log = logging.getLogger(__name__)

CHANNEL_LABELS = {"sms": "SMS", "email": "e-mail", "phone": "appel et SMS", "link": "lien"}
URGENT_LEVELS = {"high", "emergency"}
# "OK", "ok merci", "OK GU-1234-5678", "Ok, bien reçu": an acknowledgement, nothing else.
ACK_WORDS = {"ok", "okay", "oki", "merci", "bien", "recu", "pris", "je", "prends", "vu"}
_TOKEN_SALT = "oncall-acknowledgement"


# -- alerting ------------------------------------------------------------------------------------


def alert(rt: Runtime, session: Session, case: Case, *, now: datetime | None = None) -> bool:
    """Alert the first on-call contact of an emergency or high-urgency case; False when no list covers it."""
    if case.urgency not in URGENT_LEVELS:
        return False
    team = rt.oncall.team(case.territory)
    if not team:
        case_store.add_event(session, case, "oncall", public=False, actor="oncall",
                             message="Aucune astreinte configurée pour cette commune (config/oncall.yaml)")
        log.warning("no on-call team for an urgent case", extra={"case": case.reference})
        return False
    _alert_contact(rt, session, case, team, 0, now=now or utcnow())
    return True


def _alert_contact(rt: Runtime, session: Session, case: Case, team: tuple[OnCallContact, ...], position: int, *,
                   now: datetime, note: str = "") -> OnCallAlert:
    contact = team[position]
    delay = timedelta(minutes=rt.settings.oncall_escalate_minutes)
    record = oncall_store.add_alert(session, case_id=key(case), position=position, name=contact.name,
                                    channel=contact.channel, address=contact.address, alerted_at=now,
                                    escalate_at=now + delay)
    facts = {"reference": case.reference, "urgency": rt.messages.text(f"urgency.{case.urgency}"),
             "category": rt.category_label(case.category),
             "place": case.address or rt.messages.text("unknown_place")}
    text = rt.messages.render("oncall.alert", link=acknowledgement_link(rt, record), **facts)
    meta = {"reference": case.reference}
    if contact.channel == "phone":
        voice = contacts.staff_identity(session, channel="voice", address=contact.address)
        outbox.enqueue(session, voice, rt.messages.render("oncall.call", **facts), purpose="oncall_alert",
                       urgent=True, case_id=case.id, meta=meta)
    channel = "email" if contact.channel == "email" else "sms"
    identity = contacts.staff_identity(session, channel=channel, address=contact.address)
    outbox.enqueue(session, identity, text, purpose="oncall_alert", urgent=True, case_id=case.id, meta=meta)
    case_store.add_event(session, case, "oncall", public=False, actor="oncall", created_at=now,
                         message=f"{note}Astreinte alertée : {contact.name} ({CHANNEL_LABELS[contact.channel]})")
    log.info("on-call contact alerted", extra={"case": case.reference, "position": position,
                                               "channel": contact.channel})
    return record


def escalate_unacknowledged(rt: Runtime, session: Session, *, now: datetime | None = None) -> int:
    """Alert the next contact for every alert nobody acknowledged in time; returns how many were passed on."""
    now = now or utcnow()
    minutes = f"{rt.settings.oncall_escalate_minutes:g}"
    passed = 0
    for waiting in oncall_store.waiting(session, now=now):
        waiting.superseded_at = now
        session.add(waiting)
        case = session.get(Case, waiting.case_id)
        if case is None or oncall_store.acknowledgement(session, key(case)) is not None:
            continue
        if case.status not in OPEN:
            # An agent closed it (resolved, rejected, merged) before anyone answered: nobody else to wake.
            case_store.add_event(session, case, "oncall", public=False, actor="oncall", created_at=now,
                                 message=f"Pas de prise en charge par {waiting.name} : dossier clos, astreinte arrêtée.")
            continue
        team = rt.oncall.team(case.territory)
        late = f"Pas de prise en charge par {waiting.name} en {minutes} min. "
        if waiting.position + 1 < len(team):
            _alert_contact(rt, session, case, team, waiting.position + 1, now=now, note=late)
            passed += 1
        else:
            case_store.add_event(session, case, "oncall", public=False, actor="oncall", created_at=now,
                                 message=late + "Plus personne à alerter sur la liste d'astreinte.")
            log.warning("on-call list exhausted", extra={"case": case.reference})
    return passed


# -- acknowledging -------------------------------------------------------------------------------


def acknowledgement_link(rt: Runtime, record: OnCallAlert) -> str:
    """The signed link that acknowledges `record` when opened (and confirmed)."""
    return f"{rt.settings.public_url.rstrip('/')}/astreinte/{_serializer(rt).dumps(key(record))}"


def alert_for_token(rt: Runtime, session: Session, token: str) -> OnCallAlert | None:
    """The alert a link's token names, or None when the token is forged or damaged."""
    try:
        alert_id = _serializer(rt).loads(token)
    except BadSignature:
        return None
    return oncall_store.get(session, alert_id) if isinstance(alert_id, int) else None


def _serializer(rt: Runtime) -> URLSafeSerializer:
    return URLSafeSerializer(rt.settings.secret_key, salt=_TOKEN_SALT)


def acknowledge(rt: Runtime, session: Session, record: OnCallAlert, *, via: str,
                now: datetime | None = None) -> OnCallAlert | None:
    """Take the case of `record` for the on-call team: escalation stops, a timeline line says who and how.

    Returns the earlier acknowledgement when someone had taken the case already (then nothing changes)."""
    now = now or utcnow()
    earlier = oncall_store.acknowledgement(session, record.case_id)
    if earlier is not None:
        return earlier
    oncall_store.acknowledge(session, record, via=via, now=now)
    case = session.get(Case, record.case_id)
    if case is not None:
        case_store.add_event(session, case, "oncall", public=False, actor="oncall", created_at=now,
                             message=f"Prise en charge par l'astreinte : {record.name} ({CHANNEL_LABELS[via]})")
        log.info("on-call alert acknowledged", extra={"case": case.reference, "via": via})
    return None


def take_reply(rt: Runtime, session: Session, message: ReceivedMessage) -> bool:
    """Handle an on-call contact's "OK" before the conversation engine sees it; False for anything else.

    Only an "OK" from an address of config/oncall.yaml is taken: the same person reporting a pothole is a
    resident like any other."""
    if message.channel not in ("sms", "email") or not _is_acknowledgement(rt, message.body):
        return False
    identity = inbound_store.sender_identity(session, message)
    if identity.address not in rt.oncall.addresses(message.channel):
        return False
    written = next((r.reference for r in find_references(message.body, rt.reference_prefix) if r.valid), None)
    reference = written or message.thread_reference
    case = case_store.by_reference(session, reference) if reference else None
    addresses = (identity.address,)
    candidates = oncall_store.unacknowledged_for(session, addresses=addresses, case_id=key(case) if case else None)
    if case is not None and not candidates:
        taken = oncall_store.acknowledgement(session, key(case))
        text = (rt.messages.render("oncall.already", reference=case.reference, name=taken.name) if taken
                else rt.messages.text("oncall.nothing_waiting"))
    elif not candidates:
        text = rt.messages.text("oncall.nothing_waiting")
    else:
        record = candidates[0]
        acknowledge(rt, session, record, via=message.channel)
        case = session.get(Case, record.case_id)
        text = rt.messages.render("oncall.acknowledged", reference=case.reference if case else "")
    outbox.enqueue(session, identity, text, purpose="oncall_reply", urgent=True, inbound_id=message.id,
                   case_id=case.id if case else None, meta={"reference": case.reference} if case else {})
    return True


def _is_acknowledgement(rt: Runtime, body: str) -> bool:
    """Whether a message says "OK" and nothing but courtesy words and a reference."""
    text = body
    for found in find_references(text, rt.reference_prefix):
        text = text.replace(found.written, " ")
    words = re.findall(r"[a-z]+", fold(text).lower())
    return bool(words) and words[0] in ("ok", "okay", "oki") and set(words) <= ACK_WORDS
