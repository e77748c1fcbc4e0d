"""The ideas' core: one support per person whatever the channel, the référent of a theme and territory, and the
code that proves an address typed on a public page (gateway/ideas/supports.py, referents.py, codes.py)."""

from __future__ import annotations

import re

from sqlmodel import select

from gateway.ideas import codes
from gateway.ideas.referents import referent_for
from gateway.ideas.supports import support
from store import cases as case_store
from store import contacts
from store.clock import utcnow
from store.models import Agent, Case, Follower

PHONE = "+33612345670"


def an_idea(session) -> Case:
    case = case_store.create(session, prefix="GU", kind="idea", category="espaces_verts",
                             description="des bancs au parc du château", territory="valmont")
    return case


def test_one_person_supporting_from_sms_then_whatsapp_counts_once_and_follows_the_idea(rt):
    with rt.db.session() as session:
        idea = an_idea(session)
        by_sms = contacts.identity_for(session, channel="sms", address=PHONE, gateway_address=None)
        by_whatsapp = contacts.identity_for(session, channel="whatsapp", address=PHONE, gateway_address=None)
        other = contacts.identity_for(session, channel="telegram", address="424242", gateway_address=None)
        first = support(session, idea, by_sms)
        again = support(session, idea, by_whatsapp)
        third = support(session, idea, other)
        followers = session.exec(select(Follower).where(Follower.case_id == idea.id)).all()
        session.commit()

    assert (first.new, first.count) == (True, 1)
    assert (again.new, again.count, again.support.channel) == (False, 1, "sms")
    assert (third.new, third.count) == (True, 2)
    assert len(followers) == 3  # supporting is following, on the channel it came from


def test_the_referent_naming_the_theme_and_the_commune_is_chosen_before_the_town_wide_one(rt):
    with rt.db.session() as session:
        for email, name, themes, territories in (
                ("tout@valmont.example", "Anne Martin", [], []),
                ("verts@valmont.example", "Paul Durand", ["espaces_verts"], []),
                ("verts-sa@valmont.example", "Lina Petit", ["espaces_verts"], ["saint-aubin"])):
            session.add(Agent(email=email, name=name, role="referent", themes=themes, territories=territories))
        session.flush()
        chosen = [referent_for(session, theme=theme, territory=territory).name
                  for theme, territory in (("espaces_verts", "saint-aubin"), ("espaces_verts", "valmont"),
                                           ("mobilite", "valmont"))]

    assert chosen == ["Lina Petit", "Paul Durand", "Anne Martin"]


def test_a_code_sent_by_sms_proves_the_number_once_and_three_wrong_codes_spend_it(rt, worker, twilio):
    now = utcnow()
    with rt.db.session() as session:
        where = codes.send(rt, session, purpose="support", target="GU-1234-5678", typed="06 12 34 56 70", now=now)
        session.commit()
    worker.run_once()
    [text] = twilio.texts_to(PHONE)
    code = re.search(r"\b(\d{6})\b", text).group(1)
    with rt.db.session() as session:
        wrong = codes.check(rt, session, purpose="support", target="GU-1234-5678", typed="+33612345670",
                            code="000000" if code != "000000" else "111111", now=now)
        other_idea = codes.check(rt, session, purpose="support", target="GU-9999-9999", typed=PHONE, code=code,
                                 now=now)
        right = codes.check(rt, session, purpose="support", target="GU-1234-5678", typed=PHONE, code=code, now=now)
        reused = codes.check(rt, session, purpose="support", target="GU-1234-5678", typed=PHONE, code=code, now=now)
        session.commit()

    assert where.channel == "sms" and "15 minutes" in text
    assert (wrong, other_idea, reused) == (None, None, None)
    assert right is not None and right.address == PHONE


def test_a_fourth_code_in_the_hour_and_an_address_that_is_none_are_refused_in_one_sentence(rt):
    now = utcnow()
    refused = []
    with rt.db.session() as session:
        for _ in range(3):
            codes.send(rt, session, purpose="register", target="EV-1", typed="camille@example.org", now=now)
        for typed in ("camille@example.org", "pas une adresse", "12"):
            try:
                codes.send(rt, session, purpose="register", target="EV-1", typed=typed, now=now)
            except codes.CodeRefused as err:
                refused.append(str(err))

    assert refused == ["Plusieurs codes ont déjà été envoyés à cette adresse : réessayez dans une heure.",
                       "Ce numéro de téléphone n'est pas reconnu (forme : 06 12 34 56 78).",
                       "Ce numéro de téléphone n'est pas reconnu (forme : 06 12 34 56 78)."]
