"""One pothole, five residents, five channels: each is answered on their own channel and hears of every update there."""

from __future__ import annotations

import time
from datetime import timedelta
from email.message import EmailMessage
from email.utils import make_msgid

from sqlmodel import select

from channels.standins.smtp_relay import SmtpRelayStandin, send_eml
from channels.standins.telegram import TelegramStandin, post_update, text_update
from channels.standins.twilio import inbound_sms_params, inbound_whatsapp_params
from gateway.cases.flows import change_status
from gateway.inbound.smtp import start_smtp_server
from gateway.outbound.worker import Worker
from store.clock import utcnow
from store.models import Case, Follower
from tests.channels.voice.conftest import Phone
from tests.conftest import ACCOUNT_SID, GATEWAY_NUMBER, serve_app

SMS, WHATSAPP, CALLER = "+33611000001", "+33611000002", "+33247000003"  # the caller is on a landline
CHAT, MAIL, INBOX, SECRET = 4242, "camille@example.org", "guichet@valmont.example", "five-channel-secret"


def test_the_same_pothole_on_five_channels_reaches_each_resident_on_their_own(rt, make_runtime, twilio, tmp_path):
    with TelegramStandin() as telegram, SmtpRelayStandin() as relay:
        five = make_runtime(telegram_api_url=telegram.url, telegram_bot_token=telegram.token,
                            telegram_webhook_secret=SECRET, smtp_relay_url=relay.url, inbox=INBOX,
                            media_dir=tmp_path / "media")
        mail_server = start_smtp_server(five, port=0)
        worker = Worker(five)
        try:
            with serve_app(five) as gateway:
                gateway.post_signed("/webhooks/twilio/messages", inbound_sms_params(
                    from_=SMS, to=GATEWAY_NUMBER, body="Nid de poule devant le 14 rue Victor Hugo",
                    account_sid=ACCOUNT_SID))
                worker.run_once()
                gateway.post_signed("/webhooks/twilio/messages", inbound_whatsapp_params(
                    from_=WHATSAPP, to=GATEWAY_NUMBER, body="gros nid de poule au 15 rue Victor Hugo",
                    account_sid=ACCOUNT_SID))
                post_update(f"{gateway.url}/webhooks/telegram",
                            text_update(CHAT, "nid de poule 16 rue victor hugo"), SECRET)
                mail = EmailMessage()
                mail["From"], mail["To"], mail["Subject"] = MAIL, INBOX, "Trou dans la chaussée"
                mail["Message-ID"] = resident_mail_id = make_msgid(domain="example.org")
                mail.set_content("Bonjour, il y a un nid de poule devant le 13 rue Victor Hugo.")
                assert send_eml("127.0.0.1", mail_server.port, mail.as_bytes(), rcpt_to=INBOX)[0] == 250
                worker.run_once()

                call = Phone(gateway, CALLER)
                call.dial()
                call.press("1")
                call.say("il y a un nid de poule devant le 14 rue Victor Hugo")
                heard = call.press("1")
                worker.run_once()

                with five.db.session() as session:
                    [case] = session.exec(select(Case)).all()
                    followers = session.exec(select(Follower).where(Follower.case_id == case.id)).all()
                assert len(followers) == 5
                assert case.reference in answers_by_sms(twilio, SMS)[0]
                assert case.reference in answers_by_sms(twilio, f"whatsapp:{WHATSAPP}")[0]
                assert case.reference in telegram.sent[0]["text"]
                [acknowledged] = relay.to(MAIL)
                assert case.reference in acknowledged["Subject"]
                assert acknowledged["In-Reply-To"] == resident_mail_id
                assert "G U" in heard.text  # the reference, spelled out on the phone

                with five.db.session() as session:
                    change_status(five, session, reference=case.reference, status="validated",
                                  message="Intervention jeudi")
                # Telegram takes one message a second per chat: the update may wait for its turn.
                deadline = time.monotonic() + 10
                while "Intervention jeudi" not in telegram.sent[-1]["text"] and time.monotonic() < deadline:
                    worker.run_once(now=utcnow() + timedelta(seconds=5))
                    time.sleep(0.2)

                assert "Intervention jeudi" in answers_by_sms(twilio, SMS)[-1]
                assert "Intervention jeudi" in answers_by_sms(twilio, f"whatsapp:{WHATSAPP}")[-1]
                assert "Intervention jeudi" in telegram.sent[-1]["text"]
                update = relay.to(MAIL)[-1]
                assert case.reference in update["Subject"] and update["In-Reply-To"] == resident_mail_id
                assert "Intervention jeudi" in update.get_content()
                [placed] = [c for c in twilio.calls if c["to"] == CALLER]
                assert "Intervention jeudi" in placed["twiml"]
        finally:
            mail_server.stop()
            five.db.dispose()


def answers_by_sms(twilio, to: str) -> list[str]:
    """What the local Twilio was asked to send to one address (SMS or WhatsApp)."""
    return [m["body"] or m.get("content_variables") or "" for m in twilio.messages if m["to"] == to]
