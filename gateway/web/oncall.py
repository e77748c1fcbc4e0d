"""The on-call team's link: /astreinte/<token> shows the alert, its button takes the case (gateway/cases/oncall.py).

Opening the link changes nothing (mail scanners and SMS previews open links); the button does. The signed
token is the only key: it names one alert and cannot be forged without GUICHET_SECRET_KEY.
"""

from __future__ import annotations

from flask import Blueprint, abort, render_template

from gateway.cases import oncall
from gateway.runtime import current_runtime
from store import oncall as oncall_store
from store.models import Case

bp = Blueprint("oncall", __name__)


def _page(token: str, *, just_taken: bool = False):
    rt = current_runtime()
    with rt.db.session() as session:
        record = oncall.alert_for_token(rt, session, token)
        case = session.get(Case, record.case_id) if record is not None else None
        if record is None or case is None:
            abort(404, description="Ce lien d'astreinte n'est pas valide.")
        if just_taken:
            oncall.acknowledge(rt, session, record, via="link")
        taken = oncall_store.acknowledgement(session, record.case_id)
        facts = {"reference": case.reference, "urgency": rt.messages.text(f"urgency.{case.urgency}"),
                 "category": rt.category_label(case.category),
                 "place": case.address or rt.messages.text("unknown_place"),
                 "taken_by": taken.name if taken else None, "mine": taken is not None and taken.id == record.id}
    return render_template("public/oncall.html", token=token, just_taken=just_taken, **facts)


@bp.get("/astreinte/<token>")
def alert_page(token: str):
    """The alert's facts and, while nobody has taken the case, the button that takes it."""
    return _page(token)


@bp.post("/astreinte/<token>")
def take(token: str):
    """Take the case for the on-call team: the next contacts are not alerted."""
    return _page(token, just_taken=True)
