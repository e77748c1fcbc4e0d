"""The daily digest of overdue cases: one e-mail to each service with its cases, one to each supervisor with all.

The worker tries every few minutes; the first try from GUICHET_OVERDUE_DIGEST_HOUR on (town time) claims the
day in the database and sends, so that with several workers, or one started late, it leaves once that day.
A day with no overdue case sends nothing.
"""

from __future__ import annotations

import logging
from datetime import datetime
from itertools import groupby
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlmodel import Session

from store import agents as agent_store
from store import contacts, outbox
from store import oncall as oncall_store
from store.clock import aware, utcnow
from store.models import Case

if TYPE_CHECKING:
    from gateway.runtime import Runtime

log = logging.getLogger(__name__)

SUPERVISOR_ROLES = ("supervisor", "admin")


def send_overdue_digest(rt: Runtime, session: Session, *, now: datetime | None = None) -> int:
    """Queue today's digest e-mails (once a day, whichever worker runs first); returns how many were queued."""
    now = now or utcnow()
    zone = ZoneInfo(rt.settings.timezone)
    local = now.astimezone(zone)
    if local.hour < rt.settings.overdue_digest_hour:
        return 0
    today = local.date()
    if not oncall_store.claim_digest_day(session, day=today.isoformat(), now=now):
        return 0
    cases = oncall_store.overdue_open(session, now=now)
    oncall_store.record_digest(session, day=today.isoformat(), cases=len(cases))
    if not cases:
        return 0
    day = today.strftime("%d/%m/%Y")
    by_service = {service: list(group) for service, group in groupby(cases, key=lambda c: c.service or "")}
    mails: list[tuple[str, str]] = []
    for code, of_service in by_service.items():
        address = _service_email(rt, code)
        if address:
            mails.append((address, _body(rt, {code: of_service}, day=day, now=now)))
    everything = _body(rt, by_service, day=day, now=now)
    mails.extend((agent.email, everything) for agent in agent_store.everyone(session)
                 if agent.active and agent.role in SUPERVISOR_ROLES)
    for address, body in mails:
        identity = contacts.staff_identity(session, channel="email", address=address)
        outbox.enqueue(session, identity, body, purpose="overdue_digest")
    log.info("overdue digest queued", extra={"cases": len(cases), "mails": len(mails)})
    return len(mails)


def _service_email(rt: Runtime, code: str) -> str | None:
    try:
        return rt.router.services.get(code).email if code else None
    except KeyError:
        return None


def _body(rt: Runtime, by_service: dict[str, list[Case]], *, day: str, now: datetime) -> str:
    """The digest's text: a heading per service, a line per case (its place and status, never the resident's words)."""
    m = rt.messages
    count = sum(len(cases) for cases in by_service.values())
    lines = [m.render("digest.intro", day=day, count=count)]
    for code, cases in by_service.items():
        lines += ["", m.render("digest.service", service=rt.service_name(code or None), count=len(cases))]
        for case in cases:
            due = aware(case.due_at) or now
            lines.append(m.render(
                "digest.line", reference=case.reference, category=rt.category_label(case.category),
                place=case.address or m.text("unknown_place"), due=due.astimezone(ZoneInfo(rt.settings.timezone))
                .strftime("%d/%m/%Y"), late=max(0, (now - due).days), status=m.text(f"status.{case.status}")))
    lines += ["", m.render("digest.footer", link=f"{rt.settings.public_url.rstrip('/')}/agents/?overdue=1")]
    return "\n".join(lines)
