"""After a resolution: the reporter asked once "C'est réglé ?", and a case reopened when a resident says it is not.

The question is a worker job (`ask_due`); the answer is read by the conversation engine in the state
`AWAITING_SATISFACTION` (gateway/engine/conversation.mmd), which this module sets when it asks.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlmodel import Session

from gateway.cases.flows import URGENT_LEVELS, change_status, message_meta, release_time
from gateway.runtime import Runtime
from store import cases as case_store
from store import contacts, outbox
from store.clock import utcnow
from store.models import Case, Identity
from store.statuses import ProblemStatus

log = logging.getLogger(__name__)

AWAITING_SATISFACTION = "awaiting_satisfaction"
# A case resolved longer ago than the delay and this is never asked about (a worker down for a week, a new setting).
ASK_WITHIN = timedelta(days=7)


def ask_due(rt: Runtime, session: Session, *, now: datetime | None = None) -> int:
    """Ask the reporter of each problem resolved GUICHET_SATISFACTION_DAYS ago "C'est réglé ?", once; held in
    quiet hours like other updates. A reporter in the middle of another conversation is asked at a later pass."""
    days = rt.settings.satisfaction_days
    if days <= 0:
        return 0
    now = now or utcnow()
    due = case_store.satisfaction_due(session, resolved_before=now - timedelta(days=days),
                                      resolved_after=now - timedelta(days=days) - ASK_WITHIN)
    asked = 0
    for case in due:
        reporter = next(((identity, follower) for identity, follower in case_store.subscriptions(session, case)
                         if follower.role == "reporter"), None)
        if reporter is None or reporter[0].stopped_at is not None:
            # Nobody to ask (an erased person, a phone call without SMS), or they said STOP: never asked.
            case.satisfaction_asked_at = now
            session.add(case)
            continue
        identity, follower = reporter
        conversation = contacts.conversation_for(session, identity)
        if conversation.state != "idle":
            continue
        language = contacts.languages(session, {identity.contact_id}).get(identity.contact_id, "fr")
        conversation.state = AWAITING_SATISFACTION
        conversation.draft = {"language": language, "attachments": [], "case": case.reference}
        conversation.updated_at = now
        session.add(conversation)
        body = rt.messages.render("satisfaction_check", language, reference=case.reference,
                                  category=rt.category_label(case.category, language))
        hold = None if case.urgency in URGENT_LEVELS else release_time(now, rt.settings.quiet_hours,
                                                                       rt.settings.timezone)
        outbox.enqueue(session, identity, body, purpose="update", case_id=case.id, not_before=hold,
                       meta=message_meta(case, in_reply_to=follower.thread))
        case.satisfaction_asked_at = now
        session.add(case)
        asked += 1
        log.info("satisfaction asked", extra={"case": case.reference, "channel": identity.channel})
    return asked


def reopen(rt: Runtime, session: Session, case: Case, identity: Identity, *, words: str,
           now: datetime | None = None) -> Case:
    """A resident says the resolved case is not fixed: back to "en cours" through the usual status change (the
    other followers are told, the timeline says who), their words kept for the service, the case marked unread."""
    now = now or utcnow()
    if words:
        case_store.add_event(session, case, "resident_message", actor="resident", public=False, message=words,
                             created_at=now)
    case = change_status(rt, session, reference=case.reference, status=ProblemStatus.IN_PROGRESS, actor="resident",
                         now=now, told=identity.id)
    case.satisfaction_asked_at = case.satisfaction_asked_at or now  # never asked again after a reopening
    case_store.mark_unread(session, case, at=now)
    log.info("case reopened by a resident", extra={"case": case.reference, "channel": identity.channel})
    return case
