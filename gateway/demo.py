"""`guichet demo`: the whole gateway on one machine with no network and no provider account.

It starts local stand-ins of the providers (Twilio for SMS, WhatsApp and calls; the Telegram Bot
API; an SMTP relay for e-mail answers), points the gateway at them, seeds the demo territory's cases through the real
engine, writes where everything listens to `var/demo.json`, and serves. `guichet play CHANNEL`
then plays a resident on any channel against it.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import time
from collections.abc import Callable
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

from gateway.runtime import Runtime
from gateway.settings import REPO, Settings
from standins.smtp_relay import SmtpRelayStandin, send_eml
from standins.telegram import DEFAULT_TOKEN as DEMO_TELEGRAM_TOKEN
from standins.telegram import TelegramStandin, location_update, post_update, text_update
from standins.twilio import TwilioStandin, inbound_sms_params, inbound_whatsapp_params, sign_and_post

log = logging.getLogger(__name__)

DEMO_DB = REPO / "var" / "demo.db"
DEMO_STATE = REPO / "var" / "demo.json"
DEMO_ACCOUNT_SID = "AC" + "d" * 32
DEMO_AUTH_TOKEN = "demo-auth-token"
DEMO_NUMBER = "+33700000000"
DEMO_INBOX = "guichet@valmont.localhost"
DEMO_TELEGRAM_SECRET = "demo-telegram-secret"
# Back-office accounts of the demo (never of a real install): (e-mail, role, services, password).
DEMO_AGENTS = [
    ("superviseur@valmont.localhost", "supervisor", [], "guichet-demo"),
    ("voirie@valmont.localhost", "agent", ["valmont-voirie"], "guichet-demo"),
]
# (resident, message, status the demo moves the case to afterwards)
DEMO_REPORTS = [
    ("+33611000001", "Nid de poule devant le 14 rue Victor Hugo", "validated"),
    ("+33611000002", "Lampadaire éteint 8 avenue Jean Jaurès", "in_progress"),
    ("+33611000003", "Dépôt sauvage de sacs poubelle 3 Grande Rue", None),
    ("+33611000004", "Tag sur le mur de la mairie", "resolved"),
    ("+33611000005", "Le feu rouge ne marche plus carrefour boulevard Gambetta rue de la République", None),
    ("+33611000006", "Je propose une piste cyclable sur le quai de Loire", None),
]


def demo_settings(*, port: int, smtp_port: int, twilio_url: str, relay_url: str, telegram_url: str,
                  database: Path) -> Settings:
    """The demo's settings: its own SQLite file and the local stand-ins, whatever the environment says."""
    return dataclasses.replace(
        Settings.from_env(),
        database_url=f"sqlite:///{database}",
        public_url=f"http://127.0.0.1:{port}",
        port=port,
        smtp_port=smtp_port,
        inbox=DEMO_INBOX,
        smtp_relay_url=relay_url,
        twilio_account_sid=DEMO_ACCOUNT_SID,
        twilio_auth_token=DEMO_AUTH_TOKEN,
        twilio_api_url=twilio_url,
        twilio_sms_from=DEMO_NUMBER,
        twilio_whatsapp_from=f"whatsapp:{DEMO_NUMBER}",
        telegram_api_url=telegram_url,
        telegram_bot_token=DEMO_TELEGRAM_TOKEN,
        telegram_webhook_secret=DEMO_TELEGRAM_SECRET,
        quiet_hours=None,
    )


def run_demo(*, port: int, twilio_port: int, smtp_port: int, relay_port: int, telegram_port: int, fresh: bool,
             database: Path = DEMO_DB, state_file: Path = DEMO_STATE) -> None:
    """Start the stand-ins, seed the demo data once, and serve until interrupted."""
    from gateway.cli import run_server

    if fresh:
        for path in (database, database.with_name(database.name + "-wal"), database.with_name(database.name + "-shm")):
            path.unlink(missing_ok=True)
    twilio = TwilioStandin(account_sid=DEMO_ACCOUNT_SID, auth_token=DEMO_AUTH_TOKEN, port=twilio_port).start()
    twilio.callbacks(enabled=True, delivered=True)
    relay = SmtpRelayStandin(port=relay_port).start()
    telegram = TelegramStandin(port=telegram_port).start()
    settings = demo_settings(port=port, smtp_port=smtp_port, twilio_url=twilio.url, relay_url=relay.url,
                             telegram_url=telegram.url, database=database)
    rt = Runtime(settings)
    rt.db.upgrade()
    seed(rt)
    rt.channels["telegram"].set_webhook(f"{settings.public_url}/webhooks/telegram")
    state = {
        "gateway": settings.public_url, "database": settings.database_url, "smtp_port": smtp_port,
        "inbox": DEMO_INBOX, "twilio": twilio.url, "relay": relay.url, "telegram": telegram.url,
    }
    state_file.parent.mkdir(parents=True, exist_ok=True)
    state_file.write_text(json.dumps(state, indent=2))
    print(f"Local Twilio on {twilio.url} (what it sent: {twilio.url}/_standin/messages); "
          f"SMTP relay on {relay.url}; mail for {DEMO_INBOX} on port {smtp_port}")
    print(f"Back office: {settings.public_url}/agents/ — {DEMO_AGENTS[0][0]} / {DEMO_AGENTS[0][3]}")
    print(f"Simulator: {settings.public_url}/simulateur — or from a terminal: "
          '.venv/bin/guichet play sms +33612345678 "Nid de poule devant le 20 rue Victor Hugo"')
    from gateway.simulator import simulator_blueprint

    try:
        run_server(rt, port, blueprints=[simulator_blueprint(state, twilio=twilio, telegram=telegram, relay=relay)])
    finally:
        telegram.stop()
        relay.stop()
        twilio.stop()


def seed(rt: Runtime) -> int:
    """Feed the demo reports through the conversation engine and move some along, once."""
    from channels.base import InboundMessage as Received
    from gateway.cases import change_status
    from gateway.conversation import ConversationEngine
    from store import cases as case_store
    from store import inbound
    from store.models import InboundMessage

    with rt.db.session() as session:
        if case_store.listing(session, limit=1):
            return 0
    _seed_agents(rt)
    engine = ConversationEngine(rt)
    for number, (sender, text, status) in enumerate(DEMO_REPORTS):
        received = Received(channel="sms", provider_id=f"SMdemo{number:028d}", sender=sender,
                            recipient=DEMO_NUMBER, text=text)
        with rt.db.session() as session:
            row = session.get(InboundMessage, inbound.record(session, received))
            engine.handle(session, row)
            inbound.mark_done(session, row)
            newest = case_store.listing(session, limit=1)
        if status and newest:
            with rt.db.session() as session:
                change_status(rt, session, reference=newest[0].reference, status=status, actor="demo",
                              message="Merci, nous nous en occupons." if status == "validated" else None)
    return len(DEMO_REPORTS)


def _seed_agents(rt: Runtime) -> None:
    """The demo's back-office accounts (DEMO_AGENTS), so a person can log in at /agents."""
    from gateway.backoffice import add_agent

    known = {service.code for service in rt.router.services.all()}
    with rt.db.session() as session:
        for email, role, services, password in DEMO_AGENTS:
            add_agent(session, email=email, name=email.split("@")[0].capitalize(), password=password, role=role,
                      services=services, known_services=known)


def play(channel: str, sender: str, text: str, *, wait: float = 5.0, location: tuple[float, float] | None = None,
         subject: str | None = None, state_file: Path = DEMO_STATE) -> list[str]:
    """Play a resident writing on `channel` to the running demo; returns the answers the gateway sent them."""
    state = json.loads(state_file.read_text())
    started = time.monotonic()
    send_as_resident(state, channel, sender, text, location=location, subject=subject)
    return _answers(state["database"], channel, sender, since=started, wait=wait)


def send_as_resident(state: dict, channel: str, sender: str, text: str, *,
                     location: tuple[float, float] | None = None, subject: str | None = None) -> None:
    """Write to the demo as a resident would on `channel`: through the provider's real webhook or SMTP."""
    if channel in ("sms", "whatsapp"):
        if channel == "sms":
            params = inbound_sms_params(from_=sender, to=DEMO_NUMBER, body=text, account_sid=DEMO_ACCOUNT_SID)
        else:
            params = inbound_whatsapp_params(from_=sender, to=DEMO_NUMBER, body=text, location=location,
                                             account_sid=DEMO_ACCOUNT_SID)
        response = sign_and_post(f"{state['gateway']}/webhooks/twilio/messages", params, DEMO_AUTH_TOKEN)
        response.raise_for_status()
    elif channel == "telegram":
        update = (location_update(int(sender), *location) if location and not text
                  else text_update(int(sender), text))
        post_update(f"{state['gateway']}/webhooks/telegram", update, DEMO_TELEGRAM_SECRET).raise_for_status()
    elif channel == "email":
        mail = EmailMessage()
        mail["From"], mail["To"] = sender, state["inbox"]
        mail["Subject"] = subject or "Signalement"
        mail["Message-ID"] = make_msgid(domain="demo.localhost")
        mail.set_content(text)
        code, reply = send_eml("127.0.0.1", state["smtp_port"], mail.as_bytes(), rcpt_to=state["inbox"])
        if code != 250:
            raise RuntimeError(f"the gateway refused the mail: {code} {reply}")
    else:
        raise ValueError(f"the demo plays sms, whatsapp, telegram and email, not {channel}")


def play_call(caller: str, answer: Callable[[], str | None], *, state_file: Path = DEMO_STATE,
              echo: Callable[[str], None] = print) -> list[str]:
    """Call the running demo's phone line as Twilio would; returns everything the caller heard.

    `answer()` gives the caller's next move: keys ("1"), words said, "" for silence, None to hang up;
    `echo` shows what the caller hears.
    """
    state = json.loads(state_file.read_text())
    step = call_step(state, caller)
    heard = []
    while True:
        for said in step.says:
            echo(f"« {said} »")
        heard.extend(step.says)
        entry = answer() if not step.ended else None
        if entry is None:
            return heard
        step = call_step(state, caller, call_sid=step.call_sid, gather=step.gather, redirect=step.redirect,
                         entry=entry)


@dataclasses.dataclass(frozen=True)
class CallStep:
    """What a caller hears after one move, and where Twilio would go next."""

    call_sid: str
    says: list[str]
    gather: str | None  # where keys or speech go
    redirect: str | None  # where silence goes
    ended: bool


def call_step(state: dict, caller: str, *, call_sid: str | None = None, gather: str | None = None,
              redirect: str | None = None, entry: str | None = None) -> CallStep:
    """One request of a call as Twilio makes it: the ring (no `call_sid`), keys, words, or silence ("")."""
    import xml.etree.ElementTree as ET

    from standins.twilio import inbound_call_params

    if call_sid is None:
        path = "/webhooks/twilio/voice"
        params = inbound_call_params(from_=caller, to=DEMO_NUMBER, account_sid=DEMO_ACCOUNT_SID)
    else:
        params = inbound_call_params(from_=caller, to=DEMO_NUMBER, call_sid=call_sid, call_status="in-progress",
                                     account_sid=DEMO_ACCOUNT_SID)
        move = (entry or "").strip()
        if not move:
            path = redirect
        elif move.isdigit() or move in ("*", "#"):
            path, params = gather, {**params, "Digits": move}
        else:
            path, params = gather, {**params, "SpeechResult": move, "Confidence": "0.92"}
    response = sign_and_post(state["gateway"] + path, params, DEMO_AUTH_TOKEN)
    response.raise_for_status()
    says, next_gather, next_redirect = [], None, None
    for verb in ET.fromstring(response.text):
        says.extend(say.text or "" for say in ([verb] if verb.tag == "Say" else verb.iter("Say")))
        if verb.tag in ("Gather", "Record"):
            next_gather = verb.attrib["action"]
        elif verb.tag == "Redirect":
            next_redirect = verb.text
        elif verb.tag == "Dial":
            says.append(f"(la ligne appelle le {verb.text})")
    return CallStep(params["CallSid"], says, next_gather, next_redirect,
                    ended=next_gather is None and next_redirect is None)


def _answers(database_url: str, channel: str, sender: str, *, since: float, wait: float) -> list[str]:
    """What the gateway handed to the provider for this resident, waiting up to `wait` seconds for it."""
    from store.contacts import normalise_phone
    from store.db import Database
    from store.outbox import sent_to

    address = sender if channel in ("email", "telegram") else normalise_phone(sender) or sender
    database = Database(database_url)
    seen: list[str] = []
    while time.monotonic() - since < wait:
        with database.session() as session:
            seen = sent_to(session, channel=channel, address=address.lower() if channel == "email" else address,
                           since_seconds=time.monotonic() - since + 1)
        if seen and time.monotonic() - since > 1.5:
            break
        time.sleep(0.2)
    database.dispose()
    return seen
