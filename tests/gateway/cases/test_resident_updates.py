"""What residents receive when their case moves: one message per person and change, on the channel they used
last; close changes merged without losing an agent's words; a daily cap whose overflow is one digest the next
morning; resolution photos on every channel; the expected date and cost an agent gives at validation.

Everything goes through the real webhooks, the worker and the providers' stand-ins; the gateway serves on
the address it tells providers (`public_url`), so that the Twilio stand-in can fetch a photo's MediaUrl."""

from __future__ import annotations

import io
import re
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

import pytest
import requests
from sqlmodel import select
from werkzeug.serving import make_server

from channels.standins.smtp_relay import send_eml
from channels.standins.telegram import post_update, text_update
from channels.standins.twilio import inbound_sms_params, inbound_whatsapp_params, sign_and_post
from channels.telegram import SendRateLimiter, Telegram
from gateway.cases.flows import change_status, format_day
from gateway.inbound.smtp import start_smtp_server
from gateway.outbound.worker import Worker
from gateway.settings import parse_quiet_hours
from store.models import Case, Follower, OutboxEntry
from tests.conftest import ACCOUNT_SID, AUTH_TOKEN, GATEWAY_NUMBER, paris_at
from tests.gateway.web.backoffice.conftest import Browser, make_agent
from tests.images import image_bytes

RESIDENT, NEIGHBOUR = "+33612345678", "+33698765432"
CHAT, MAIL, INBOX, SECRET = 4343, "camille@example.org", "guichet@valmont.example", "updates-webhook-secret"
POTHOLE = "Nid de poule devant le 14 rue Victor Hugo"


@dataclass
class Town:
    """The gateway on its public address, every channel on, and the stand-ins residents read."""

    rt: object
    url: str
    smtp_port: int
    twilio: object
    telegram: object
    relay: object
    worker: Worker

    def sms(self, sender: str, body: str) -> None:
        self._twilio_webhook(inbound_sms_params(from_=sender, to=GATEWAY_NUMBER, body=body, account_sid=ACCOUNT_SID))

    def whatsapp(self, sender: str, body: str) -> None:
        self._twilio_webhook(inbound_whatsapp_params(from_=sender, to=GATEWAY_NUMBER, body=body,
                                                     account_sid=ACCOUNT_SID))

    def _twilio_webhook(self, params: dict) -> None:
        path = "/webhooks/twilio/messages"
        assert sign_and_post(self.url + path, params, AUTH_TOKEN, public_url=self.url + path).status_code == 200
        self.settle()

    def telegram_message(self, chat: int, text: str) -> None:
        assert post_update(f"{self.url}/webhooks/telegram", text_update(chat, text), SECRET).status_code == 200
        self.settle()

    def mail(self, sender: str, subject: str, text: str) -> None:
        mail = EmailMessage()
        mail["From"], mail["To"], mail["Subject"] = sender, INBOX, subject
        mail["Message-ID"] = make_msgid(domain="example.org")
        mail.set_content(text)
        assert send_eml("127.0.0.1", self.smtp_port, mail.as_bytes(), rcpt_to=INBOX)[0] == 250
        self.settle()

    def settle(self) -> None:
        for _ in range(100):
            if self.worker.run_once() == (0, 0):
                return
        raise AssertionError("the worker kept finding work")

    def case(self) -> Case:
        with self.rt.db.session() as session:
            return session.exec(select(Case)).one()

    def change(self, status: str, **kwargs) -> None:
        with self.rt.db.session() as session:
            change_status(self.rt, session, reference=self.case().reference, status=status, **kwargs)

    def agent(self) -> Browser:
        make_agent(self.rt, "voirie@mairie.example", services=("valmont-voirie",))
        browser = Browser(self.url)
        assert browser.login("voirie@mairie.example").status_code == 200
        return browser


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def _serve(runtime, port: int) -> Iterator[None]:
    from gateway.app import create_app

    server = make_server("127.0.0.1", port, create_app(runtime=runtime), threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield
    finally:
        server.shutdown()
        thread.join()


@pytest.fixture
def make_town(rt, make_runtime, twilio, telegram_api, mail_relay, tmp_path):
    """Build the town with some settings changed (one per test)."""
    telegram_api.reset()
    mail_relay.reset()
    stack: list = []

    def build(**overrides) -> Town:
        port = _free_port()
        runtime = make_runtime(public_url=f"http://127.0.0.1:{port}", telegram_api_url=telegram_api.url,
                               telegram_bot_token=telegram_api.token, telegram_webhook_secret=SECRET,
                               smtp_relay_url=mail_relay.url, inbox=INBOX,
                               media_dir=overrides.pop("media_dir", tmp_path / "media"), **overrides)
        adapter = Telegram(token=telegram_api.token, webhook_secret=SECRET, api_url=telegram_api.url,
                           limiter=SendRateLimiter(per_chat_interval=0.0, per_second=10_000))
        runtime.channels["telegram"] = adapter
        worker = Worker(runtime)
        mail = start_smtp_server(runtime, port=0)
        served = _serve(runtime, port)
        served.__enter__()
        stack.append((served, mail, worker, adapter, runtime))
        return Town(runtime, f"http://127.0.0.1:{port}", mail.port, twilio, telegram_api, mail_relay, worker)

    yield build
    for served, mail, worker, adapter, runtime in stack:
        served.__exit__(None, None, None)
        mail.stop()
        worker._senders.shutdown(wait=True)
        adapter.close()
        runtime.db.dispose()


@pytest.fixture
def town(make_town) -> Town:
    return make_town()


def test_a_person_on_sms_and_whatsapp_gets_one_update_on_the_channel_they_used_last(town):
    town.sms(RESIDENT, POTHOLE)
    town.whatsapp(RESIDENT, "gros nid de poule au 16 rue Victor Hugo")  # the same person, the same case
    with town.rt.db.session() as session:
        assert len(session.exec(select(Follower)).all()) == 2  # two identities follow: one person
    town.twilio.reset()

    town.change("validated")
    town.settle()

    [update] = town.twilio.messages
    assert update["to"] == f"whatsapp:{RESIDENT}"
    assert "validé" in update["body"]

    town.sms(RESIDENT, "merci !")  # the person now writes by SMS
    town.twilio.reset()
    town.change("in_progress")
    town.settle()
    assert [(m["to"], "en cours" in m["body"]) for m in town.twilio.messages] == [(RESIDENT, True)]


def test_three_changes_within_seconds_reach_the_resident_as_one_message_telling_all_three(make_town, time_machine):
    time_machine.move_to(paris_at(10, 0), tick=False)
    town = make_town(update_merge_seconds=30)
    town.sms(RESIDENT, POTHOLE)
    town.twilio.reset()

    town.change("validated")
    town.settle()
    time_machine.move_to(paris_at(10, 0) + timedelta(seconds=5), tick=False)
    town.change("in_progress")
    town.settle()
    time_machine.move_to(paris_at(10, 0) + timedelta(seconds=10), tick=False)
    town.change("resolved")
    town.settle()
    time_machine.move_to(paris_at(10, 0) + timedelta(seconds=29), tick=False)
    town.settle()
    assert town.twilio.texts_to(RESIDENT) == []  # the first change's wait is not over
    time_machine.move_to(paris_at(10, 0) + timedelta(seconds=31), tick=False)
    town.settle()

    [update] = town.twilio.texts_to(RESIDENT)
    reference = town.case().reference
    assert "validé par le service" in update
    assert "programmée ou en cours" in update
    assert "réglé" in update
    assert update.count(reference) == 1
    assert update.index("validé") < update.index("en cours") < update.index("réglé")


def test_an_agents_message_then_a_status_change_reach_the_resident_both_in_one_message(town):
    town.sms(RESIDENT, POTHOLE)
    town.twilio.reset()

    town.change("validated", message="Rebouchage prévu jeudi matin.")
    town.change("in_progress", message="L'équipe est sur place.")
    town.settle()

    [update] = town.twilio.texts_to(RESIDENT)
    assert "Rebouchage prévu jeudi matin." in update
    assert "L'équipe est sur place." in update
    # The agent gave the day: no "sous 15 jours" beside it.
    assert "sous" not in update


def test_past_the_daily_cap_updates_wait_for_one_digest_the_next_morning(make_town, time_machine):
    time_machine.move_to(paris_at(10, 0), tick=False)
    town = make_town(max_updates_per_day=2, quiet_hours=parse_quiet_hours("21:00-08:00"))
    town.sms(RESIDENT, POTHOLE)
    town.twilio.reset()
    reference = town.case().reference

    town.change("validated")
    town.settle()
    time_machine.move_to(paris_at(11, 0), tick=False)
    town.change("in_progress")
    town.settle()
    time_machine.move_to(paris_at(15, 0), tick=False)
    town.change("resolved", message="Trou rebouché.")
    town.settle()
    time_machine.move_to(paris_at(16, 0), tick=False)
    town.change("in_progress", message="Le trou s'est rouvert, nous revenons.")
    town.settle()
    assert len(town.twilio.texts_to(RESIDENT)) == 2  # the cap: the third and fourth changes wait

    time_machine.move_to(paris_at(7, 59, days=1), tick=False)
    town.settle()
    assert len(town.twilio.texts_to(RESIDENT)) == 2  # the next day, but still quiet hours

    time_machine.move_to(paris_at(8, 0, days=1), tick=False)
    town.settle()
    texts = town.twilio.texts_to(RESIDENT)
    assert len(texts) == 3
    digest = texts[-1]
    assert digest.startswith("Les nouvelles de vos dossiers")
    assert reference in digest
    assert "Trou rebouché." in digest and "Le trou s'est rouvert, nous revenons." in digest


def test_a_resolution_photo_reaches_whatsapp_telegram_email_and_sms_and_shows_on_the_tracking_page(town):
    town.sms(RESIDENT, POTHOLE)
    town.whatsapp(NEIGHBOUR, "gros nid de poule au 16 rue Victor Hugo")
    town.telegram_message(CHAT, "nid de poule 15 rue victor hugo")
    town.mail(MAIL, "Trou dans la chaussée", "Bonjour, il y a un nid de poule devant le 13 rue Victor Hugo.")
    case = town.case()
    with town.rt.db.session() as session:
        assert len(session.exec(select(Follower).where(Follower.case_id == case.id)).all()) == 4
    town.twilio.reset()
    agent = town.agent()
    page = f"/agents/dossiers/{case.reference}"

    photo = image_bytes("JPEG", (64, 48), "darkgreen")
    answer = agent.post(page + "/statut", {"status": "resolved", "message": "Rebouché."}, form=page,
                        files={"photo": ("apres.jpg", io.BytesIO(photo), "image/jpeg")})
    assert answer.status_code == 200
    town.settle()

    [whatsapp] = [m for m in town.twilio.messages if m["to"] == f"whatsapp:{NEIGHBOUR}"]
    [fetched] = whatsapp["media_fetched"]
    assert (fetched["status"], fetched["content_type"]) == (200, "image/jpeg")
    assert fetched["head"].startswith("ffd8ff")  # a JPEG
    assert "Rebouché." in whatsapp["body"]

    [telegram] = [m for m in town.telegram.sent if m["chat_id"] == str(CHAT) and m["method"] == "sendPhoto"]
    assert telegram["photo_head"].startswith("ffd8ff") and "Rebouché." in telegram["text"]

    mail = town.relay.to(MAIL)[-1]
    [attachment] = list(mail.iter_attachments())
    assert attachment.get_content_type() == "image/jpeg"
    assert attachment.get_content()[:3] == b"\xff\xd8\xff"

    [sms] = town.twilio.texts_to(RESIDENT)
    link = f"{town.url}/suivi/{case.reference}"
    assert link in sms

    tracking = requests.get(link, timeout=10)
    src = re.search(r'<img src="([^"]+)" alt="Photo publiée', tracking.text).group(1)
    shown = requests.get(town.url + src, timeout=10)
    assert (shown.status_code, shown.headers["Content-Type"]) == (200, "image/jpeg")
    assert shown.content[:3] == b"\xff\xd8\xff"
    assert shown.content == requests.get(fetched["url"], timeout=10).content  # the same blurred copy
    [request] = requests.get(f"{town.url}/open311/v2/requests/{case.reference}.json", timeout=10).json()
    media = requests.get(request["media_url"], timeout=10)
    assert (media.status_code, media.headers["Content-Type"]) == (200, "image/jpeg")


def test_a_validation_with_a_date_and_a_cost_tells_both_by_sms_and_on_the_page(town):
    town.sms(RESIDENT, POTHOLE)
    town.twilio.reset()
    case = town.case()
    agent = town.agent()
    page = f"/agents/dossiers/{case.reference}"
    day = (paris_at(12, 0) + timedelta(days=10)).date()

    answer = agent.post(page + "/statut", {"status": "validated", "message": "", "expected_on": day.isoformat(),
                                           "cost": "1200"}, form=page)
    assert answer.status_code == 200
    town.settle()

    [sms] = town.twilio.texts_to(RESIDENT)
    said = format_day(town.rt, day, "fr")
    assert f"Intervention prévue le {said}." in sms
    assert "Montant estimé : 1 200 €." in sms
    assert "sous" not in sms  # never the category's delay beside the agent's date

    tracking = requests.get(f"{town.url}/suivi/{case.reference}", timeout=10).text
    assert re.search(r'id="intervention-prevue">\s*' + str(day.day if day.day > 1 else "1er"), tracking)
    assert 'id="cout-estime">1 200 €<' in tracking
    with town.rt.db.session() as session:
        from gateway.cases.flows import as_json

        shown = as_json(town.rt, session, town.case())
    assert (shown["expected_on"], shown["cost_eur"]) == (day.isoformat(), 1200.0)

    later = day + timedelta(days=3)
    assert agent.post(page + "/planning", {"expected_on": later.isoformat()}, form=page).status_code == 200
    town.settle()
    assert f"nouvelle date d'intervention prévue le {format_day(town.rt, later, 'fr')}" in \
        town.twilio.texts_to(RESIDENT)[-1]
    with town.rt.db.session() as session:
        [*_, last] = session.exec(select(OutboxEntry).order_by(OutboxEntry.id)).all()
    assert last.status in ("wired", "sent", "delivered")


def test_an_agents_own_delay_replaces_the_categorys_in_the_validation(town):
    town.sms(RESIDENT, POTHOLE)
    town.twilio.reset()

    town.change("validated", message="Nous intervenons sous 5 jours.")
    town.settle()

    [sms] = town.twilio.texts_to(RESIDENT)
    assert "sous 5 jours" in sms and "15 jours" not in sms


def test_an_agents_photo_shows_on_the_tracking_page_when_the_media_folder_is_written_relative(make_town, tmp_path,
                                                                                              monkeypatch):
    monkeypatch.chdir(tmp_path)
    town = make_town(media_dir=Path("media"))  # GUICHET_MEDIA_DIR=media, as a .env may say
    town.sms(RESIDENT, POTHOLE)
    case = town.case()
    agent = town.agent()
    page = f"/agents/dossiers/{case.reference}"
    photo = image_bytes("JPEG", (64, 48), "darkgreen")
    assert agent.post(page + "/statut", {"status": "resolved", "message": "Rebouché."}, form=page,
                      files={"photo": ("apres.jpg", io.BytesIO(photo), "image/jpeg")}).status_code == 200

    tracking = requests.get(f"{town.url}/suivi/{case.reference}", timeout=10)
    src = re.search(r'<img src="([^"]+)" alt="Photo publiée', tracking.text).group(1)
    assert src.startswith("/open311/v2/media/agent/")
    shown = requests.get(town.url + src, timeout=10)
    assert (shown.status_code, shown.headers["Content-Type"]) == (200, "image/jpeg")


def test_the_api_validates_with_a_date_and_a_cost_and_refuses_an_unreadable_cost(town):
    from tests.gateway.web.backoffice.test_api import Api

    town.sms(RESIDENT, POTHOLE)
    town.twilio.reset()
    reference = town.case().reference
    api = Api(town.url, make_agent(town.rt, "api@mairie.example", services=("valmont-voirie",), token=True))
    day = (paris_at(12, 0) + timedelta(days=20)).date()

    refused = api.post(f"/cases/{reference}/status", {"status": "validated", "cost": "beaucoup"})
    answer = api.post(f"/cases/{reference}/status", {"status": "validated", "expected_on": day.isoformat(),
                                                     "cost": 1200.5})
    town.settle()

    assert refused.status_code == 422 and "coût" in refused.json()["error"]
    assert answer.status_code == 200
    assert (answer.json()["expected_on"], answer.json()["cost_eur"]) == (day.isoformat(), 1200.5)
    [sms] = town.twilio.texts_to(RESIDENT)  # the refused request told nobody
    assert "Montant estimé : 1 200,50 €." in sms
    moved = api.post(f"/cases/{reference}/plan", {"expected_on": (day + timedelta(days=1)).isoformat()})
    assert moved.status_code == 200 and moved.json()["expected_on"] == (day + timedelta(days=1)).isoformat()


def test_an_ideas_go_with_its_reasons_then_work_starting_reach_the_resident_together(make_town, time_machine):
    time_machine.move_to(paris_at(10, 0), tick=False)
    town = make_town(update_merge_seconds=30)
    town.sms(RESIDENT, "Je propose une piste cyclable sur le quai de Loire")
    assert town.case().kind == "idea"
    town.twilio.reset()

    town.change("go", message="Retenue au budget participatif : 40 votes pour.")
    time_machine.move_to(paris_at(10, 0) + timedelta(seconds=10), tick=False)
    town.change("in_progress", message="Les travaux commencent lundi.")
    time_machine.move_to(paris_at(10, 0) + timedelta(seconds=31), tick=False)
    town.settle()

    [update] = town.twilio.texts_to(RESIDENT)
    assert "votre idée est retenue" in update
    assert "Retenue au budget participatif : 40 votes pour." in update  # the decision's reasons are kept
    assert "Les travaux commencent lundi." in update


def test_the_command_line_validates_with_a_date_and_a_cost_the_resident_reads(town):
    from click.testing import CliRunner

    from gateway.cli import main
    from tests.conftest import gateway_env

    town.sms(RESIDENT, POTHOLE)
    town.twilio.reset()
    reference = town.case().reference
    day = (paris_at(12, 0) + timedelta(days=7)).date()

    bad = CliRunner().invoke(main, ["case", "update", reference, "--status", "validated", "--cost", "cher"],
                             env=gateway_env(town.rt))
    result = CliRunner().invoke(main, ["case", "update", reference, "--status", "validated", "--expected-on",
                                       day.isoformat(), "--cost", "350"], env=gateway_env(town.rt))
    town.settle()

    assert bad.exit_code != 0 and "coût illisible" in bad.output
    assert result.exit_code == 0, result.output
    [sms] = town.twilio.texts_to(RESIDENT)
    assert f"Intervention prévue le {format_day(town.rt, day, 'fr')}." in sms and "Montant estimé : 350 €." in sms
