"""Photos kept with cases."""

from __future__ import annotations

from sqlmodel import Session, col, select

from store.db import key
from store.models import Attachment, Case


def keep(session: Session, *, path: str, content_type: str | None, inbound_id: int | None = None,
         case_id: int | None = None, source: str = "resident", point: tuple[float, float] | None = None,
         missing: str | None = None) -> int:
    """Record a kept photo, or (`missing`, empty `path`) one that could not be had and why; returns its id."""
    attachment = Attachment(path=path, content_type=content_type, inbound_id=inbound_id, case_id=case_id,
                            source=source, lat=point[0] if point else None, lon=point[1] if point else None,
                            missing=missing)
    session.add(attachment)
    session.flush()
    return key(attachment)


def of_case(session: Session, case: Case) -> list[Attachment]:
    """A case's photos, oldest first."""
    return list(session.exec(select(Attachment).where(col(Attachment.case_id) == case.id).order_by(col(Attachment.id))).all())
