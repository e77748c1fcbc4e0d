"""`guichet demo`: start the stand-ins, point the gateway at them, seed the demo's cases, serve."""

from __future__ import annotations

import json
import logging
import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

from channels.standins.smtp_relay import SmtpRelayStandin
from channels.standins.telegram import TelegramStandin
from channels.standins.twilio import TwilioStandin
from channels.telegram import Telegram
from gateway.demo import (
    DEMO_ACCOUNT_SID,
    DEMO_AGENTS,
    DEMO_AUTH_TOKEN,
    DEMO_DB,
    DEMO_INBOX,
    DEMO_NUMBER,
    DEMO_REPORTS,
    DEMO_STATE,
    DEMO_TELEGRAM_SECRET,
    DEMO_TELEGRAM_TOKEN,
)
from gateway.runtime import Runtime
from gateway.settings import Settings

log = logging.getLogger(__name__)

def demo_settings(*, port: int, smtp_port: int, twilio_url: str, relay_url: str, telegram_url: str,
                  database: Path) -> Settings:
    """The demo's settings: its own SQLite file and the local stand-ins, whatever the environment says; its
    sessions are signed with a key of its own (made at each start) unless GUICHET_SECRET_KEY gives one."""
    settings = Settings.from_env()
    return settings.replace(
        secret_key=secrets.token_urlsafe(32) if settings.is_published("secret_key") else settings.secret_key,
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
        twilio_whatsapp_from=DEMO_NUMBER,
        telegram_api_url=telegram_url,
        telegram_bot_token=DEMO_TELEGRAM_TOKEN,
        telegram_webhook_secret=DEMO_TELEGRAM_SECRET,
        media_hosts=(urlsplit(twilio_url).netloc, urlsplit(telegram_url).netloc),  # photos from the stand-ins only
        quiet_hours=None,
        # Short, so the simulator shows an update soon after the agent's change, and still shows merging:
        # changes made within it reach a resident as one message. GUICHET_UPDATE_MERGE_SECONDS overrides it.
        update_merge_seconds=(settings.update_merge_seconds if "GUICHET_UPDATE_MERGE_SECONDS" in os.environ
                              else 15.0),
    )


def run_demo(*, port: int, twilio_port: int, smtp_port: int, relay_port: int, telegram_port: int, fresh: bool,
             database: Path = DEMO_DB, state_file: Path = DEMO_STATE) -> None:
    """Start the stand-ins, seed the demo data once, and serve until interrupted."""
    from gateway.app import run_server
    from gateway.demo.simulator import simulator_blueprint

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
    telegram_bot = rt.channels["telegram"]
    assert isinstance(telegram_bot, Telegram)  # the demo's settings always configure the bot
    telegram_bot.set_webhook(f"{settings.public_url}/webhooks/telegram")
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
    try:
        run_server(rt, port, host="127.0.0.1", blueprints=[simulator_blueprint(state, twilio=twilio, telegram=telegram, relay=relay)])
    finally:
        telegram.stop()
        relay.stop()
        twilio.stop()


def seed(rt: Runtime) -> int:
    """Feed the demo reports through the conversation engine and move some along, once."""
    from channels.base import InboundMessage as Received
    from gateway.cases.flows import change_status
    from gateway.engine.conversation import ConversationEngine
    from store import cases as case_store
    from store import inbound
    from store.db import fetch
    from store.models import ReceivedMessage

    with rt.db.session() as session:
        if case_store.listing(session, limit=1):
            return 0
    _seed_agents(rt)
    engine = ConversationEngine(rt)
    for number, (sender, text, status) in enumerate(DEMO_REPORTS):
        received = Received(channel="sms", provider_id=f"SMdemo{number:028d}", sender=sender,
                            recipient=DEMO_NUMBER, text=text)
        with rt.db.session() as session:
            row = fetch(session, ReceivedMessage, inbound.record(session, received))
            engine.handle(session, row)
            inbound.mark_done(session, row)
            newest = case_store.listing(session, limit=1)
        if status and newest:
            with rt.db.session() as session:
                change_status(rt, session, reference=newest[0].reference, status=status, actor="demo",
                              message="Merci, nous nous en occupons." if status == "validated" else None)
    _seed_ideas(rt)
    _seed_event(rt)  # about the benches idea
    return len(DEMO_REPORTS)


def _seed_event(rt: Runtime) -> None:
    """Ideas: an upcoming café citoyen about a seeded idea, ten days ahead at 18:30, with two registrations."""
    from datetime import datetime, time, timedelta
    from zoneinfo import ZoneInfo

    from sqlmodel import col, select

    from gateway.ideas import events
    from store import contacts
    from store.models import Case

    with rt.db.session() as session:
        idea = session.exec(select(Case).where(col(Case.kind) == "idea", col(Case.description).contains("bancs"))
                            .order_by(col(Case.id))).first()
        day = datetime.now(ZoneInfo(rt.settings.timezone)).date() + timedelta(days=10)
        event = events.create(rt, session, title="De l'ombre au parc du château", kind="cafe_citoyen",
                              starts_local=datetime.combine(day, time(18, 30)), place="Salle des fêtes, place de la Mairie",
                              capacity=30, ideas=[idea.reference] if idea else [], theme=None if idea else "espaces_verts",
                              description="Un café pour discuter des bancs et des arbres du parc, avec l'élue aux espaces verts.",
                              invite=False)
        for number in ("+33611000006", "+33611000001"):
            identity = contacts.identity_for(session, channel="sms", address=number, gateway_address=DEMO_NUMBER)
            events.register(rt, session, event, identity)
        session.commit()


# The names agents show under; a référent is named publicly on the ideas they answer.
DEMO_NAMES = {"referent@valmont.localhost": "Claire Martin, référente participation citoyenne"}


# (idea, supporters' numbers, what the référent did: status, reasons, steps' (title, progress))
DEMO_IDEAS = [
    ("Des bancs à l'ombre au parc du château", 3, None, None, ()),
    ("Un composteur partagé rue Balzac", 2, "under_study", None, ()),
    ("Des jardinières au pied des arbres de la Grande Rue", 4, "go",
     "Adoptée au budget participatif : peu coûteuse, et les riverains s'engagent à arroser.",
     (("Choix des plantes avec les riverains", 20), ("Pose des premières jardinières", 40))),
    ("Une boîte à livres devant la médiathèque", 2, "done", "Retenue : la médiathèque la remplit chaque semaine.",
     (("Boîte installée", 100),)),
    ("Une piste de ski sur la place de la mairie", 1, "no_go",
     "Non retenue : la place accueille le marché et les secours doivent pouvoir y passer.", ()),
]


def _seed_ideas(rt: Runtime) -> None:
    """Ideas at every stage for the référent's pages (/agents/idees), answered by the demo's référent."""
    from datetime import timedelta

    from gateway.cases.agents import AgentUser
    from gateway.ideas import decisions, timeline
    from gateway.ideas.supports import support
    from store import agents as agent_store
    from store import cases as case_store
    from store import contacts
    from store.clock import utcnow

    with rt.db.session() as session:
        agent = agent_store.by_email(session, "referent@valmont.localhost")
        if agent is None:
            return
        who = AgentUser(agent)
        for number, (text, supporters, status, reasons, steps) in enumerate(DEMO_IDEAS):
            idea = case_store.create(session, prefix=rt.reference_prefix, kind="idea", category="espaces_verts",
                                     description=text, territory="valmont", channel="sms")
            for person in range(supporters):
                identity = contacts.identity_for(session, channel="sms", address=f"+336120000{number}{person}",
                                                 gateway_address=DEMO_NUMBER)
                support(session, idea, identity)
            if status is None:
                continue
            decisions.take(rt, session, who, idea.reference)
            if status == "under_study":
                decisions.under_study(rt, session, who, idea.reference,
                                      due_on=(utcnow() + timedelta(days=30)).date().isoformat())
            elif status == "no_go":
                decisions.no_go(rt, session, who, idea.reference, reasons=reasons)
            else:
                decisions.go(rt, session, who, idea.reference, reasons=reasons, cost="1 800",
                             period_start=utcnow().date().isoformat(),
                             period_end=(utcnow() + timedelta(days=90)).date().isoformat())
                for title, progress in steps:
                    timeline.publish_step(rt, session, who, idea.reference, title=title, progress=progress,
                                          done=progress == 100)


def _seed_agents(rt: Runtime) -> None:
    """The demo's back-office accounts (DEMO_AGENTS), so a person can log in at /agents."""
    from gateway.cases.agents import add_agent

    known = {service.code for service in rt.router.services.all()}
    with rt.db.session() as session:
        for email, role, services, password in DEMO_AGENTS:
            if not set(services) <= known:
                continue  # a town's own config (GUICHET_CONFIG_DIR) without the demo's services: the supervisor only
            name = DEMO_NAMES.get(email, email.split("@")[0].capitalize())
            add_agent(session, email=email, name=name, password=password, role=role,
                      services=services, known_services=known)
