"""A resident who corrects the place they just sent (« pardon je voulais dire impasse des Lilas, au 4 ») has their
case moved there, not a new report begun; one who answers « NON c'est un autre trou » to "déjà signalé" gets their
own case. Through the real SMS webhook; what the resident reads is what the Twilio stand-in received."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.conftest import paris_at
from tests.gateway.engine.test_conversations_resume import (
    NEIGHBOUR,
    RESIDENT,
    cases,
    followers,
    sms,
    timeline,
)


@pytest.fixture(autouse=True)
def daytime(time_machine):
    time_machine.move_to(paris_at(10), tick=True)


def test_the_resident_reads_that_the_place_of_their_report_is_corrected(front):
    sms(front, RESIDENT, "poubelles pas ramassees depuis lundi rue des lilas")
    sms(front, RESIDENT, "pardon je voulais dire impasse des lilas, au 4")

    [case] = cases(front.rt)
    _, corrected = front.twilio.texts_to(RESIDENT)
    assert corrected.startswith("C'est corrigé") and case.reference in corrected
    assert "Impasse des Lilas" in case.address and "4" in case.address
    assert (case.category, case.district) == ("dechets", "valmont-tilleuls")
    assert corrected.count(case.reference) == 2 and "Impasse des Lilas" in corrected
    [(kind, _, words)] = [event for event in timeline(front.rt, case) if event[0] == "relocated"]
    assert "Rue des Lilas" in words and "je voulais dire" in words


def test_a_correction_long_after_the_report_is_read_as_a_new_message(front, time_machine):
    sms(front, RESIDENT, "poubelles pas ramassees depuis lundi rue des lilas")
    time_machine.shift(timedelta(hours=2))
    sms(front, RESIDENT, "pardon je voulais dire impasse des lilas, au 4")

    [case] = cases(front.rt)
    _, asked = front.twilio.texts_to(RESIDENT)
    assert "Rue des Lilas" in case.address and "corrigé" not in asked


def test_no_then_why_after_already_reported_opens_the_residents_own_case(front):
    sms(front, NEIGHBOUR, "Nid de poule devant le 14 rue Victor Hugo")
    sms(front, RESIDENT, "nid de poule devant le 16 rue victor hugo")
    sms(front, RESIDENT, "NON c'est un autre trou, plus loin")

    first, own = cases(front.rt)
    _, acknowledged = front.twilio.texts_to(RESIDENT)
    assert own.reference in acknowledged and first.reference not in acknowledged
    assert "un autre trou" in own.description
    assert followers(front.rt, first) == [NEIGHBOUR]


def test_no_with_a_number_after_already_reported_opens_the_case_at_that_number(front):
    sms(front, NEIGHBOUR, "Nid de poule devant le 14 rue Victor Hugo")
    sms(front, RESIDENT, "Nid de poule devant le 14 rue Victor Hugo")
    sms(front, RESIDENT, "non c'est pas le même, le mien est plus loin au 2")

    first, own = cases(front.rt)
    _, acknowledged = front.twilio.texts_to(RESIDENT)
    assert own.reference in acknowledged and own.address.startswith("2 Rue Victor Hugo")
    assert "2 Rue Victor Hugo" in acknowledged
    assert followers(front.rt, first) == [NEIGHBOUR]


@pytest.mark.parametrize("answer, expected", [("NON", "rien à signaler"), ("oui", "De quoi s'agit-il")])
def test_a_bare_yes_or_no_to_what_is_wrong_never_becomes_a_report(front, answer, expected):
    sms(front, RESIDENT, "bonjour")
    sms(front, RESIDENT, "j'aurais une question")  # no problem said: asked what is wrong
    sms(front, RESIDENT, answer)

    assert cases(front.rt) == []
    assert expected in front.twilio.texts_to(RESIDENT)[-1]
