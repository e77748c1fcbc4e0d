"""Ideas on the residents' channels, end to end through the real webhooks and stand-ins: the idea prompt, a similar
idea offered and supported by one word, one support per person across channels, impliqué, contributions."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import make_msgid

import pytest
from sqlmodel import select

from channels.standins.telegram import button_update, text_update
from channels.standins.twilio import inbound_whatsapp_params
from store import cases as case_store
from store.models import Agent, Case, Contribution, Follower, Support
from tests.conftest import ACCOUNT_SID, GATEWAY_NUMBER

PHONE, OTHER, CHAT, MAIL = "+33611000101", "+33611000102", 5151, "dominique@example.org"
SIMILAR = "Une piste cyclable rue de la République, ce serait bien pour aller à l'école"
ON_FILE = "Je propose une piste cyclable protégée rue de la République jusqu'à l'école"


def on_file(front, description: str = ON_FILE, *, status: str = "under_study", category: str = "velo") -> str:
    """An open idea already filed by someone else; its reference."""
    with front.rt.db.session() as session:
        case = case_store.create(session, prefix="GU", kind="idea", category=category, description=description,
                                 territory="valmont")
        case.status = status
        session.add(case)
        session.commit()
        return case.reference


def sms(front, body: str, sender: str = PHONE) -> str:
    """Write one SMS; the answer the local Twilio was asked to send back."""
    assert front.http.sms(sender, body).status_code == 200
    front.settle()
    return [m["body"] for m in front.twilio.messages if m["to"] == sender][-1]


def whatsapp(front, body: str, sender: str = PHONE) -> str:
    params = inbound_whatsapp_params(from_=sender, to=GATEWAY_NUMBER, body=body, account_sid=ACCOUNT_SID)
    assert front.http.post_signed("/webhooks/twilio/messages", params).status_code == 200
    front.settle()
    return [m["body"] for m in front.twilio.messages if m["to"] == f"whatsapp:{sender}"][-1]


def telegram(front, update: dict) -> dict:
    assert front.telegram_update(update).status_code == 200
    front.settle()
    return front.telegram.sent[-1]


def mail(front, body: str, subject: str = "Une idée") -> EmailMessage:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = MAIL, "guichet@valmont.example", subject
    message["Message-ID"] = make_msgid(domain="example.org")
    message.set_content(body)
    assert front.mail(message.as_bytes())[0] == 250
    front.settle()
    return front.relay.to(MAIL)[-1]


def supports_of(front, reference: str) -> list[Support]:
    with front.rt.db.session() as session:
        case = case_store.by_reference(session, reference)
        return list(session.exec(select(Support).where(Support.case_id == case.id)).all())


@pytest.mark.parametrize(("said", "language"), [("J'ai une idée", "fr"), ("I have an idea", "en")])
def test_j_ai_une_idee_alone_gets_the_idea_prompt(front, said, language):
    assert sms(front, said) == front.rt.messages.render("ideas.intake.ask", language)


def test_a_filed_idea_is_thanked_in_idea_words_with_its_theme_and_referent(front):
    with front.rt.db.session() as session:
        session.add(Agent(email="claire@valmont.example", name="Claire Martin", role="referent"))
        session.commit()
    answer = sms(front, "Je propose des bancs au parc du château pour les personnes âgées")
    with front.rt.db.session() as session:
        [case] = session.exec(select(Case)).all()
        referent = session.exec(select(Agent)).one()
    assert answer.startswith("Merci pour votre idée !")
    assert case.reference in answer and "Claire Martin" in answer
    assert front.rt.category_label(case.category, "fr") in answer
    assert (case.kind, case.referent_id) == ("idea", referent.id)


def test_a_similar_idea_is_offered_and_supported_by_one_word_by_sms(front):
    reference = on_file(front)
    offer = sms(front, SIMILAR)
    assert offer.startswith(f"Une idée proche existe : {reference}")
    assert "0 soutien, à l'étude" in offer and "SOUTIEN" in offer and "NOUVELLE" in offer
    answer = sms(front, "SOUTIEN")
    assert answer == (f"Merci, votre soutien à {reference} est compté (1 soutien). Vous recevrez ses nouvelles. "
                      "Pour participer aux réunions et ateliers, répondez IMPLIQUÉ.")
    with front.rt.db.session() as session:
        assert session.exec(select(Case).where(Case.kind == "idea")).all().__len__() == 1
    assert [s.channel for s in supports_of(front, reference)] == ["sms"]


def test_nouvelle_files_the_new_idea_after_the_offer(front):
    reference = on_file(front)
    sms(front, SIMILAR)
    answer = sms(front, "NOUVELLE")
    with front.rt.db.session() as session:
        references = {c.reference for c in session.exec(select(Case)).all()}
    [new] = references - {reference}
    assert answer.startswith("Merci pour votre idée !") and new in answer
    assert supports_of(front, reference) == []


def test_a_similar_idea_is_supported_by_plus_one_on_whatsapp(front):
    reference = on_file(front)
    assert whatsapp(front, SIMILAR).startswith(f"Une idée proche existe : {reference}")
    assert f"votre soutien à {reference} est compté (1 soutien)" in whatsapp(front, "+1")
    assert [s.channel for s in supports_of(front, reference)] == ["whatsapp"]


def test_a_similar_idea_is_supported_by_a_telegram_button(front):
    reference = on_file(front)
    offer = telegram(front, text_update(CHAT, SIMILAR))
    assert offer["text"].startswith(f"Une idée proche existe : {reference}")
    buttons = [button["callback_data"] for row in offer["reply_markup"]["inline_keyboard"] for button in row]
    assert buttons == ["SOUTIEN", "NOUVELLE"]
    press = button_update(CHAT, "SOUTIEN")
    response = front.telegram_update(press)
    front.settle()
    answer = front.telegram.sent[-1]
    assert f"votre soutien à {reference} est compté (1 soutien)" in answer["text"]
    assert [s.channel for s in supports_of(front, reference)] == ["telegram"]
    # The button's spinner stops at once: the webhook's response is Telegram's answerCallbackQuery.
    assert response.json() == {"method": "answerCallbackQuery", "callback_query_id": press["callback_query"]["id"]}


def test_two_similar_ideas_are_offered_as_a_list_by_email_and_the_second_supported(front):
    first = on_file(front)
    second = on_file(front, "Piste cyclable rue de la République vers l'école et la gare, sécurisée")
    offered = mail(front, SIMILAR)
    offer = offered.get_content()
    assert "Des idées proches existent : 1)" in offer and first in offer and second in offer
    picked = second if offer.index(second) > offer.index(first) else first
    answer = mail(front, "2\n\nDominique", subject=f"Re: {offered['Subject']}").get_content()
    assert f"votre soutien à {picked} est compté (1 soutien)" in answer
    assert [s.channel for s in supports_of(front, picked)] == ["email"]


def test_one_person_supporting_from_sms_then_whatsapp_counts_once(front):
    reference = on_file(front)
    assert "(1 soutien)" in sms(front, f"je soutiens {reference}")
    assert whatsapp(front, f"Je soutiens {reference}").startswith(f"Vous soutenez déjà {reference} (1 soutien)")
    assert "(2 soutiens)" in sms(front, f"+1 {reference}", sender=OTHER)
    assert len(supports_of(front, reference)) == 2


@pytest.mark.parametrize("word", ["I support", "support"])
def test_english_support_words_answer_in_english(front, word):
    reference = on_file(front)
    sms(front, "I have an idea: a bike lane on rue de la République to the school")
    assert sms(front, f"{word} {reference}").startswith(f"Thank you, your support for {reference} is counted")


def test_a_mistyped_reference_supports_nothing(front):
    reference = on_file(front)
    mistyped = reference[:-1] + str((int(reference[-1]) + 1) % 10)
    assert "semble mal recopiée" in sms(front, f"je soutiens {mistyped}")
    assert supports_of(front, reference) == []


def test_supporting_a_problem_is_not_a_support(front):
    with front.rt.db.session() as session:
        case = case_store.create(session, prefix="GU", kind="problem", category="voirie",
                                 description="nid de poule", territory="valmont", address="3 rue Balzac")
        session.commit()
        reference = case.reference
    answer = sms(front, f"je soutiens {reference}")
    assert answer.startswith(f"{reference} est un signalement, pas une idée")
    assert supports_of(front, reference) == []


def test_implique_switches_the_mode_on_every_channel_and_informe_switches_back(front):
    reference = on_file(front)
    sms(front, f"SOUTIEN {reference}")
    whatsapp(front, f"SOUTIEN {reference}")
    assert sms(front, "IMPLIQUÉ").startswith(f"C'est noté, vous voilà impliqué dans {reference}")
    with front.rt.db.session() as session:
        case = case_store.by_reference(session, reference)
        modes = [f.mode for f in session.exec(select(Follower).where(Follower.case_id == case.id)).all()]
    assert modes == ["implique", "implique"]
    assert whatsapp(front, "informé").startswith(f"C'est noté : vous recevrez seulement les nouvelles de {reference}")
    with front.rt.db.session() as session:
        modes = [f.mode for f in session.exec(select(Follower).where(Follower.case_id == case.id)).all()]
    assert modes == ["informe", "informe"]


def test_a_supporters_addition_is_kept_as_a_pending_contribution(front):
    reference = on_file(front, "Des bancs au parc du château pour se reposer", category="espaces_verts")
    sms(front, f"je soutiens {reference}")
    answer = sms(front, "et il faudrait aussi des poubelles à côté des bancs")
    assert answer == f"Merci, votre contribution à {reference} sera publiée après relecture par le référent."
    assert sms(front, f"{reference} : et pourquoi pas une fontaine à eau").startswith("Merci, votre contribution")
    with front.rt.db.session() as session:
        rows = session.exec(select(Contribution)).all()
        cases = session.exec(select(Case)).all()
    assert [(r.text, r.status) for r in rows] == [
        ("et il faudrait aussi des poubelles à côté des bancs", "pending"),
        (f"{reference} : et pourquoi pas une fontaine à eau", "pending")]
    assert len(cases) == 1


def test_a_new_report_with_its_own_place_after_a_support_is_a_new_case(front):
    reference = on_file(front)
    sms(front, f"je soutiens {reference}")
    answer = sms(front, "lampadaire éteint devant le 12 rue Balzac")
    assert answer.startswith("Merci ! Signalement")
    with front.rt.db.session() as session:
        assert session.exec(select(Contribution)).all() == []


def test_nommez_moi_asks_for_a_name_and_keeps_first_name_and_initial(front):
    reference = on_file(front)
    sms(front, f"je soutiens {reference}")
    asked = front.rt.messages.render("ideas.intake.ask_name", "fr", reference=reference)
    assert sms(front, "NOMMEZ-MOI") == asked
    assert sms(front, '=HYPERLINK("http://evil.example";"x")') == asked  # no name: asked again, nothing kept
    assert [s.public_name for s in supports_of(front, reference)] == [None]
    assert sms(front, "c'est dominique lefèvre") == (
        f"Merci ! Vous serez cité sous le nom \"Dominique L.\" sur la page de {reference}.")
    assert [s.public_name for s in supports_of(front, reference)] == ["Dominique L."]


def test_nommez_moi_never_publishes_a_profile_name_unasked_and_non_keeps_the_supporter_anonymous(front):
    reference = on_file(front)
    telegram(front, text_update(CHAT, "je soutiens " + reference, first_name="Camille"))
    asked = telegram(front, text_update(CHAT, "NOMMEZ-MOI", first_name="Camille"))["text"]
    assert asked == front.rt.messages.render("ideas.intake.ask_name", "fr", reference=reference)
    assert telegram(front, text_update(CHAT, "non", first_name="Camille"))["text"] == (
        f"D'accord, votre nom ne figurera pas sur la page de {reference}. Merci encore d'y avoir pris part.")
    assert [s.public_name for s in supports_of(front, reference)] == [None]


def test_support_by_e_mail_is_read_in_the_body_under_any_subject(front):
    reference = on_file(front)
    answer = mail(front, f"Bonjour,\n\nJe soutiens {reference}\n\nCordialement,\nDominique", subject="Re: votre idée")
    assert f"votre soutien à {reference} est compté (1 soutien)" in answer.get_content()
    assert answer["Subject"] == f"[{reference}] Votre idée"
    assert [s.channel for s in supports_of(front, reference)] == ["email"]


def test_a_subject_that_only_names_the_kind_of_mail_is_not_written_into_the_idea(front):
    answer = mail(front, "J'ai une idée : un pumptrack près du stade pour les jeunes du quartier",
                  subject="Signalement")
    assert "Merci pour votre idée" in answer.get_content()
    with front.rt.db.session() as session:
        [idea] = session.exec(select(Case)).all()
    assert idea.kind == "idea" and idea.category == "autre"  # no theme of the catalogue names a pumptrack
    assert idea.description == "J'ai une idée : un pumptrack près du stade pour les jeunes du quartier"


@pytest.mark.parametrize("said", ["je soutien {ref}", "jsoutiens {ref}", "Bonjour, je soutiens {ref} !",
                                  "tout mon soutien {ref}"])
def test_support_as_residents_type_it(front, said):
    reference = on_file(front)
    assert f"votre soutien à {reference} est compté" in sms(front, said.format(ref=reference))


def test_one_english_message_does_not_make_later_french_answered_in_english(front):
    reference = on_file(front)
    assert sms(front, f"I support {reference}").startswith(f"Thank you, your support for {reference} is counted")
    assert sms(front, "SOUTIEN " + reference).startswith(f"Vous soutenez déjà {reference}")


def test_implique_right_after_an_offer_supports_the_idea_offered_as_impliqué(front):
    reference = on_file(front)
    assert sms(front, SIMILAR).startswith(f"Une idée proche existe : {reference}")
    answer = sms(front, "IMPLIQUÉ")
    assert answer.startswith(f"C'est noté, vous voilà impliqué dans {reference}")
    with front.rt.db.session() as session:
        case = case_store.by_reference(session, reference)
        [follower] = session.exec(select(Follower).where(Follower.case_id == case.id)).all()
        assert follower.mode == "implique"
        assert len(session.exec(select(Case)).all()) == 1  # no report restarted


def test_a_supporters_words_that_add_to_the_idea_are_a_contribution_not_a_new_idea(front):
    reference = on_file(front)
    sms(front, f"je soutiens {reference}")
    answer = sms(front, "faudrait aussi des arceaux pour garer les vélos devant l'école")
    assert answer == f"Merci, votre contribution à {reference} sera publiée après relecture par le référent."
    by_reference = sms(front, f"{reference} : il faudrait aussi un marquage au sol bien visible")
    assert by_reference == answer
    with front.rt.db.session() as session:
        assert len(session.exec(select(Contribution)).all()) == 2
        assert len(session.exec(select(Case)).all()) == 1


def test_an_idea_sharing_only_its_place_with_another_is_not_offered_as_similar(front):
    on_file(front, "Installer des bancs au parc du château", category="espaces_verts")
    answer = sms(front, "J'ai une idée : des poubelles de tri au parc du château")
    assert answer.startswith("Merci pour votre idée"), answer
