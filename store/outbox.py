"""The outbox: every outbound message is a row before it is a provider call.

Statuses move forward only: queued → sending → wired → sent → delivered → read,
or to a final failed / undelivered / canceled.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, case, func, insert, or_, update
from sqlmodel import Session, col, select

from store import wake
from store.clock import utcnow
from store.db import key
from store.models import DeliveryEvent, Follower, Identity, OutboxEntry

RANK = {"queued": 0, "sending": 1, "wired": 2, "sent": 3, "delivered": 4, "read": 5}
FINAL = {"failed", "undelivered", "canceled"}
# The longest wait between two attempts of a failing send: a provider back after a day's outage gets the
# message within the hour.
MAX_BACKOFF_SECONDS = 3600.0
# Messages that must go even to a stopped identity: the one STOP confirmation, and the answers to a person
# asking for their data to be erased (the question, the cancellation, the farewell).
BYPASS_STOP = {"stop_confirmation", "erasure"}


def enqueue(
    session: Session,
    identity: Identity,
    body: str,
    *,
    purpose: str = "reply",
    urgent: bool = False,
    case_id: int | None = None,
    inbound_id: int | None = None,
    not_before: datetime | None = None,
    meta: dict | None = None,
) -> OutboxEntry:
    """Queue a message to one identity, from the gateway address they wrote to; canceled if they said STOP."""
    now = utcnow()
    message = OutboxEntry(
        identity_id=key(identity),
        channel=identity.channel,
        to_address=identity.address,
        from_address=identity.gateway_address,
        body=body,
        purpose=purpose,
        urgent=urgent,
        case_id=case_id,
        inbound_id=inbound_id,
        meta=meta or {},
        next_attempt_at=max(now, not_before) if not_before else now,
    )
    if identity.stopped_at is not None and purpose not in BYPASS_STOP:
        message.status, message.last_error = "canceled", f"identity stopped ({identity.stop_reason})"
    session.add(message)
    session.flush()
    if message.status == "queued":
        wake.ring(session, wake.OUTBOX)
    return message


def enqueue_many(session: Session, messages: list[tuple[Identity, str, dict]], *, purpose: str, case_id: int | None,
                 urgent: bool = False, not_before: datetime | None = None) -> int:
    """Queue one message per (identity, body, meta) in a single bulk insert (a case with 10,000 followers)."""
    if not messages:
        return 0
    now = utcnow()
    due = max(now, not_before) if not_before else now
    rows = []
    for identity, body, meta in messages:
        stopped = identity.stopped_at is not None and purpose not in BYPASS_STOP
        rows.append({
            "identity_id": identity.id, "channel": identity.channel, "to_address": identity.address,
            "from_address": identity.gateway_address, "body": body, "purpose": purpose, "urgent": urgent,
            "case_id": case_id, "inbound_id": None, "meta": meta, "status": "canceled" if stopped else "queued",
            "last_error": f"identity stopped ({identity.stop_reason})" if stopped else None,
            "attempts": 0, "next_attempt_at": due, "created_at": now, "updated_at": now,
        })
    session.execute(insert(OutboxEntry), rows)
    wake.ring(session, wake.OUTBOX)
    return len(rows)


def _followers_contacts(case_id: int):
    """The contacts following a case, as a subquery (a case may have 10,000 followers: no list of ids)."""
    return (select(col(Identity.contact_id)).join(Follower, col(Follower.identity_id) == col(Identity.id))
            .where(col(Follower.case_id) == case_id))


def pending_updates(session: Session, *, case_id: int) -> tuple[dict[int, OutboxEntry], dict[int, OutboxEntry]]:
    """Not-yet-sent updates by contact: those of this case, and the digests (no case: they gather what the daily
    cap held back, all cases together) of the people following it. A newer update is merged into them rather
    than adding a message."""
    rows = session.exec(
        select(OutboxEntry, col(Identity.contact_id))
        .join(Identity, col(Identity.id) == col(OutboxEntry.identity_id))
        .where(
            col(OutboxEntry.purpose) == "update",
            col(OutboxEntry.status) == "queued",
            or_(col(OutboxEntry.case_id) == case_id,
                col(OutboxEntry.case_id).is_(None) & col(Identity.contact_id).in_(_followers_contacts(case_id))),
        )
        .order_by(col(OutboxEntry.id))
        # Locked, so that a worker cannot claim a message while a newer change is merged into it (the merged
        # text would be lost); one a worker holds already is skipped, and the change gets its own message.
        .with_for_update(of=OutboxEntry, skip_locked=True)
    ).all()
    of_case: dict[int, OutboxEntry] = {}
    digests: dict[int, OutboxEntry] = {}
    for row, contact_id in rows:
        if (row.meta or {}).get("whole"):  # an idea's decision or step: told as it is, never merged into
            continue
        (of_case if row.case_id == case_id else digests).setdefault(contact_id, row)
    return of_case, digests


def updates_since(session: Session, *, since: datetime, case_id: int | None = None,
                  contact_ids: set[int] | None = None) -> dict[int, int]:
    """How many updates (of any case) each contact following `case_id`, or each of `contact_ids`, was queued since
    `since`; the daily cap counts them. Merged updates are one message; canceled ones never left."""
    if case_id is not None:
        people: Any = _followers_contacts(case_id)
    elif contact_ids:
        people = contact_ids
    else:
        return {}
    rows = session.exec(
        select(col(Identity.contact_id), func.count(col(OutboxEntry.id)))
        .join(Identity, col(Identity.id) == col(OutboxEntry.identity_id))
        .where(
            col(OutboxEntry.purpose) == "update",
            col(OutboxEntry.created_at) >= since,
            col(OutboxEntry.status) != "canceled",
            col(Identity.contact_id).in_(people),
        )
        .group_by(col(Identity.contact_id))
    ).all()
    return {contact_id: count for contact_id, count in rows}


def readdress(message: OutboxEntry, identity: Identity) -> None:
    """Send a queued message to another identity of the same person (the one they used last)."""
    message.identity_id, message.channel = key(identity), identity.channel
    message.to_address, message.from_address = identity.address, identity.gateway_address
    if identity.stopped_at is not None:
        message.status, message.last_error = "canceled", f"identity stopped ({identity.stop_reason})"


def claim_due(session: Session, *, limit: int = 20, now: datetime | None = None) -> list[OutboxEntry]:
    """Lock due messages and mark them `sending`: no other worker will pick them (SKIP LOCKED)."""
    now = now or utcnow()
    rows = session.exec(
        select(OutboxEntry)
        .where(col(OutboxEntry.status) == "queued", col(OutboxEntry.next_attempt_at) <= now)
        .order_by(col(OutboxEntry.urgent).desc(), col(OutboxEntry.id))
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    for row in rows:
        row.status, row.claimed_at, row.updated_at = "sending", now, now
        row.attempts += 1
        session.add(row)
    return list(rows)


def claim_stale(session: Session, *, lease: timedelta, limit: int = 20) -> list[OutboxEntry]:
    """Messages left `sending` by a worker that died mid-send, locked for reconciliation."""
    cutoff = utcnow() - lease
    rows = session.exec(
        select(OutboxEntry)
        .where(col(OutboxEntry.status) == "sending", col(OutboxEntry.claimed_at) < cutoff)
        .order_by(col(OutboxEntry.id))
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    return list(rows)


def mark_wired(session: Session, message: OutboxEntry, provider_id: str, status: str = "wired") -> None:
    """The provider has the message (`status` further when its answer says so: Telegram's means delivered)."""
    now = utcnow()
    message.provider_id = provider_id
    message.sent_at = message.sent_at or now
    message.updated_at = now
    if RANK.get(message.status, 99) < RANK[status]:
        message.status = status
    if message.purpose == "erasure":
        # The last message to an erased person: once the provider has it, their address goes too.
        identity = session.get(Identity, message.identity_id)
        if identity is not None:
            message.to_address = identity.address
    session.add(message)


def mark_wired_many(session: Session, sent: list[tuple[int, str, str]]) -> None:
    """`mark_wired` for a batch of sends, each (row id, provider id, status), the rows never read: one UPDATE a
    status, executed for every row at once (the worker's path after its sends: one transaction, where each send
    was its own). Statuses still only move forward. Not for an erasure's farewell, which needs its row and its
    identity: `mark_wired` then (such a row is left alone here)."""
    now = utcnow()
    table = OutboxEntry.__table__  # type: ignore[attr-defined]
    by_status: dict[str, list[dict[str, Any]]] = {}
    for message_id, provider_id, status in sent:
        by_status.setdefault(status, []).append({"row": message_id, "provider": provider_id})
    for status, rows in by_status.items():
        earlier = [name for name, rank in RANK.items() if rank < RANK[status]]
        statement = (update(table)
                     .where(table.c.id == bindparam("row"), table.c.purpose != "erasure")
                     .values(provider_id=bindparam("provider"), sent_at=func.coalesce(table.c.sent_at, now),
                             updated_at=now,  # (no IN list: its expanding parameter cannot be executed many)
                             status=case((or_(*(table.c.status == name for name in earlier)), status),
                                         else_=table.c.status)))
        session.connection().execute(statement, rows)


def mark_retry(session: Session, message: OutboxEntry, error: str, *, base_delay: float,
               max_attempts: int, retry_window: timedelta | None = None, retry_after: float | None = None,
               deferred: bool = False) -> None:
    """Back off exponentially (with jitter, at most `MAX_BACKOFF_SECONDS` apart), or give up after
    `max_attempts` or once the message has been failing for longer than `retry_window`, whichever comes first.

    The window runs from the first failed attempt (kept in `meta["failing_since"]`), not from the queueing: an
    update held through quiet hours gets the whole window. A `deferred` send (our own rate limit, or the
    provider's "too many requests") is not a failure: it waits `retry_after` and does not use up an attempt.
    """
    now = utcnow()
    if deferred:
        message.attempts = max(0, message.attempts - 1)
    else:
        meta = dict(message.meta or {})
        meta.setdefault("failing_since", now.isoformat())
        message.meta = meta  # a new dict: SQLAlchemy sees the JSON column change
    message.last_error, message.updated_at = error[:500], now
    if message.attempts >= max_attempts or (retry_window is not None and now - failing_since(message) > retry_window):
        message.status = "failed"
        session.add(message)
        return
    delay = retry_after or min(MAX_BACKOFF_SECONDS, base_delay * 2 ** (message.attempts - 1))
    message.status = "queued"
    message.next_attempt_at = now + timedelta(seconds=delay * random.uniform(1.0, 1.25))
    session.add(message)


def failing_since(message: OutboxEntry) -> datetime:
    """When the message's first failed attempt was (now, if it has not failed yet)."""
    since = (message.meta or {}).get("failing_since")
    return datetime.fromisoformat(since) if isinstance(since, str) else utcnow()


def mark_failed(session: Session, message: OutboxEntry, error: str, code: str | None) -> None:
    """A final failure."""
    message.status, message.last_error, message.error_code = "failed", error[:500], code
    message.updated_at = utcnow()
    session.add(message)


def requeue(session: Session, message: OutboxEntry) -> None:
    """Put a message back in the queue (its provider never got it)."""
    message.status, message.claimed_at, message.updated_at = "queued", None, utcnow()
    session.add(message)


def apply_receipt(session: Session, *, provider_id: str, status: str, error_code: str | None,
                  outbound_id: int | None) -> OutboxEntry | None:
    """Record a delivery receipt; the status only moves forward, whatever order receipts arrive in."""
    message = None
    if outbound_id is not None:
        message = session.get(OutboxEntry, outbound_id, with_for_update=True)
    if message is None:
        message = session.exec(
            select(OutboxEntry).where(col(OutboxEntry.provider_id) == provider_id).with_for_update()
        ).first()
    session.add(DeliveryEvent(outbound_id=message.id if message else None, provider_id=provider_id,
                              status=status, error_code=error_code))
    if message is None:
        return None
    message.provider_id = message.provider_id or provider_id
    if message.status in FINAL:
        return message
    if status in FINAL:
        message.status, message.error_code = status, error_code
    elif RANK.get(status, -1) > RANK.get(message.status, -1):
        message.status = status
    message.updated_at = utcnow()
    session.add(message)
    return message


def sent_to(session: Session, *, channel: str, address: str, since_seconds: float) -> list[str]:
    """Bodies handed to the provider for one address in the last seconds (the demo's resident view)."""
    since = utcnow() - timedelta(seconds=since_seconds)
    rows = session.exec(
        select(col(OutboxEntry.body))
        .where(col(OutboxEntry.channel) == channel, col(OutboxEntry.to_address) == address,
               col(OutboxEntry.created_at) >= since, col(OutboxEntry.status).in_(tuple(RANK)[2:]))
        .order_by(col(OutboxEntry.id))
    ).all()
    return list(rows)
