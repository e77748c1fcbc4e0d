"""The référent's side of the back office, over real HTTP: decisions reach every supporter whole on their own channel,
a published decision is final, timeline steps reach supporters and show with their progress, the call list holds
the impliqué supporters with a phone number, and a plain agent cannot decide."""

from __future__ import annotations

import csv
import html
import io
import re
from datetime import timedelta
from email.message import EmailMessage

import pytest
from sqlmodel import select

from channels.standins.telegram import post_update, text_update
from channels.standins.twilio import inbound_whatsapp_params
from gateway.cases.flows import CaseError, change_status, format_day
from gateway.ideas.supports import support
from store import cases as case_store
from store.clock import utcnow
from store.models import (
    Agent,
    AuditEntry,
    Case,
    CaseEvent,
    Contribution,
    Event,
    EventIdea,
    Identity,
    Registration,
    Support,
)
from tests.conftest import ACCOUNT_SID, GATEWAY_NUMBER, paris_at
from tests.gateway.conftest import INBOX, TELEGRAM_SECRET
from tests.gateway.web.backoffice.conftest import Browser, make_agent

SMS, WHATSAPP, CHAT, MAIL = "+33611000001", "+33611000002", 4242, "camille@example.org"
INFORME = "+33611000003"
IDEA = "Je propose des bancs et des fontaines dans le parc du château"
REASONS = "Retenue au budget participatif 2027 : 42 soutiens, le parc manque d'assises près des jeux."


def referent(front, email: str = "parcs@mairie.example", themes: list[str] | None = None) -> Browser:
    """A logged-in référent of the green spaces (or of `themes`)."""
    make_agent(front.rt, email, role="referent")
    with front.rt.db.session() as session:
        agent = session.exec(select(Agent).where(Agent.email == email)).one()
        agent.themes = themes if themes is not None else ["espaces_verts"]
        session.add(agent)
    browser = Browser(front.url)
    assert browser.login(email).status_code == 200
    return browser


def mail(front, sender: str, subject: str, text: str) -> None:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, INBOX, subject
    message.set_content(text)
    assert front.mail(message.as_bytes(), rcpt_to=INBOX)[0] == 250


def an_idea_with_supporters(front, *, extra_sms: tuple[str, ...] = ()) -> str:
    """An idea, supported from SMS, WhatsApp, Telegram and e-mail by people who wrote in first (the intake and
    the supporting words are another part's: the supports are recorded as they record them)."""
    front.http.sms(SMS, "Bonjour")
    front.http.post_signed("/webhooks/twilio/messages", inbound_whatsapp_params(
        from_=WHATSAPP, to=GATEWAY_NUMBER, body="Bonjour", account_sid=ACCOUNT_SID))
    post_update(f"{front.url}/webhooks/telegram", text_update(CHAT, "Bonjour"), TELEGRAM_SECRET)
    mail(front, MAIL, "Bonjour", "Bonjour, je voudrais soutenir une idée.")
    for number in extra_sms:
        front.http.sms(number, "Bonjour")
    front.settle()
    with front.rt.db.session() as session:
        idea = case_store.create(session, prefix="GU", kind="idea", category="espaces_verts", description=IDEA,
                                 territory="valmont", channel="sms", status="received")
        for identity in session.exec(select(Identity)).all():
            support(session, idea, identity)
        reference = idea.reference
    reset(front)
    return reference


def reset(front) -> None:
    front.twilio.reset()
    front.telegram.reset()
    front.relay.reset()


def received(front) -> dict[str, list[str]]:
    """What each supporter's provider was asked to deliver, by channel."""
    return {
        "sms": front.twilio.texts_to(SMS),
        "whatsapp": [m["body"] or "" for m in front.twilio.messages if m["to"] == f"whatsapp:{WHATSAPP}"],
        "telegram": [m["text"] for m in front.telegram.sent if str(m["chat_id"]) == str(CHAT)],
        "email": [m.get_content() for m in front.relay.to(MAIL)],
    }


def page(reference: str) -> str:
    return f"/agents/idees/{reference}"


def decide(browser: Browser, reference: str, **data):
    return browser.post(page(reference) + "/decision", data, form=page(reference))


def flashed(response) -> str:
    found = re.search(r'<div class="alert alert--(?:error|success)"[^>]*>\s*<p>(.*?)</p>', response.text, re.S)
    return html.unescape(found.group(1)) if found else ""


def status_of(front, reference: str) -> str:
    with front.rt.db.session() as session:
        return case_store.by_reference(session, reference).status


def test_a_go_with_reasons_and_cost_reaches_every_supporter_on_their_own_channel_intact(front, time_machine):
    time_machine.move_to(paris_at(10, 0), tick=False)
    reference = an_idea_with_supporters(front)
    browser = referent(front)

    start, end = paris_at(10, 0, days=90).date(), paris_at(10, 0, days=210).date()  # from the run's present
    answer = decide(browser, reference, decision="go", reasons=REASONS, cost="12 500",
                    period_start=start.isoformat(), period_end=end.isoformat())
    front.settle()

    assert "Décision publiée" in flashed(answer)
    for channel, texts in received(front).items():
        [text] = texts
        assert reference in text, channel
        assert "l'idée est retenue" in text and REASONS in text, channel
        period = f"{format_day(front.rt, start, 'fr')} au {format_day(front.rt, end, 'fr')}"
        assert "12 500 €" in text and period in text, channel
    shown = html.unescape(browser.get(page(reference)).text)
    assert REASONS in shown and "12 500 €" in shown and start.strftime("%d/%m/%Y") in shown
    with front.rt.db.session() as session:
        idea = case_store.by_reference(session, reference)
        audit = session.exec(select(AuditEntry).where(AuditEntry.action == "idea_go")).one()
    assert (idea.status, idea.cost_cents, idea.decision_reasons) == ("go", 1_250_000, REASONS)
    assert idea.decided_at is not None and audit.actor == "parcs@mairie.example"


def test_under_study_then_go_within_seconds_still_sends_the_go_whole_to_each_supporter(front, time_machine):
    time_machine.move_to(paris_at(10, 0), tick=False)
    reference = an_idea_with_supporters(front)
    browser = referent(front)

    due = paris_at(10, 0, days=45).date()
    studied = decide(browser, reference, decision="under_study", decision_due_on=due.isoformat())
    refused = decide(browser, reference, decision="go", reasons="  ")
    decide(browser, reference, decision="go", reasons=REASONS)
    time_machine.move_to(paris_at(10, 0) + timedelta(seconds=5), tick=False)
    front.settle()

    assert "Idée à l'étude" in flashed(studied)
    assert "motifs" in flashed(refused)
    for channel, texts in received(front).items():
        assert len(texts) == 2, channel  # never merged into one
        assert "à l'étude" in texts[0] and format_day(front.rt, due, "fr") in texts[0], channel
        assert "l'idée est retenue" in texts[1] and REASONS in texts[1], channel


def test_a_no_go_cannot_be_reopened(front, time_machine):
    time_machine.move_to(paris_at(10, 0), tick=False)
    reference = an_idea_with_supporters(front)
    browser = referent(front)

    decide(browser, reference, decision="no_go", reasons="Le parc est classé : aucun mobilier nouveau n'y est permis.")
    again = decide(browser, reference, decision="under_study",
                   decision_due_on=paris_at(10, 0, days=45).date().isoformat())
    adopt = decide(browser, reference, decision="go", reasons="Finalement oui.")
    front.settle()

    final = "cette idée a déjà reçu sa décision, qui est définitive : pour revenir dessus, il faut une nouvelle idée"
    assert final in flashed(again) and final in flashed(adopt)
    assert status_of(front, reference) == "no_go"
    [text] = received(front)["sms"]
    assert "n'est pas retenue" in text and "Le parc est classé" in text
    with front.rt.db.session() as session, pytest.raises(CaseError):
        change_status(front.rt, session, reference=reference, status="under_study")
    assert 'id="form-decision"' not in html.unescape(browser.get(page(reference)).text)


def test_three_timeline_steps_reach_supporters_and_show_with_the_progress(front, time_machine):
    time_machine.move_to(paris_at(10, 0), tick=False)
    reference = an_idea_with_supporters(front)
    browser = referent(front)
    decide(browser, reference, decision="go", reasons=REASONS)
    front.settle()
    reset(front)

    for title, progress in (("Commande des bancs", "20"), ("Pose des fontaines", "40"), ("Plantations", "60")):
        step = browser.post(page(reference) + "/etape", {"title": title, "text": "Les équipes sont sur place.",
                                                         "progress": progress}, form=page(reference))
        assert "Étape publiée" in flashed(step)
    backwards = browser.post(page(reference) + "/etape", {"title": "Retour", "progress": "30"}, form=page(reference))
    time_machine.move_to(paris_at(10, 0) + timedelta(minutes=2), tick=False)
    front.settle()

    assert "ne recule pas" in flashed(backwards)
    for channel, texts in received(front).items():
        assert len(texts) == 3, channel
        assert f'{reference} : nouvelle étape "Commande des bancs" (20 %)' in texts[0], channel
        assert '"Plantations" (60 %)' in texts[2] and f"/suivi/{reference}" in texts[2], channel
    shown = html.unescape(browser.get(page(reference)).text)
    assert '<progress id="avancement" max="100" value="60">' in shown
    assert all(title in shown for title in ("Commande des bancs", "Pose des fontaines", "Plantations"))
    with front.rt.db.session() as session:
        idea = case_store.by_reference(session, reference)
        steps = session.exec(select(CaseEvent).where(CaseEvent.case_id == idea.id, CaseEvent.kind == "step")).all()
    assert (idea.status, idea.progress) == ("in_progress", 60)
    assert [s.progress for s in steps] == [20, 40, 60] and all(s.public for s in steps)


def test_done_thanks_every_participant_once_and_tells_them_how_to_be_named(front, time_machine):
    time_machine.move_to(paris_at(10, 0), tick=False)
    reference = an_idea_with_supporters(front)
    browser = referent(front)
    decide(browser, reference, decision="go", reasons=REASONS)
    browser.post(page(reference) + "/etape", {"title": "Pose", "progress": "50"}, form=page(reference))
    front.settle()
    reset(front)

    browser.post(page(reference) + "/etape", {"title": "Bancs installés", "done": "1"}, form=page(reference))
    time_machine.move_to(paris_at(10, 0) + timedelta(minutes=2), tick=False)
    front.settle()

    for channel, texts in received(front).items():
        [text] = texts
        assert "réalisée" in text and "NOMMEZ-MOI" in text, channel
    assert status_of(front, reference) == "done"
    assert 'id="form-etape"' not in html.unescape(browser.get(page(reference)).text)


def test_the_call_list_holds_exactly_the_implique_supporters_with_a_phone_number(front, time_machine):
    time_machine.move_to(paris_at(10, 0), tick=False)
    reference = an_idea_with_supporters(front, extra_sms=(INFORME,))
    with front.rt.db.session() as session:
        idea = case_store.by_reference(session, reference)
        for identity, follower in case_store.subscriptions(session, idea):
            if identity.address != INFORME:  # every one impliqué but one SMS supporter, who stays informé
                follower.mode = "implique"
                session.add(follower)
        for row in session.exec(select(Support).where(Support.channel == "whatsapp")).all():
            row.public_name = '=HYPERLINK("http://evil.example";"x")'  # what a spreadsheet would run
            session.add(row)
    browser = referent(front)

    export = browser.get(page(reference) + "/appels.csv")
    shown = html.unescape(browser.get(page(reference)).text)

    assert export.status_code == 200 and export.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig")), delimiter=";"))
    # Telegram and e-mail have no number; numbers as a caller dials them; no cell a spreadsheet would run
    assert sorted((row[2], row[1]) for row in rows[1:]) == [
        ("06 11 00 00 01", ""), ("06 11 00 00 02", '\'=HYPERLINK("http://evil.example";"x")')]
    assert SMS not in shown and "+336 •• •• •• 01" in shown  # the page masks the addresses
    with front.rt.db.session() as session:
        [audit] = session.exec(select(AuditEntry).where(AuditEntry.action == "idea_call_list")).all()
    assert audit.detail["people"] == 2


def test_a_message_to_the_implique_supporters_goes_through_the_outbox_and_the_timeline(front, time_machine):
    time_machine.move_to(paris_at(10, 0), tick=False)
    reference = an_idea_with_supporters(front, extra_sms=(INFORME,))
    with front.rt.db.session() as session:
        idea = case_store.by_reference(session, reference)
        for identity, follower in case_store.subscriptions(session, idea):
            if identity.address == SMS:
                follower.mode = "implique"
                session.add(follower)
    browser = referent(front)

    browser.post(page(reference) + "/message", {"text": "Rendez-vous samedi au parc pour choisir les bancs."},
                 form=page(reference))
    time_machine.move_to(paris_at(10, 0) + timedelta(minutes=2), tick=False)
    front.settle()

    assert front.twilio.texts_to(SMS) == [f"{reference} : message du référent : Rendez-vous samedi au parc pour "
                                          "choisir les bancs."]
    assert front.twilio.texts_to(INFORME) == []
    with front.rt.db.session() as session:
        [line] = session.exec(select(CaseEvent).where(CaseEvent.kind == "broadcast")).all()
    assert "(1)" in line.title


def test_a_plain_agent_cannot_decide_and_a_referent_of_another_theme_does_not_see_the_idea(front, time_machine):
    time_machine.move_to(paris_at(10, 0), tick=False)
    reference = an_idea_with_supporters(front)
    with front.rt.db.session() as session:
        idea = case_store.by_reference(session, reference)
        idea.service = "valmont-voirie"
        session.add(idea)
    make_agent(front.rt, "voirie@mairie.example", services=("valmont-voirie",))
    agent = Browser(front.url)
    assert agent.login("voirie@mairie.example").status_code == 200
    other = referent(front, "mobilite@mairie.example", themes=["mobilite"])

    shown = agent.get(page(reference))
    refused = agent.post(page(reference) + "/decision", {"decision": "go", "reasons": REASONS}, form=page(reference))
    by_case_page = agent.post(f"/agents/dossiers/{reference}/statut", {"status": "go", "message": "oui"},
                              form=f"/agents/dossiers/{reference}")
    front.settle()

    assert 'id="lecture-seule"' in shown.text and 'id="form-decision"' not in shown.text
    assert "seul un référent" in flashed(refused) and "seul un référent" in flashed(by_case_page)
    assert other.get(page(reference)).status_code == 404
    assert status_of(front, reference) == "received"
    assert received(front) == {"sms": [], "whatsapp": [], "telegram": [], "email": []}


def test_a_referent_is_created_with_themes_and_territories_from_the_command_line(rt):
    from click.testing import CliRunner

    from gateway.cli import main
    from tests.conftest import gateway_env

    result = CliRunner().invoke(main, ["user", "add", "verts@mairie.example", "--role", "referent", "--theme",
                                       "espaces_verts", "--territory", "valmont", "--password", "x" * 12],
                                env=gateway_env(rt))
    wrong = CliRunner().invoke(main, ["user", "add", "x@mairie.example", "--role", "referent", "--theme", "nope",
                                      "--password", "x" * 12], env=gateway_env(rt))

    assert result.exit_code == 0, result.output
    assert wrong.exit_code != 0 and "thème(s) inconnu(s) : nope" in wrong.output
    with rt.db.session() as session:
        agent = session.exec(select(Agent).where(Agent.email == "verts@mairie.example")).one()
    assert (agent.role, agent.themes, agent.territories, agent.services) == ("referent", ["espaces_verts"],
                                                                             ["valmont"], [])


def test_the_demo_seeds_ideas_at_every_stage_answered_by_its_referent(rt):
    from gateway.demo.run import seed

    seed(rt)

    with rt.db.session() as session:
        ideas = {c.description: c for c in session.exec(select(Case).where(Case.kind == "idea")).all()
                 if c.referent_id is not None or c.category == "espaces_verts"}
        steps = session.exec(select(CaseEvent).where(CaseEvent.kind == "step")).all()
    by_status = {c.status: c for c in ideas.values()}
    assert {"received", "under_study", "in_progress", "done", "no_go"} <= set(by_status)
    assert by_status["under_study"].decision_due_on is not None
    assert by_status["in_progress"].progress == 40 and by_status["in_progress"].cost_cents == 180_000
    assert by_status["no_go"].decision_reasons and len(steps) == 3


def test_contributions_are_published_masked_or_refused_by_the_referent(front, time_machine):
    time_machine.move_to(paris_at(10, 0), tick=False)
    reference = an_idea_with_supporters(front)
    with front.rt.db.session() as session:
        idea = case_store.by_reference(session, reference)
        kept = Contribution(case_id=idea.id, text="Et des bancs près des jeux ! Appelez-moi au 06 12 34 56 78.")
        spam = Contribution(case_id=idea.id, text="Achetez mes bancs")
        session.add_all([kept, spam])
        session.flush()
        kept_id, spam_id = kept.id, spam.id
    browser = referent(front)

    browser.post(page(reference) + f"/contributions/{kept_id}", {"verdict": "publish"}, form=page(reference))
    browser.post(page(reference) + f"/contributions/{spam_id}", {"verdict": "refuse"}, form=page(reference))
    twice = browser.post(page(reference) + f"/contributions/{spam_id}", {"verdict": "publish"}, form=page(reference))

    with front.rt.db.session() as session:
        published, refused = session.get(Contribution, kept_id), session.get(Contribution, spam_id)
    assert published.status == "published" and "06 12 34 56 78" not in published.text
    assert published.text.startswith("Et des bancs près des jeux !")
    assert published.moderated_by == "parcs@mairie.example" and published.moderated_at is not None
    assert refused.status == "refused" and "déjà modérée" in flashed(twice)


def test_a_message_to_an_events_registrants_skips_the_cancelled_and_those_who_said_stop(front, time_machine):
    time_machine.move_to(paris_at(10, 0), tick=False)
    reference = an_idea_with_supporters(front, extra_sms=(INFORME,))
    with front.rt.db.session() as session:
        idea = case_store.by_reference(session, reference)
        event = Event(reference="EV-1234", title="Café citoyen du parc", starts_at=utcnow() + timedelta(days=3),
                      place="Salle des fêtes")
        session.add(event)
        session.flush()
        session.add(EventIdea(event_id=event.id, case_id=idea.id))
        by_address = {i.address: i for i in session.exec(select(Identity)).all()}
        for address, status in ((SMS, "registered"), (WHATSAPP, "waiting"), (INFORME, "cancelled"),
                                (str(CHAT), "registered")):
            identity = by_address[address]
            session.add(Registration(event_id=event.id, contact_id=identity.contact_id, identity_id=identity.id,
                                     channel=identity.channel, status=status))
        by_address[str(CHAT)].stopped_at = utcnow()
    browser = referent(front)

    shown = html.unescape(browser.get(page(reference)).text)
    browser.post(page(reference) + "/message", {"text": "La salle change : rendez-vous au kiosque.",
                                                "event": "EV-1234"}, form=page(reference))
    time_machine.move_to(paris_at(10, 0) + timedelta(minutes=2), tick=False)
    front.settle()

    assert "EV-1234 (liste d'attente)" in shown and "EV-1234 (inscrit)" in shown
    told = received(front)
    assert told["sms"] == ["EV-1234 : message du référent : La salle change : rendez-vous au kiosque."]
    assert len(told["whatsapp"]) == 1 and told["telegram"] == [] and told["email"] == []
    assert front.twilio.texts_to(INFORME) == []


def test_under_study_refuses_a_decision_day_already_gone(front, time_machine):
    time_machine.move_to(paris_at(10, 0), tick=False)
    reference = an_idea_with_supporters(front)
    browser = referent(front)

    refused = decide(browser, reference, decision="under_study",
                     decision_due_on=paris_at(10, 0, days=-1).date().isoformat())
    front.settle()

    assert "la date de la décision attendue est passée" in flashed(refused)
    assert status_of(front, reference) != "under_study"
    assert not any(received(front).values())  # nobody was told of a study that promises a day gone
