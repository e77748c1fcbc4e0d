"""What an agent does to a case, the same from the back office's forms and from the JSON API.

Each action checks that the agent may see the case, does it through the flows, and writes the audit log.
An action refuses with `NotFound` (not a case of theirs), `ActionError` (what the agent asked is wrong, 422)
or the flows' `CaseError` (the case's state refuses it, 409); each surface answers with the error's status.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel import Session

from gateway.cases import flows as case_service
from gateway.cases.agents import ActionError, AgentUser
from gateway.cases.photos import public_photo
from gateway.cases.privacy import mask_personal
from gateway.errors import Forbidden, NotFound
from gateway.runtime import Runtime
from store import agents as agent_store
from store import attachments, files
from store import cases as case_store
from store.models import Agent, Case
from store.statuses import TRANSITIONS, ProblemStatus

MAX_PHOTO_BYTES = 10 * 1024 * 1024
# An agent's message, note or reason: longer than any channel carries (SMS 1,600, Telegram 4,096), and
# longer texts make the public masking slow.
MAX_TEXT_CHARS = 4000


@dataclass(frozen=True)
class Photo:
    """A photo an agent uploaded with a status change, cleaned as every kept photo is (`files.clean_photo`)."""

    clean: files.CleanPhoto

    @classmethod
    def from_upload(cls, data: bytes) -> Photo | None:
        """The photo, if `data` is a JPEG, PNG, GIF or WebP image within MAX_PHOTO_BYTES; None otherwise."""
        if len(data) > MAX_PHOTO_BYTES:
            return None
        try:
            return cls(clean=files.clean_photo(data))
        except files.NotAPhoto:
            return None

    @property
    def content_type(self) -> str:
        """What it was re-encoded as: JPEG, PNG or WebP."""
        return self.clean.content_type


def _bounded(text: str | None, what: str) -> None:
    """ActionError (422) for a text longer than MAX_TEXT_CHARS."""
    if text is not None and len(text) > MAX_TEXT_CHARS:
        raise ActionError(f"{what} dépasse {MAX_TEXT_CHARS} caractères")


def parse_day(text: str | None) -> date | None:
    """The expected day from a form or the API (`2026-12-12`, or `12/12/2026`); ActionError otherwise."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        if re.fullmatch(r"\d{1,2}/\d{1,2}/\d{4}", text):
            day, month, year = (int(part) for part in text.split("/"))
            return date(year, month, day)
        return date.fromisoformat(text)
    except ValueError as err:
        raise ActionError(f"date prévue illisible {text[:20]!r} : écrivez-la AAAA-MM-JJ ou JJ/MM/AAAA") from err


def parse_cost(text: str | int | float | None) -> int | None:
    """An estimated cost in euros (`1 200`, `1200,50 €`) as cents; ActionError for anything else."""
    if text is None or (isinstance(text, str) and not text.strip()):
        return None
    if isinstance(text, int | float) and not isinstance(text, bool):
        text = f"{text:.2f}"
    cleaned = re.sub(r"[\s\u00a0\u202f€]|EUR", "", str(text), flags=re.IGNORECASE).replace(",", ".")
    if re.fullmatch(r"-\d+(\.\d+)?", cleaned):
        raise ActionError(f"le coût est un montant positif en euros ({str(text)[:20]} n'en est pas un)")
    if not re.fullmatch(r"\d{1,9}(\.\d{1,2})?", cleaned):
        raise ActionError(f"coût illisible {str(text)[:20]!r} : écrivez un montant en euros, ex. 1200 ou 1200,50")
    euros, _, cents = cleaned.partition(".")
    return int(euros) * 100 + int((cents + "00")[:2])


def visible_case(session: Session, who: AgentUser, reference: str, *, lock: bool = False) -> Case:
    """The case if the agent may see it; otherwise 404, so that other services' references are not revealed."""
    case = case_store.by_reference(session, reference.strip(), lock=lock)
    if case is None or not who.can_see(case):
        raise NotFound(f"aucun dossier {reference.strip().upper()} dans vos services")
    return case


def act_status(rt: Runtime, session: Session, who: AgentUser, reference: str, *, status: str,
               message: str | None, photo: Photo | None = None, expected_on: str | None = None,
               cost: str | int | float | None = None, via: str = "web") -> Case:
    """Change the status with an optional public message and photo; everyone following is told. A validation
    may carry the expected date and an estimated cost."""
    _bounded(message, "le message")
    case = visible_case(session, who, reference)
    if case.kind == "idea":  # ideas: a référent decides, with reasons, in the idea's page (gateway/ideas/decisions.py)
        if not who.can_decide(case):
            raise Forbidden("seul un référent de cette idée, un superviseur ou un administrateur peut y répondre")
        raise ActionError("une idée se décide dans sa page Idée (/agents/idees/…) : motifs et dates y sont demandés")
    day, cents = parse_day(expected_on), parse_cost(cost)
    if (day is not None or cents is not None) and status not in case_service.VALIDATION:
        raise ActionError("la date prévue et le coût accompagnent une validation")
    allowed = TRANSITIONS[case.kind]
    if status not in allowed:
        raise ActionError(f"statut inconnu {status!r} pour ce dossier : {', '.join(allowed)}")
    if status == ProblemStatus.DUPLICATE:
        raise ActionError("pour un doublon, utilisez la fusion avec le dossier de référence")
    message = (message or "").strip() or None
    path = None
    if photo is not None:
        # Absolute: the web process, the worker and the command line may not share a working directory.
        kept = files.keep_clean(rt.settings.media_dir, photo.clean, prefix="agent").path.absolute()
        public_photo(kept)  # the public's copy, faces blurred, made now rather than at the first visitor's request
        path = str(kept)
    case_service.change_status(rt, session, reference=case.reference, status=status, message=message,
                               photo=path, actor=who.label, expected_on=day, cost_cents=cents)
    if photo is not None and path is not None:
        attachments.keep(session, path=path, content_type=photo.content_type, case_id=case.id, source="agent")
    agent_store.audit(session, agent=agent_row(session, who), action="status", via=via, case=case,
                      status=status, message=mask_personal(message) if message else None, photo=path is not None,
                      **plan_detail(day, cents))
    return case


def plan_detail(day: date | None, cents: int | None) -> dict[str, Any]:
    """The audit log's record of a date and a cost."""
    detail: dict[str, Any] = {}
    if day is not None:
        detail["expected_on"] = day.isoformat()
    if cents is not None:
        detail["cost_cents"] = cents
    return detail


def act_plan(rt: Runtime, session: Session, who: AgentUser, reference: str, *, expected_on: str | None,
             cost: str | int | float | None = None, via: str = "web") -> Case:
    """Change the expected date (and the cost) of a validated case; the people following are told the new date."""
    case = visible_case(session, who, reference)
    day, cents = parse_day(expected_on), parse_cost(cost)
    if day is None:
        raise ActionError("indiquez la date prévue")
    case_service.reschedule(rt, session, reference=case.reference, expected_on=day, cost_cents=cents,
                            actor=who.label)
    agent_store.audit(session, agent=agent_row(session, who), action="plan", via=via, case=case,
                      **plan_detail(day, cents))
    return case


def act_message(rt: Runtime, session: Session, who: AgentUser, reference: str, *, text: str,
                via: str = "web") -> Case:
    """Write to the reporter on their channel."""
    _bounded(text, "le message")
    case = visible_case(session, who, reference)
    if not (text or "").strip():
        raise ActionError("le message est vide")
    identity = case_service.write_to_reporter(rt, session, reference=case.reference, text=text, actor=who.label)
    agent_store.audit(session, agent=agent_row(session, who), action="message", via=via, case=case,
                      channel=identity.channel, message=mask_personal(text.strip()))
    return case


def act_reroute(rt: Runtime, session: Session, who: AgentUser, reference: str, *, service: str,
                reason: str | None = None, via: str = "web") -> Case:
    """Hand the case to another service (the agent may lose sight of it)."""
    _bounded(reason, "le motif")
    case = visible_case(session, who, reference)
    previous = case.service
    if not service:
        raise ActionError("choisissez le service qui reprend le dossier")
    try:
        rt.router.services.get(service)
    except KeyError as err:
        raise ActionError(f"service inconnu {service!r}") from err
    case_service.reroute(rt, session, reference=case.reference, service=service, actor=who.label,
                         reason=(reason or "").strip() or None)
    agent_store.audit(session, agent=agent_row(session, who), action="reroute", via=via, case=case,
                      service_from=previous, service_to=service,
                      reason=mask_personal(reason.strip()) if reason and reason.strip() else None)
    return case


def act_merge(rt: Runtime, session: Session, who: AgentUser, reference: str, *, target: str,
              message: str | None = None, via: str = "web") -> Case:
    """Merge the case into another one (status duplicate); its followers join the other case."""
    _bounded(message, "le message")
    case = visible_case(session, who, reference)
    if not (target or "").strip():
        raise ActionError("indiquez la référence du dossier qui regroupe celui-ci")
    try:
        into = visible_case(session, who, target)
    except NotFound as err:  # the target is what the agent typed: bad input, not a missing page
        raise ActionError(str(err)) from err
    if into.id == case.id:
        raise ActionError("un dossier ne peut pas être fusionné avec lui-même")
    message = (message or "").strip() or None
    case_service.change_status(rt, session, reference=case.reference, status=ProblemStatus.DUPLICATE,
                               target=into.reference, message=message, actor=who.label)
    agent_store.audit(session, agent=agent_row(session, who), action="merge", via=via, case=case,
                      target=into.reference, message=mask_personal(message) if message else None)
    return into


def act_note(rt: Runtime, session: Session, who: AgentUser, reference: str, *, text: str,
             via: str = "web") -> Case:
    """An internal note: agents only."""
    _bounded(text, "la note")
    case = visible_case(session, who, reference)
    if not (text or "").strip():
        raise ActionError("la note est vide")
    case_service.add_note(rt, session, reference=case.reference, text=text, actor=who.label)
    agent_store.audit(session, agent=agent_row(session, who), action="note", via=via, case=case)
    return case


def agent_row(session: Session, who: AgentUser) -> Agent | None:
    """The `agent` row behind the logged-in agent, for the audit log."""
    return agent_store.by_id(session, who.id) if who.id is not None else None


def queue_filters(args) -> dict[str, Any]:
    """The queue filters from a query string (the same for the list, the map and the API)."""
    return {
        "status": args.get("status") or None,
        "category": args.get("category") or None,
        "territory": args.get("territory") or None,
        "urgency": args.get("urgency") or None,
        "overdue": args.get("overdue") in ("1", "true", "on", "oui"),
    }
