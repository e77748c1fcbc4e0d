"""Phone calls to the 24/7 line: one row per CallSid, locked while a step is handled."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from store.models import Call


def locked(session: Session, call_sid: str) -> Call | None:
    """The call's row, locked for this transaction, or None."""
    return session.exec(select(Call).where(col(Call.call_sid) == call_sid).with_for_update()).first()


def locked_or_new(session: Session, *, call_sid: str, caller: str, called: str, status: str,
                  data: dict) -> tuple[Call, bool]:
    """The call's row locked, created on first sight; True when it was created by this request."""
    call = locked(session, call_sid)
    if call is not None:
        return call, False
    try:
        # Twilio may send the first request twice at once: the loser of the race reads the winner's row.
        with session.begin_nested():
            call = Call(call_sid=call_sid, caller=caller, called=called, status=status, data=data)
            session.add(call)
            session.flush()
    except IntegrityError:
        winner = locked(session, call_sid)
        if winner is None:
            raise
        return winner, False
    return call, True
