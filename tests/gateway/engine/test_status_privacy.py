"""A status question from someone who neither reported nor follows the case gets its public facts only (issue 10)."""

from __future__ import annotations

from sqlmodel import select

from store.models import Case

REPORTER = "+33612345678"
STRANGER = "+33698765432"
# Where a resident who could not say where wrote who and what instead: the case's address is their raw text.
WORDS = "chez Jean Dupont, sa voiture AB-123-CD, mon mail jean.dupont@gmail.com"
PERSONAL = ("Jean Dupont", "Dupont", "AB-123-CD", "jean.dupont", "gmail")


def answers(twilio, number: str) -> list[str]:
    return [m["body"] for m in twilio.messages if m["to"] == number]


def report_with_personal_place(gateway, worker) -> Case:
    """A report whose place is never recognised: after two questions it is opened with the resident's words."""
    for text in ("voiture garée sur le trottoir", WORDS, WORDS):
        gateway.sms(REPORTER, text)
        worker.run_once()
    with gateway.rt.db.session() as session:
        [case] = session.exec(select(Case)).all()
    assert case.address == WORDS
    return case


def test_a_stranger_asking_the_status_by_sms_gets_the_masked_place_and_no_personal_datum(gateway, worker, twilio):
    case = report_with_personal_place(gateway, worker)

    gateway.sms(STRANGER, f"où en est {case.reference} ?")
    worker.run_once()

    [answer] = answers(twilio, STRANGER)
    assert case.reference in answer and "enregistré" in answer and "Stationnement" in answer
    assert "[nom masqué]" in answer and "[immatriculation masquée]" in answer and "[e-mail masqué]" in answer
    assert [datum for datum in PERSONAL if datum in answer] == []


def test_the_reporter_asking_the_status_still_reads_their_own_words(gateway, worker, twilio):
    case = report_with_personal_place(gateway, worker)

    gateway.sms(REPORTER, f"où en est {case.reference} ?")
    worker.run_once()

    assert WORDS in answers(twilio, REPORTER)[-1]


def test_a_follower_asking_the_status_reads_what_followers_read(gateway, worker, twilio):
    case = report_with_personal_place(gateway, worker)
    with gateway.rt.db.session() as session:
        from store import cases, contacts

        follower = contacts.identity_for(session, channel="sms", address=STRANGER, gateway_address=None)
        cases.add_follower(session, session.get(Case, case.id), follower)

    gateway.sms(STRANGER, f"où en est {case.reference} ?")
    worker.run_once()

    assert WORDS in answers(twilio, STRANGER)[-1]
