"""An adopted idea's timeline: the référent's dated steps (title, text, photo, progress) up to done.

The first step of a go moves it to in_progress; the step that says done closes it at 100 % and thanks, once,
everyone who took part (supporters, followers, registrants of its events), telling them how to be named.
Contributions to an idea are moderated here too: published (masked as every public text) or refused.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlmodel import Session

from gateway.cases import flows
from gateway.cases.actions import Photo, agent_row
from gateway.cases.agents import ActionError, AgentUser
from gateway.cases.photos import public_photo
from gateway.cases.privacy import mask_personal
from gateway.errors import Conflict, NotFound
from gateway.ideas.people import _decider, audience, registrants, tell
from gateway.runtime import Runtime
from store import agents as agent_store
from store import attachments, files
from store import cases as case_store
from store import ideas as idea_store
from store.clock import utcnow
from store.db import key
from store.models import Case, CaseEvent, Contribution, Identity
from store.statuses import IdeaStatus

log = logging.getLogger(__name__)

MAX_TITLE_CHARS = 80
MAX_STEP_CHARS = 2000


def parse_progress(value: str | int | None) -> int | None:
    """A progress in per cent (`40`, `40 %`), 0 to 100; None when left empty; ActionError otherwise."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    text = str(value).replace("%", "").strip()
    if text.lstrip("-").isdigit():
        if not 0 <= int(text) <= 100:
            raise ActionError(f"l'avancement va de 0 à 100 % ({text} n'en est pas un)")
        return int(text)
    raise ActionError(f"avancement illisible {str(value)[:10]!r} : un nombre de 0 à 100")


def publish_step(rt: Runtime, session: Session, who: AgentUser, reference: str, *, title: str | None,
                 text: str | None = None, progress: str | int | None = None, photo: Photo | None = None,
                 done: bool = False, via: str = "web", now: datetime | None = None) -> CaseEvent:
    """Publish a dated step of an adopted idea and push it to its supporters; `done` closes the idea at 100 %."""
    title = (title or "").strip()
    text = (text or "").strip() or None
    if not title:
        raise ActionError("donnez un titre à l'étape")
    if len(title) > MAX_TITLE_CHARS or (text and len(text) > MAX_STEP_CHARS):
        raise ActionError(f"le titre tient en {MAX_TITLE_CHARS} caractères, le texte en {MAX_STEP_CHARS}")
    percent = 100 if done else parse_progress(progress)
    case, now = _decider(session, who, reference, lock=True), now or utcnow()
    if case.status not in (IdeaStatus.GO, IdeaStatus.IN_PROGRESS):
        raise Conflict("les étapes suivent une idée retenue : publiez d'abord la décision"
                       if case.status != IdeaStatus.DONE else "l'idée est réalisée : son calendrier est clos")
    if percent is not None and case.progress is not None and percent < case.progress:
        raise ActionError(f"l'avancement ne recule pas : il est déjà de {case.progress} %")
    path = None
    if photo is not None:
        kept = files.keep_clean(rt.settings.media_dir, photo.clean, prefix="agent").path.absolute()
        public_photo(kept)  # the public's copy, faces blurred
        path = str(kept)
        attachments.keep(session, path=path, content_type=photo.content_type, case_id=case.id, source="agent")
    previous = case.status
    case.status = IdeaStatus.DONE if done else IdeaStatus.IN_PROGRESS
    if done:
        case.resolved_at = now
    if percent is not None:
        case.progress = percent
    case.updated_at = now
    session.add(case)
    step = case_store.add_event(session, case, "step", title=title, message=text, photo=path, progress=percent,
                                status_from=previous if previous != case.status else None,
                                status_to=case.status if previous != case.status else None,
                                public=True, actor=who.label, created_at=now)
    url = flows.tracking_url(rt, case.reference)
    shown = percent if percent is not None else case.progress

    def body(language: str, _identity: Identity) -> str:
        if done:
            return rt.messages.render("ideas.office.done", language, reference=case.reference, title=title)
        key_ = "ideas.office.step" if shown is not None else "ideas.office.step_plain"
        return rt.messages.render(key_, language, reference=case.reference, title=title, progress=shown, url=url)

    people = audience(session, case)
    if done:  # the thanks reach those who came to its events too, once each
        told = {identity.contact_id for identity, _ in people}
        events = [key(e) for e in idea_store.events_of(session, key(case))]
        people += [pair for pair in registrants(session, events) if pair[0].contact_id not in told]
    tell(rt, session, case, people, body, now=now, capped=not done, photo=path)
    agent_store.audit(session, agent=agent_row(session, who), action="idea_step", via=via, case=case,
                      title=mask_personal(title), progress=percent, done=done, photo=path is not None)
    log.info("idea step published", extra={"case": case.reference, "progress": percent, "done": done})
    session.flush()
    return step


def steps(session: Session, case: Case) -> list[CaseEvent]:
    """The idea's published steps, oldest first."""
    return [event for event in case_store.timeline(session, case) if event.kind == "step"]


def moderate(rt: Runtime, session: Session, who: AgentUser, contribution_id: int, *, publish: bool,
             via: str = "web", now: datetime | None = None) -> Contribution:
    """Publish a supporter's contribution (its text masked as every public text) or refuse it."""
    contribution = session.get(Contribution, contribution_id)
    if contribution is None:
        raise NotFound("aucune contribution de ce numéro")
    case = session.get(Case, contribution.case_id)
    if case is None:
        raise NotFound("aucune contribution de ce numéro")
    case = _decider(session, who, case.reference)
    if contribution.status != "pending":
        raise Conflict("cette contribution est déjà modérée")
    now = now or utcnow()
    contribution.status = "published" if publish else "refused"
    if publish:
        contribution.text = mask_personal(contribution.text, config_dir=rt.settings.config_dir)
    contribution.moderated_by, contribution.moderated_at = who.email, now
    session.add(contribution)
    agent_store.audit(session, agent=agent_row(session, who), action="contribution_publish" if publish
                      else "contribution_refuse", via=via, case=case, contribution=contribution_id)
    return contribution
