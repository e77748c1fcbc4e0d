"""Ideas on the phone line: "tapez 3", a similar idea offered and supported by one key, counted once with the SMS."""

from __future__ import annotations

from sqlmodel import select

from store import cases as case_store
from store.models import Case, Support
from tests.channels.voice.conftest import Phone
from tests.gateway.ideas.test_channels import SIMILAR, on_file, sms

CALLER = "+33611000201"


def test_a_similar_idea_is_offered_on_the_phone_and_supported_by_key_1(front):
    reference = on_file(front)
    call = Phone(front.http, CALLER)
    call.dial()
    call.press("3")
    offer = call.say(SIMILAR)
    assert "Une idée proche existe déjà" in offer.text and "piste cyclable" in offer.text
    assert "Pour la soutenir, tapez 1" in offer.text
    supported = call.press("1")
    assert "Merci, votre soutien est compté. Cette idée a maintenant 1 soutien." in supported.text
    assert supported.hangup
    # The same person by SMS afterwards: already counted.
    assert sms(front, f"je soutiens {reference}", sender=CALLER).startswith(f"Vous soutenez déjà {reference}")
    with front.rt.db.session() as session:
        case = case_store.by_reference(session, reference)
        assert [s.channel for s in session.exec(select(Support).where(Support.case_id == case.id)).all()] == ["voice"]
        assert len(session.exec(select(Case)).all()) == 1


def test_key_2_files_the_callers_own_idea(front):
    reference = on_file(front)
    call = Phone(front.http, CALLER)
    call.dial()
    call.press("3")
    call.say(SIMILAR)
    heard = call.press("2")
    assert "Merci pour votre idée" in heard.text
    with front.rt.db.session() as session:
        [new] = [c for c in session.exec(select(Case)).all() if c.reference != reference]
    assert new.kind == "idea"
