"""What a référent decides on an idea: taking it, studying it by a date, go or no-go with reasons (final).

Each function checks that the agent may decide the idea (its référent's themes and territories, a supervisor or
an admin; never a plain agent), writes the audit log, and tells every supporter and follower the decision whole,
on their own channel: a decision is never merged with other updates nor held by the daily cap.
"""

from __future__ import annotations

import logging
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session

from gateway.cases import flows
from gateway.cases.actions import MAX_TEXT_CHARS, agent_row, parse_cost, parse_day
from gateway.cases.agents import ActionError, AgentUser
from gateway.cases.privacy import mask_personal
from gateway.errors import Conflict
from gateway.ideas.people import _decider, audience, tell
from gateway.runtime import Runtime
from store import agents as agent_store
from store import cases as case_store
from store.clock import utcnow
from store.models import Case, Identity
from store.statuses import SOLVED, TRANSITIONS, IdeaStatus

log = logging.getLogger(__name__)

FINAL = ("cette idée a déjà reçu sa décision, qui est définitive : pour revenir dessus, il faut une nouvelle idée "
         "(le résident ou vous pouvez la déposer)")
DECIDED = {IdeaStatus.GO, IdeaStatus.NO_GO, IdeaStatus.IN_PROGRESS, IdeaStatus.DONE}
MAX_REASONS_CHARS = 1200  # the reasons reach people whole, in one SMS (1,600 characters at most)


def take(rt: Runtime, session: Session, who: AgentUser, reference: str, *, via: str = "web") -> Case:
    """The référent takes the idea: they are its référent, named on its page."""
    if not who.is_referent:
        raise ActionError("seul un référent peut prendre une idée : choisissez-en un")
    return _set_referent(session, who, reference, who.id or 0, via=via)


def assign_referent(rt: Runtime, session: Session, who: AgentUser, reference: str, *, email: str,
                    via: str = "web") -> Case:
    """Hand the idea to another référent (by their e-mail)."""
    agent = agent_store.by_email(session, (email or "").strip().lower())
    if agent is None or agent.role != "referent" or not agent.active:
        raise ActionError(f"aucun référent actif {email.strip()[:80]!r}")
    return _set_referent(session, who, reference, agent.id or 0, via=via)


def _set_referent(session: Session, who: AgentUser, reference: str, agent_id: int, *, via: str) -> Case:
    case = _decider(session, who, reference)
    previous = case.referent_id
    case.referent_id, case.updated_at = agent_id, utcnow()
    session.add(case)
    referent = agent_store.by_id(session, agent_id)
    name = (referent.name or referent.email) if referent else "?"
    case_store.add_event(session, case, "referent", public=False, actor=who.label, message=f"Référent : {name}")
    agent_store.audit(session, agent=agent_row(session, who), action="idea_referent", via=via, case=case,
                      referent=referent.email if referent else None, previous=previous)
    return case


def under_study(rt: Runtime, session: Session, who: AgentUser, reference: str, *, due_on: str | None,
                message: str | None = None, via: str = "web", now: datetime | None = None) -> Case:
    """Put the idea under study with the day a decision is expected (required); everyone following is told."""
    day = parse_day(due_on)
    if day is None:
        raise ActionError("indiquez la date à laquelle la décision est attendue")
    message = _text(message, "le message", required=False)
    case, now = _decider(session, who, reference, lock=True), now or utcnow()
    if day < now.astimezone(ZoneInfo(rt.settings.timezone)).date():
        # Supporters are told "réponse attendue d'ici le …": a day already gone would promise nothing.
        raise ActionError("la date de la décision attendue est passée : indiquez un jour à venir")
    previous = case.status if case.status == IdeaStatus.UNDER_STUDY else _move(case, IdeaStatus.UNDER_STUDY)
    case.decision_due_on, case.updated_at = day, now
    _record(session, who, case, previous, message=message, now=now)
    _tell(rt, session, case, now=now, message=message)
    agent_store.audit(session, agent=agent_row(session, who), action="idea_under_study", via=via, case=case,
                      decision_due_on=day.isoformat(), message=mask_personal(message) if message else None)
    return case


def go(rt: Runtime, session: Session, who: AgentUser, reference: str, *, reasons: str | None,
       cost: str | int | float | None = None, period_start: str | None = None, period_end: str | None = None,
       via: str = "web", now: datetime | None = None) -> Case:
    """Adopt the idea with reasons (required), an optional cost and execution period; final."""
    text = _text(reasons, "les motifs")
    cents = parse_cost(cost)
    start, end = parse_day(period_start), parse_day(period_end)
    if end is not None and (start is None or end < start):
        raise ActionError("la période de réalisation commence par sa date de début, avant sa date de fin")
    case, now = _decider(session, who, reference, lock=True), now or utcnow()
    previous = _decide(case, IdeaStatus.GO, text, now)
    case.cost_cents, case.period_start, case.period_end = cents, start, end
    _record(session, who, case, previous, message=text, now=now)
    _tell(rt, session, case, now=now)
    agent_store.audit(session, agent=agent_row(session, who), action="idea_go", via=via, case=case,
                      reasons=mask_personal(text), cost_cents=cents,
                      period=[d.isoformat() for d in (start, end) if d is not None])
    log.info("idea adopted", extra={"case": case.reference})
    return case


def no_go(rt: Runtime, session: Session, who: AgentUser, reference: str, *, reasons: str | None,
          via: str = "web", now: datetime | None = None) -> Case:
    """Decline the idea with reasons (required); final: it cannot be reopened, a new idea may be filed."""
    text = _text(reasons, "les motifs")
    case, now = _decider(session, who, reference, lock=True), now or utcnow()
    previous = _decide(case, IdeaStatus.NO_GO, text, now)
    _record(session, who, case, previous, message=text, now=now)
    _tell(rt, session, case, now=now)
    agent_store.audit(session, agent=agent_row(session, who), action="idea_no_go", via=via, case=case,
                      reasons=mask_personal(text))
    log.info("idea declined", extra={"case": case.reference})
    return case


def _text(text: str | None, what: str, *, required: bool = True) -> str:
    text = (text or "").strip()
    if required and not text:
        raise ActionError(f"indiquez {what} : ils sont publiés avec la décision")
    if len(text) > min(MAX_TEXT_CHARS, MAX_REASONS_CHARS):
        raise ActionError(f"{what} dépasse {MAX_REASONS_CHARS} caractères")
    return text


def _move(case: Case, status: str) -> str:
    """Change the status if the idea's life allows it (a published decision refuses a second one); the previous."""
    if case.status in DECIDED and status in (*DECIDED, IdeaStatus.UNDER_STUDY) and status not in (
            TRANSITIONS[case.kind][case.status]):
        raise Conflict(FINAL)
    if status not in TRANSITIONS[case.kind][case.status]:
        raise Conflict(f"l'idée est « {case.status} » : elle ne peut pas passer à « {status} »")
    previous, case.status = case.status, status
    return previous


def _decide(case: Case, status: str, reasons: str, now: datetime) -> str:
    if case.status in DECIDED or case.decided_at is not None:
        raise Conflict(FINAL)
    previous = _move(case, status)
    case.decision_reasons, case.decided_at, case.updated_at = reasons, now, now
    if status in SOLVED:
        case.resolved_at = now
    return previous


def _record(session: Session, who: AgentUser, case: Case, previous: str, *, message: str | None,
            now: datetime) -> None:
    """The status on the idea's public timeline, with the reasons or the message."""
    session.add(case)
    case_store.add_event(session, case, "status", status_from=previous, status_to=case.status, message=message,
                         actor=who.label, public=True, created_at=now)


def decision_text(rt: Runtime, case: Case, language: str, *, message: str | None = None) -> str:
    """What a supporter reads of the decision, whole: the status, the reasons, the cost, the period."""
    values: dict[str, Any] = {"reference": case.reference}
    if case.status == IdeaStatus.UNDER_STUDY:
        text = rt.messages.render("ideas.office.under_study", language, date=_day(rt, case.decision_due_on, language),
                                  **values)
        if message:
            text += " " + rt.messages.render("agent_message", language, message=message)
        return text
    text = rt.messages.render(f"ideas.office.{case.status}", language, reasons=_sentence(case.decision_reasons),
                              **values)
    if case.cost_cents is not None:
        text += " " + rt.messages.render("ideas.office.cost", language, cost=flows.format_cost(case.cost_cents, language))
    if case.period_start is not None:
        key = "ideas.office.period" if case.period_end is not None else "ideas.office.period_from"
        text += " " + rt.messages.render(key, language, start=_day(rt, case.period_start, language),
                                         end=_day(rt, case.period_end, language))
    return text


def _sentence(text: str | None) -> str:
    """The reasons as a sentence: the cost or the period read after them starts a new one."""
    text = (text or "").strip()
    return text if not text or text.endswith((".", "!", "?", "…")) else text + "."


def _day(rt: Runtime, day: date | None, language: str) -> str:
    return flows.format_day(rt, day, language)


def _tell(rt: Runtime, session: Session, case: Case, *, now: datetime, message: str | None = None) -> int:
    def body(language: str, _identity: Identity) -> str:
        return decision_text(rt, case, language, message=message)

    return tell(rt, session, case, audience(session, case), body, now=now, capped=False)
