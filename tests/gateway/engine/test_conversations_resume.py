"""Conversations that resume (issue 11): "not the same problem", answers to an agent, "pas réglé", "C'est réglé ?",
a NON to a guess, and the small ones: e-mail OUI in a thread, erasure in English, a location that is no place.

Every test goes in through the real webhooks or SMTP server and reads what the providers' stand-ins received."""

from __future__ import annotations

from datetime import time, timedelta
from email.message import EmailMessage
from email.utils import make_msgid

import pytest
from sqlmodel import select

from channels.standins.telegram import location_update, text_update
from channels.standins.twilio import inbound_whatsapp_params
from gateway.cases.flows import change_status, write_to_reporter
from store.clock import utcnow
from store.models import Attachment, Case, CaseEvent, Contact, Follower, Identity
from tests.conftest import ACCOUNT_SID, GATEWAY_NUMBER, paris_at
from tests.gateway.conftest import INBOX
from tests.images import image_bytes

RESIDENT, NEIGHBOUR = "+33612345678", "+33698765432"
MAIL = "camille@resident.example"
CHAT = 51515151


def cases(rt) -> list[Case]:
    with rt.db.session() as session:
        return list(session.exec(select(Case).order_by(Case.id)).all())


def timeline(rt, case: Case) -> list[tuple[str, str | None, str | None]]:
    with rt.db.session() as session:
        events = session.exec(select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)).all()
        return [(e.kind, e.status_to, e.message) for e in events]


def followers(rt, case: Case) -> list[str]:
    with rt.db.session() as session:
        return list(session.exec(select(Identity.address).join(Follower, Follower.identity_id == Identity.id)
                                 .where(Follower.case_id == case.id).order_by(Follower.id)).all())


def refreshed(rt, case: Case) -> Case:
    with rt.db.session() as session:
        return session.get(Case, case.id)


def sms(front, sender: str, text: str) -> None:
    front.http.sms(sender, text)
    front.settle()


def whatsapp(front, sender: str, text: str) -> None:
    front.http.post_signed("/webhooks/twilio/messages", inbound_whatsapp_params(
        from_=sender, to=GATEWAY_NUMBER, body=text, account_sid=ACCOUNT_SID))
    front.settle()


def telegram(front, update: dict) -> None:
    front.telegram_update(update)
    front.settle()


def telegram_answers(front, chat: int = CHAT) -> list[str]:
    return [m["text"] for m in front.telegram.sent if m["chat_id"] == str(chat)]


def mails(front, n: int) -> list[EmailMessage]:
    """The first `n` mails to the resident, once they have reached the relay."""
    front.relay.wait_for(n)
    return front.relay.to(MAIL)


def mail_to_us(front, text: str, *, subject: str, in_reply_to: str | None = None,
               message_id: str | None = None) -> None:
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = f"Camille <{MAIL}>", INBOX, subject
    mail["Message-ID"] = message_id or make_msgid(domain="resident.example")
    if in_reply_to:
        mail["In-Reply-To"] = mail["References"] = in_reply_to
    mail.set_content(text)
    assert front.mail(mail.as_bytes())[0] == 250
    front.settle()


@pytest.fixture(autouse=True)
def daytime(time_machine):
    """Ten in the morning in Paris: updates are not held by quiet hours unless a test says so."""
    time_machine.move_to(paris_at(10), tick=True)


# -- 1. duplicates: the same kind and category only, named, and NON opens one's own ----------------------------


def test_an_unmown_lawn_is_not_joined_to_an_idea_about_benches_in_the_same_park(front):
    sms(front, NEIGHBOUR, "Je propose des bancs dans le parc du château")
    sms(front, RESIDENT, "la pelouse du parc du château n'est plus tondue depuis un mois")

    idea, lawn = cases(front.rt)
    assert (idea.kind, lawn.kind) == ("idea", "problem")
    assert idea.category == lawn.category  # the same park, the same theme: yet not the same thing
    [answer] = front.twilio.texts_to(RESIDENT)
    assert lawn.reference in answer and "déjà signalé" not in answer
    assert followers(front.rt, idea) == [NEIGHBOUR]


def test_a_person_who_cannot_get_up_is_never_joined_to_a_gas_smell_next_door(front):
    sms(front, NEIGHBOUR, "ca pue le gaz ds l'immeuble au 5 rue victor hugo vite")
    sms(front, RESIDENT, "mon voisin est tombé dans l'escalier au 7 rue victor hugo il arrive pas a se relever")

    gas, fall = cases(front.rt)
    assert (gas.urgency, fall.urgency, gas.category, fall.category) == ("emergency", "emergency", "autre", "autre")
    first, second = front.twilio.texts_to(RESIDENT)
    assert first.startswith("URGENCE") and "15" in first
    assert fall.reference in second and "déjà signalé" not in second
    assert followers(front.rt, gas) == [NEIGHBOUR]


def test_a_traffic_light_on_fire_is_not_joined_to_the_light_stuck_at_red(front):
    sms(front, NEIGHBOUR, "le feu tricolore reste bloqué au rouge devant le 10 rue victor hugo")
    sms(front, RESIDENT, "le boîtier du feu tricolore est en flammes devant le 10 rue victor hugo")

    stuck, burning = cases(front.rt)
    assert (stuck.category, burning.category, burning.urgency) == ("signalisation", "signalisation", "emergency")
    assert followers(front.rt, stuck) == [NEIGHBOUR] and followers(front.rt, burning) == [RESIDENT]


@pytest.mark.parametrize("refusal", ["NON", "non c'est pas le même", "pas pareil", "no"])
def test_the_resident_reads_which_problem_is_already_reported_and_a_no_opens_their_own(front, refusal):
    sms(front, NEIGHBOUR, "Nid de poule devant le 14 rue Victor Hugo")
    whatsapp(front, RESIDENT, "gros nid de poule au 15 rue Victor Hugo")

    [first] = cases(front.rt)
    [joined] = front.twilio.texts_to(RESIDENT, channel="whatsapp")
    assert joined.startswith(f"Ce problème (Chaussée et trottoirs, {first.address}) est déjà signalé : "
                             f"{first.reference}")
    assert followers(front.rt, first) == [NEIGHBOUR, RESIDENT]

    whatsapp(front, RESIDENT, refusal)

    first, own = cases(front.rt)
    _, acknowledged = front.twilio.texts_to(RESIDENT, channel="whatsapp")
    assert own.reference in acknowledged and acknowledged.startswith("Merci ! Signalement")
    assert (own.category, own.description) == ("chaussee", "gros nid de poule au 15 rue Victor Hugo")
    assert followers(front.rt, own) == [RESIDENT]
    assert followers(front.rt, first) == [NEIGHBOUR]  # the follower link is undone
    assert [kind for kind, _, _ in timeline(front.rt, first)] == ["created"]


def test_the_photo_of_a_resident_who_says_not_the_same_goes_with_their_own_case(front):
    sms(front, NEIGHBOUR, "Nid de poule devant le 14 rue Victor Hugo")
    telegram(front, front.telegram.photo_update(CHAT, image_bytes(), caption="gros nid de poule au 15 rue Victor Hugo"))
    telegram(front, text_update(CHAT, "pas pareil"))

    first, own = cases(front.rt)
    joined, acknowledged = telegram_answers(front)
    assert first.reference in joined and own.reference in acknowledged
    with front.rt.db.session() as session:
        [photo] = session.exec(select(Attachment)).all()
    assert photo.case_id == own.id


def test_a_yes_after_already_reported_keeps_the_resident_following_it(front):
    sms(front, NEIGHBOUR, "Nid de poule devant le 14 rue Victor Hugo")
    sms(front, RESIDENT, "gros nid de poule au 15 rue Victor Hugo")
    sms(front, RESIDENT, "oui")

    [case] = cases(front.rt)
    assert followers(front.rt, case) == [NEIGHBOUR, RESIDENT]
    assert front.twilio.texts_to(RESIDENT)[-1].startswith("Merci à vous")


# -- 2. the reporter's answers to an agent go on the case --------------------------------------------------------


def test_the_reporters_answer_to_an_agent_goes_on_the_case_and_is_acknowledged(front):
    sms(front, RESIDENT, "Lampadaire éteint rue de la Gare")
    [case] = cases(front.rt)
    with front.rt.db.session() as session:
        write_to_reporter(front.rt, session, reference=case.reference, text="Quel numéro ?")
    front.settle()

    sms(front, RESIDENT, "c'est devant le 15 rue de la gare")

    assert [c.reference for c in cases(front.rt)] == [case.reference]
    acknowledged, asked, answered = front.twilio.texts_to(RESIDENT)
    assert "Quel numéro ?" in asked
    assert answered == f"Merci, votre réponse est transmise au service ({case.reference})."
    assert timeline(front.rt, case)[-1] == ("resident_message", None, "c'est devant le 15 rue de la gare")
    assert refreshed(front.rt, case).resident_reply_at is not None


def test_a_report_of_something_else_elsewhere_during_the_window_opens_a_new_case(front):
    sms(front, RESIDENT, "Lampadaire éteint rue de la Gare")
    [lamp] = cases(front.rt)
    with front.rt.db.session() as session:
        write_to_reporter(front.rt, session, reference=lamp.reference, text="Quel numéro ?")
    front.settle()

    sms(front, RESIDENT, "Nid de poule devant le 14 rue Victor Hugo")

    lamp, pothole = cases(front.rt)
    assert pothole.category == "chaussee"
    assert pothole.reference in front.twilio.texts_to(RESIDENT)[-1]
    assert [kind for kind, _, _ in timeline(front.rt, lamp)] == ["created", "agent_message"]


def test_after_the_window_the_residents_message_is_a_new_conversation(front, time_machine):
    sms(front, RESIDENT, "Lampadaire éteint rue de la Gare")
    [case] = cases(front.rt)
    with front.rt.db.session() as session:
        write_to_reporter(front.rt, session, reference=case.reference, text="Quel numéro ?")
    front.settle()
    time_machine.move_to(paris_at(10, days=4), tick=True)  # the window is 72 hours

    sms(front, RESIDENT, "c'est devant le 15 rue de la gare")

    assert front.twilio.texts_to(RESIDENT)[-1].startswith("Bonjour, que souhaitez-vous signaler ?")
    assert [kind for kind, _, _ in timeline(front.rt, case)] == ["created", "agent_message"]


# -- 3. "pas réglé" after a resolution ---------------------------------------------------------------------------


@pytest.mark.parametrize("complaint", ["c pas reglé", "toujours pas réparé", "ça recommence",
                                       "c'est pas réglé du tout, la voiture est revenue"])
def test_a_follower_saying_it_is_not_fixed_is_asked_and_a_yes_reopens_the_case(front, complaint):
    sms(front, NEIGHBOUR, "Nid de poule devant le 14 rue Victor Hugo")
    sms(front, RESIDENT, "gros trou au 15 rue Victor Hugo")  # joins it: a follower
    [case] = cases(front.rt)
    with front.rt.db.session() as session:
        change_status(front.rt, session, reference=case.reference, status="resolved", message="Trou rebouché")
    front.settle()

    sms(front, RESIDENT, complaint)
    asked = front.twilio.texts_to(RESIDENT)[-1]
    sms(front, RESIDENT, "oui")

    assert asked == f"Le dossier {case.reference} est noté résolu. Voulez-vous le rouvrir ? OUI / NON"
    assert front.twilio.texts_to(RESIDENT)[-1].startswith(f"Dossier {case.reference} rouvert")
    assert refreshed(front.rt, case).status == "in_progress"
    assert timeline(front.rt, case)[-2:] == [("resident_message", None, complaint),
                                             ("status", "in_progress", None)]
    assert "en cours" in front.twilio.texts_to(NEIGHBOUR)[-1].lower()  # the reporter is told too


def test_the_problem_is_back_in_english_and_a_no_leaves_the_case_resolved(front):
    sms(front, RESIDENT, "There is a pothole in front of 14 rue Victor Hugo")
    [case] = cases(front.rt)
    with front.rt.db.session() as session:
        change_status(front.rt, session, reference=case.reference, status="resolved")
    front.settle()

    sms(front, RESIDENT, "the problem is back")
    sms(front, RESIDENT, "no")

    asked, declined = front.twilio.texts_to(RESIDENT)[-2:]
    assert asked == f"Case {case.reference} is marked resolved. Do you want to reopen it? YES / NO"
    assert declined == f"All right, case {case.reference} stays resolved."
    assert refreshed(front.rt, case).status == "resolved"


# -- 4. "C'est réglé ?" some days after a resolution -------------------------------------------------------------


def resolved_days_ago(front, sender: str, days: int) -> Case:
    sms(front, sender, "Nid de poule devant le 14 rue Victor Hugo")
    [case] = cases(front.rt)
    with front.rt.db.session() as session:
        change_status(front.rt, session, reference=case.reference, status="resolved", now=utcnow() - timedelta(days=days))
    front.settle()
    return case


def test_the_reporter_is_asked_once_if_it_is_fixed_and_a_yes_closes_the_loop(front):
    case = resolved_days_ago(front, RESIDENT, 2)
    assert front.worker.ask_satisfaction() == 0  # three days by default

    with front.rt.db.session() as session:
        stored = session.get(Case, case.id)
        stored.resolved_at = utcnow() - timedelta(days=3, minutes=1)
        session.add(stored)
    assert front.worker.ask_satisfaction() == 1
    front.settle()
    assert front.worker.ask_satisfaction() == 0  # never twice
    sms(front, RESIDENT, "oui")

    asked, thanked = front.twilio.texts_to(RESIDENT)[-2:]
    assert asked == f"Dossier {case.reference} (Chaussée et trottoirs) : c'est réglé ? OUI / NON"
    assert thanked == f"Merci ! Le dossier {case.reference} est clos."
    assert refreshed(front.rt, case).status == "resolved"
    assert timeline(front.rt, case)[-1][0] == "satisfaction"


def test_a_no_to_is_it_fixed_reopens_the_case(front):
    case = resolved_days_ago(front, RESIDENT, 4)
    front.worker.ask_satisfaction()
    front.settle()

    sms(front, RESIDENT, "NON")

    assert front.twilio.texts_to(RESIDENT)[-1].startswith(f"Dossier {case.reference} rouvert")
    assert refreshed(front.rt, case).status == "in_progress"
    assert timeline(front.rt, case)[-1][:2] == ("status", "in_progress")


def test_a_reporter_who_said_stop_is_never_asked_if_it_is_fixed(front):
    case = resolved_days_ago(front, RESIDENT, 4)
    sms(front, RESIDENT, "STOP")
    before = front.twilio.texts_to(RESIDENT)

    assert front.worker.ask_satisfaction() == 0
    front.settle()

    assert front.twilio.texts_to(RESIDENT) == before
    assert refreshed(front.rt, case).satisfaction_asked_at is not None


def test_is_it_fixed_waits_for_the_end_of_quiet_hours(front, time_machine, monkeypatch):
    monkeypatch.setattr(front.rt, "settings", front.rt.settings.replace(quiet_hours=(time(21, 0), time(8, 0))))
    case = resolved_days_ago(front, RESIDENT, 4)
    before = len(front.twilio.texts_to(RESIDENT))
    time_machine.move_to(paris_at(23), tick=True)

    assert front.worker.ask_satisfaction() == 1
    front.settle()
    assert len(front.twilio.texts_to(RESIDENT)) == before

    time_machine.move_to(paris_at(8, 5, days=1), tick=True)
    front.settle()
    assert front.twilio.texts_to(RESIDENT)[-1].startswith(f"Dossier {case.reference}")


# -- 5. a NON to a category guess keeps the place and the photos -------------------------------------------------


def test_a_no_to_the_category_guess_asks_only_what_it_is_about_and_keeps_the_place(front):
    sms(front, RESIDENT, "trottoir dégradé 14 rue Victor Hugo")
    sms(front, RESIDENT, "non")
    sms(front, RESIDENT, "un lampadaire penché")

    guess, what, acknowledged = front.twilio.texts_to(RESIDENT)
    assert guess.startswith("C'est bien au sujet de")
    assert what == "D'accord. De quoi s'agit-il ? Décrivez le problème en quelques mots."
    [case] = cases(front.rt)
    assert case.reference in acknowledged
    assert case.category == "eclairage" and "Victor Hugo" in (case.address or "")


def test_a_no_to_the_guess_keeps_the_photo_sent_with_the_first_message(front):
    telegram(front, front.telegram.photo_update(CHAT, image_bytes(), caption="trottoir dégradé 14 rue Victor Hugo"))
    telegram(front, text_update(CHAT, "non"))
    telegram(front, text_update(CHAT, "nid de poule"))

    [case] = cases(front.rt)
    assert case.category == "chaussee" and "Victor Hugo" in (case.address or "")
    assert telegram_answers(front)[1].startswith("D'accord. De quoi s'agit-il ?")
    with front.rt.db.session() as session:
        [photo] = session.exec(select(Attachment)).all()
    assert photo.case_id == case.id and photo.path


# -- 6. small ones -----------------------------------------------------------------------------------------------


def test_an_email_yes_answering_in_the_thread_confirms_the_guess_instead_of_restarting(front):
    mail_to_us(front, "trottoir dégradé 14 rue Victor Hugo", subject="Signalement")
    [question] = mails(front, 1)
    assert "C'est bien au sujet de" in question.get_content()

    mail_to_us(front, "OUI\n\nCamille", subject=f"Re: {question['Subject']}", in_reply_to=question["Message-ID"])

    [case] = cases(front.rt)
    assert case.category == "chaussee"
    assert case.reference in mails(front, 2)[-1].get_content()


def test_a_thanks_answering_ones_own_mail_lands_on_its_case_and_asks_nothing(front):
    mail_to_us(front, "Bonjour, fuite d'eau au pied de la borne fontaine devant le 3 place du 14 juillet.",
               subject="Fuite", message_id="<first.report@resident.example>")
    [case] = cases(front.rt)
    assert case.reference in mails(front, 1)[0].get_content()

    # The resident's client answers their own sent mail: "Re: Fuite", In-Reply-To their first mail, no reference.
    mail_to_us(front, "Merci pour votre reponse rapide !", subject="Re: Fuite",
               in_reply_to="<first.report@resident.example>")

    answer = mails(front, 2)[-1].get_content()
    assert case.reference in answer and "Où se trouve" not in answer
    assert [c.reference for c in cases(front.rt)] == [case.reference]
    assert ("resident_message", None, "Fuite\nMerci pour votre reponse rapide !") in timeline(front.rt, case)


def test_an_email_no_under_our_subject_with_a_bare_reference_answers_already_reported(front):
    sms(front, NEIGHBOUR, "Nid de poule devant le 14 rue Victor Hugo")
    mail_to_us(front, "gros nid de poule au 15 rue Victor Hugo", subject="Trou")
    [first] = cases(front.rt)
    [joined] = mails(front, 1)
    assert "est déjà signalé" in joined.get_content()

    # Some clients drop the brackets: "Re: Votre signalement GU-…".
    mail_to_us(front, "NON", subject=f"Re: Votre signalement {first.reference}", in_reply_to=joined["Message-ID"])

    first, own = cases(front.rt)
    assert own.reference in mails(front, 2)[-1].get_content()
    assert followers(front.rt, first) == [NEIGHBOUR]


@pytest.mark.parametrize("request_, confirmation", [("forget me", "yes"), ("delete my data", "oui"),
                                                    ("SUPPRIMER MES DONNÉES", "yes")])
def test_an_erasure_asked_in_either_language_is_confirmed_by_yes_or_oui(front, request_, confirmation):
    sms(front, RESIDENT, "Nid de poule devant le 14 rue Victor Hugo")
    sms(front, RESIDENT, request_)
    sms(front, RESIDENT, confirmation)

    last = front.twilio.texts_to(RESIDENT)[-1]
    assert last.startswith(("Vos données ont été effacées", "Your data has been erased"))
    with front.rt.db.session() as session:
        assert session.exec(select(Identity).where(Identity.address == RESIDENT)).first() is None
        assert all(c.phone != RESIDENT for c in session.exec(select(Contact)).all())


@pytest.mark.parametrize("latitude, longitude", [(float("nan"), 0.68), (95.0, 0.68)])
def test_a_telegram_location_that_is_no_place_gets_asked_where(front, latitude, longitude):
    telegram(front, location_update(CHAT, latitude, longitude))

    [question] = telegram_answers(front)
    assert question.startswith("Merci. Où se trouve le problème ?")
    assert cases(front.rt) == []

    telegram(front, text_update(CHAT, "nid de poule au 14 rue Victor Hugo"))
    [case] = cases(front.rt)
    assert case.reference in telegram_answers(front)[-1]
