"""Events end to end: a référent's café citoyen, invitations to the impliqué supporters, registrations from three
channels with a waiting list, a cancellation that promotes, the reminder of the day before held past the night,
the .ics, attendance and minutes on the idea's timeline (gateway/ideas/events.py)."""

from __future__ import annotations

import re
from datetime import UTC, time
from email.message import EmailMessage
from email.utils import make_msgid

import icalendar
import requests
from sqlmodel import select

from channels.standins.telegram import text_update
from gateway.ideas import events
from store import cases as case_store
from store import contacts
from store import events as event_store
from store.models import Agent, CaseEvent, Event, Follower, Registration
from tests.conftest import paris_at
from tests.gateway.conftest import INBOX
from tests.gateway.web.backoffice.conftest import Browser, make_agent

SMS, SUPPORTER, CHAT, MAIL = "+33612000001", "+33612000002", 777001, "camille@example.org"


def an_idea(session, **fields):
    return case_store.create(session, prefix="GU", kind="idea", category="espaces_verts",
                             description="des bancs au parc du château", territory="valmont", **fields)


def a_cafe(rt, *, capacity: int | None = 2, days: int = 2, hour: int = 18, ideas=(), invite: bool = False) -> Event:
    with rt.db.session() as session:
        if not ideas:
            ideas = (an_idea(session).reference,)
        starts = paris_at(hour, 30, days=days).replace(tzinfo=None)  # typed in Paris time
        event = events.create(rt, session, title="Café citoyen du parc", kind="cafe_citoyen", starts_local=starts,
                              place="Salle des fêtes, 2 place de la Mairie", capacity=capacity, ideas=list(ideas),
                              created_by="referent@valmont.example", invite=invite)
        session.commit()
        session.refresh(event)
        return event


def mail(body: str) -> bytes:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = MAIL, INBOX, "Café citoyen"
    message["Message-ID"] = make_msgid(domain="example.org")
    message.set_content(body)
    return message.as_bytes()


def statuses(rt, event: Event) -> list[tuple[str, str]]:
    with rt.db.session() as session:
        return [(row.channel, row.status) for row, _ in event_store.registrations(session, event.id)]


def telegram_texts(front) -> list[str]:
    return [m["text"] for m in front.telegram.sent if str(m["chat_id"]) == str(CHAT)]


def test_three_channels_fill_two_seats_a_cancellation_promotes_and_all_get_the_reminder_after_the_night(
        front, time_machine):
    front.rt.settings = front.rt.settings.replace(quiet_hours=(time(21, 0), time(8, 0)))
    time_machine.move_to(paris_at(10, 0), tick=False)
    event = a_cafe(front.rt, capacity=2, days=2)
    ref, starts = event.reference, paris_at(18, 30, days=2)

    front.http.sms(SMS, f"INSCRIPTION {ref}")
    front.settle()
    front.telegram_update(text_update(CHAT, f"inscription {ref.lower()}"))
    front.settle()
    assert front.mail(mail(f"Je viens {ref}\n\nCamille"))[0] == 250
    front.settle()

    [confirmed] = front.twilio.texts_to(SMS)
    assert confirmed.startswith("Inscription confirmée : Café citoyen du parc, ")
    assert "18h30, Salle des fetes" in confirmed and f"ANNULER {ref}" in confirmed  # SMS: GSM-7 look-alikes
    assert telegram_texts(front)[-1].startswith("Inscription confirmée")
    [waiting] = front.relay.to(MAIL)
    assert "liste d'attente : numéro 1" in waiting.get_body(("plain",)).get_content()
    assert statuses(front.rt, event) == [("sms", "registered"), ("telegram", "registered"), ("email", "waiting")]

    front.telegram_update(text_update(CHAT, "je ne viens plus"))
    front.settle()
    assert telegram_texts(front)[-1].startswith("Votre inscription à Café citoyen du parc du ")
    promoted = front.relay.to(MAIL)[-1].get_body(("plain",)).get_content()
    assert promoted.startswith("Une place s'est libérée : votre inscription est confirmée pour Café citoyen du parc")
    assert statuses(front.rt, event) == [("sms", "registered"), ("telegram", "cancelled"), ("email", "registered")]
    front.telegram_update(text_update(CHAT, f"INSCRIPTION {ref}"))  # back: no seat left, in the line
    front.settle()
    assert "liste d'attente : numéro 1" in telegram_texts(front)[-1]

    before = (len(front.twilio.texts_to(SMS)), len(front.relay.to(MAIL)))
    time_machine.move_to(paris_at(23, 0), tick=False)  # the eve of the day before: not yet, and night
    assert front.worker.remind_events() == 0
    time_machine.move_to(paris_at(3, 0, days=1), tick=False)  # the day before, at night
    assert front.worker.remind_events() == 0
    front.settle()
    assert (len(front.twilio.texts_to(SMS)), len(front.relay.to(MAIL))) == before

    time_machine.move_to(paris_at(8, 0), tick=False)  # the day before, quiet hours over
    assert front.worker.remind_events() == 2
    assert front.worker.remind_events() == 0  # once each, however many passes or workers
    front.settle()
    reminder = front.twilio.texts_to(SMS)[-1]
    assert reminder.startswith("Rappel : Café citoyen du parc demain, ") and "18h30" in reminder
    reminded = front.relay.to(MAIL)[-1]
    assert reminded.get_body(("plain",)).get_content().startswith("Rappel : Café citoyen du parc demain")
    [attached] = [part for part in reminded.iter_attachments() if part.get_content_type() == "text/calendar"]
    parsed = icalendar.Calendar.from_ical(attached.get_payload(decode=True))
    [vevent] = parsed.walk("VEVENT")
    assert vevent.decoded("dtstart") == starts.astimezone(UTC)
    assert "Rappel" not in telegram_texts(front)[-1]  # the one waiting is not reminded


def test_impliques_are_invited_once_held_past_quiet_hours_and_oui_registers(front, time_machine):
    front.rt.settings = front.rt.settings.replace(quiet_hours=(time(21, 0), time(8, 0)))
    time_machine.move_to(paris_at(22, 0), tick=False)
    with front.rt.db.session() as session:
        idea = an_idea(session)
        for number, mode in ((SUPPORTER, "implique"), (SMS, "informe")):
            identity = contacts.identity_for(session, channel="sms", address=number, gateway_address=None)
            case_store.add_follower(session, idea, identity)
            follower = session.exec(select(Follower).where(Follower.identity_id == identity.id)).one()
            follower.mode = mode
            session.add(follower)
        whatsapp = contacts.identity_for(session, channel="whatsapp", address=SUPPORTER, gateway_address=None)
        case_store.add_follower(session, idea, whatsapp)
        session.exec(select(Follower).where(Follower.identity_id == whatsapp.id)).one().mode = "implique"
        session.commit()
        reference = idea.reference
    event = a_cafe(front.rt, capacity=None, days=5, ideas=(reference,), invite=True)
    with front.rt.db.session() as session:
        assert events.send_invitations(front.rt, session, session.get(Event, event.id)) == 0  # never twice
        session.commit()
    front.settle()
    assert front.twilio.texts_to(SUPPORTER) == []  # 22:00: held until the morning

    time_machine.move_to(paris_at(8, 1, days=1), tick=False)
    front.settle()
    [invitation] = front.twilio.texts_to(SUPPORTER)
    assert invitation.startswith("Café citoyen du parc : ") and f"Répondez INSCRIPTION {event.reference}" in invitation
    assert front.twilio.texts_to(SUPPORTER, "whatsapp") == []  # one person, one invitation
    assert front.twilio.texts_to(SMS) == []  # informé: not invited

    front.http.sms(SUPPORTER, "Oui")
    front.settle()
    assert front.twilio.texts_to(SUPPORTER)[-1].startswith("Inscription confirmée : Café citoyen du parc")
    with front.rt.db.session() as session:
        [row] = session.exec(select(Registration)).all()
    assert row.status == "registered" and row.channel == "sms"


def test_the_ics_holds_the_utc_start_and_attendance_and_minutes_reach_the_idea_timeline(rt, time_machine):
    time_machine.move_to(paris_at(10, 0), tick=False)
    event = a_cafe(rt, days=3, hour=18)
    parsed = icalendar.Calendar.from_ical(events.calendar(rt, event))
    [vevent] = parsed.walk("VEVENT")
    assert vevent.decoded("dtstart") == paris_at(18, 30, days=3).astimezone(UTC)
    assert str(vevent["location"]) == "Salle des fêtes, 2 place de la Mairie"

    time_machine.move_to(paris_at(21, 0, days=3), tick=False)
    with rt.db.session() as session:
        held = events.record_attendance(rt, session, session.get(Event, event.id), attendance=14,
                                        minutes="Trois bancs retenus près du kiosque.", actor="referent@valmont.example")
        session.commit()
        [idea] = event_store.ideas_of(session, held)
        [line] = session.exec(select(CaseEvent).where(CaseEvent.case_id == idea.id, CaseEvent.kind == "event")).all()
    assert held.status == "held"
    assert line.public and line.title == "Café citoyen : Café citoyen du parc (14 participants)"
    assert line.message == "Trois bancs retenus près du kiosque."


def test_an_event_in_the_past_or_without_idea_or_theme_is_refused_in_one_sentence(rt, time_machine):
    time_machine.move_to(paris_at(10, 0), tick=False)
    with rt.db.session() as session:
        refused = []
        for starts, ideas in ((paris_at(9, 0), ["x"]), (paris_at(12, 0, days=1), [])):
            try:
                events.create(rt, session, title="Atelier", kind="atelier", starts_local=starts.replace(tzinfo=None),
                              place="Mairie", ideas=ideas)
            except events.EventError as err:
                refused.append(str(err))
    assert refused == ["La date de l'événement est passée.", "Reliez l'événement à une idée ou à un thème."]


def test_an_event_too_big_too_far_too_long_or_about_a_rejected_idea_is_refused_in_words(rt, time_machine):
    time_machine.move_to(paris_at(10, 0), tick=False)
    with rt.db.session() as session:
        rejected = an_idea(session, status="no_go")
        open_idea = an_idea(session)
        refused = []
        for fields in ({"capacity": 100_000_000_000_000_000_000}, {"days": 3650}, {"title": "Atelier " * 30},
                       {"ideas": [rejected.reference]}):
            try:
                events.create(rt, session, **{"title": "Atelier", "kind": "atelier", "place": "Mairie",
                                              "ideas": [open_idea.reference],
                                              "starts_local": paris_at(18, 0, days=fields.pop("days", 5)).replace(
                                                  tzinfo=None), **fields})
            except events.EventError as err:
                refused.append(str(err))
    assert refused == [
        "La capacité va jusqu'à 100\u202f000 places (laissez vide pour sans limite).",
        "La date de l'événement est à plus de deux ans : vérifiez l'année.",
        "Le titre tient en 120 caractères au plus : il part dans les SMS.",
        f"{rejected.reference} n'a pas été retenue : un événement ne peut pas s'y rattacher."]


def test_the_public_page_registers_a_phone_proven_by_a_code_and_shows_seats_never_a_resident(
        front, time_machine):
    time_machine.move_to(paris_at(10, 0), tick=False)
    event = a_cafe(front.rt, capacity=2, days=2)
    resident, path = Browser(front.url), f"/evenements/{event.reference}"  # a browser behind the town's HTTPS
    unreadable = resident.post(f"{path}/code", {"address": "abc"}, form=path)  # drawn after its transaction
    asked = resident.post(f"{path}/code", {"address": "06 12 00 00 09"}, form=path)
    front.settle()
    [text] = front.twilio.texts_to("+33612000009")
    code = re.search(r"\b(\d{6})\b", text).group(1)
    wrong = resident.post(f"{path}/inscription", {"address": "06 12 00 00 09",
                                                  "code": "000000" if code != "000000" else "111111"}, form=path)
    done = resident.post(f"{path}/inscription", {"address": "06 12 00 00 09", "code": code}, form=path)
    agenda = requests.get(f"{front.url}/evenements", timeout=10)
    ics = requests.get(f"{front.url}/evenements/{event.reference}.ics", timeout=10)
    forged = requests.post(f"{front.url}/evenements/{event.reference}/code", timeout=10,
                           data={"address": "06 12 00 00 08"})

    assert unreadable.status_code == 422 and 'name="code"' not in unreadable.text
    assert asked.status_code == 200 and 'name="code"' in asked.text
    assert text.startswith(f"Votre code pour vous inscrire à {event.reference} : ")
    assert wrong.status_code == 422 and "pas le bon" in wrong.text
    assert done.status_code == 200 and "Inscription confirmée : Café citoyen du parc" in done.text
    assert "Café citoyen du parc" in agenda.text and "1 restante" in agenda.text
    assert "06 12" not in agenda.text and "+336" not in agenda.text and "+336" not in done.text
    assert ics.headers["Content-Type"].startswith("text/calendar")
    [vevent] = icalendar.Calendar.from_ical(ics.content).walk("VEVENT")
    assert vevent.decoded("dtstart") == paris_at(18, 30, days=2).astimezone(UTC)
    assert forged.status_code == 400  # no form token, no code sent
    with front.rt.db.session() as db:
        [row] = db.exec(select(Registration)).all()
    assert (row.channel, row.status) == ("web", "registered")


def test_a_referent_creates_an_event_in_paris_time_sees_registrants_and_records_minutes(gateway, worker,
                                                                                       time_machine):
    time_machine.move_to(paris_at(10, 0), tick=False)
    make_agent(gateway.rt, "referent@valmont.example", services=("valmont-accueil",))
    make_agent(gateway.rt, "voirie@valmont.example", services=("valmont-voirie",))
    with gateway.rt.db.session() as session:
        # The référent role is given by the référents' part of the back office; here straight in the row.
        session.exec(select(Agent).where(Agent.email == "referent@valmont.example")).one().role = "referent"
        idea = an_idea(session)
        session.commit()
        reference = idea.reference
    referent, plain_agent = Browser(gateway.url), Browser(gateway.url)
    assert referent.login("referent@valmont.example").status_code == 200
    assert plain_agent.login("voirie@valmont.example").status_code == 200
    day = paris_at(10, 0, days=7).date().isoformat()
    created = referent.post("/agents/evenements", {
        "title": "Atelier bancs", "kind": "atelier", "day": day, "hour": "18:30", "place": "Maison des associations",
        "capacity": "12", "ideas": reference, "description": "Choisir les bancs"}, form="/agents/evenements")
    refused = plain_agent.get("/agents/evenements")

    assert created.status_code == 200 and "Atelier bancs" in created.text and "Personne pour l'instant." in created.text
    assert refused.status_code == 403
    with gateway.rt.db.session() as session:
        [event] = session.exec(select(Event)).all()
    assert event.starts_at.replace(tzinfo=UTC) == paris_at(18, 30, days=7).astimezone(UTC)
    assert re.fullmatch(r"EV-\d{4}", event.reference)

    time_machine.move_to(paris_at(21, 0, days=7), tick=False)
    path = f"/agents/evenements/{event.reference}"
    typos = [referent.post(f"{path}/compte-rendu", {"attendance": typed, "minutes": ""}, form=path)
             for typed in ("-3", "abc", "99999999999999999999999")]
    recorded = referent.post(f"{path}/compte-rendu", {
        "attendance": "9", "minutes": "Deux modèles retenus. Rappeler Mme Durand au 06 98 76 54 32 ou durand@example.org"},
        form=path)
    public = requests.get(f"{gateway.url}/evenements", timeout=10)
    page = requests.get(f"{gateway.url}/evenements/{event.reference}", timeout=10)
    idea_page = requests.get(f"{gateway.url}/idees/{reference}", timeout=10)
    assert [(t.status_code, "Le nombre de participants est un nombre entier, de 0 à 100\u202f000." in t.text)
            for t in typos] == [(422, True)] * 3
    assert recorded.status_code == 200 and "Participation et compte rendu enregistrés" in recorded.text
    assert "Compte rendu :</strong> Deux modèles retenus." in public.text and "Participants :</strong> 9" in public.text
    for shown in (public.text, page.text, idea_page.text):  # the référent's words are masked like any public text
        assert "Deux modèles retenus." in shown
        assert "06 98" not in shown and "durand@example.org" not in shown and "[téléphone masqué]" in shown
    assert "Atelier : Atelier bancs (9 participants)" in idea_page.text  # on the idea's timeline


def test_the_demo_seeds_an_upcoming_cafe_citoyen_about_a_seeded_idea_with_two_registrations(rt):
    from gateway.demo.run import seed

    seed(rt)
    with rt.db.session() as session:
        [event] = session.exec(select(Event)).all()
        ideas = event_store.ideas_of(session, event)
        rows = session.exec(select(Registration).where(Registration.event_id == event.id)).all()
    assert event.kind == "cafe_citoyen" and event.status == "scheduled"
    assert [case.kind for case in ideas] == ["idea"]
    assert [row.status for row in rows] == ["registered", "registered"]


def test_invitez_moi_and_a_theme_brings_the_invitations_of_that_themes_events_until_ne_plus_m_inviter(
        front, time_machine):
    time_machine.move_to(paris_at(10, 0), tick=False)
    front.http.sms(SMS, "INVITEZ-MOI espaces verts")
    front.settle()
    [noted] = front.twilio.texts_to(SMS)
    assert noted.startswith("C'est noté : vous serez invité aux événements sur le thème ")
    front.http.sms(SMS, "invitez moi")
    front.settle()
    assert front.twilio.texts_to(SMS)[-1].startswith("Sur quel thème ? Répondez INVITEZ-MOI suivi d'un thème")

    with front.rt.db.session() as session:  # an event about the theme only, no idea linked
        event = events.create(front.rt, session, title="Atelier jardins partagés", kind="atelier",
                              starts_local=paris_at(18, 0, days=4).replace(tzinfo=None), place="Serre municipale",
                              capacity=None, ideas=[], theme="espaces_verts", created_by="referent@valmont.example",
                              invite=True)
        session.commit()
        reference = event.reference
    front.settle()
    assert front.twilio.texts_to(SMS)[-1].startswith("Atelier jardins partagés : ")
    assert f"INSCRIPTION {reference}" in front.twilio.texts_to(SMS)[-1]

    front.http.sms(SMS, "ne plus m'inviter")
    front.settle()
    assert front.twilio.texts_to(SMS)[-1].startswith("C'est noté : vous ne serez plus invité")
    with front.rt.db.session() as session:
        assert event_store.interested_identities(session, theme="espaces_verts", district=None) == []


def test_an_event_supported_or_an_idea_registered_to_is_told_which_is_which_and_invitez_moi_mid_report_counts(
        front, time_machine):
    time_machine.move_to(paris_at(10, 0), tick=False)
    event = a_cafe(front.rt, capacity=None, days=3)
    with front.rt.db.session() as session:
        idea = an_idea(session)
        session.commit()
        idea_reference = idea.reference
    front.http.sms(SMS, f"je soutiens {event.reference}")
    front.http.sms(SMS, f"INSCRIPTION {idea_reference}")
    front.http.sms(SMS, "il y a un trou énorme")  # a report half told: "Où se trouve le problème ?"
    front.http.sms(SMS, "INVITEZ-MOI espaces verts")
    front.settle()
    supported, registered, _where, invited = front.twilio.texts_to(SMS)
    assert supported == (f"{event.reference} est un événement : on ne le soutient pas, on s'y inscrit. "
                         f"Répondez INSCRIPTION {event.reference}.")
    assert registered.startswith(f"{idea_reference} est une idée, pas un événement : pour la soutenir, "
                                 f"répondez SOUTIEN {idea_reference}.")
    assert invited.startswith("C'est noté : vous serez invité aux événements sur le thème ")
