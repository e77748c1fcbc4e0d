"""`guichet demo`: the whole gateway on one machine with no network and no provider account.

It starts the local Twilio stand-in, points the gateway at it, seeds the demo
territory's cases by sending real signed SMS through the real webhook, and serves.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import time
from pathlib import Path

import requests

from gateway.runtime import Runtime
from gateway.settings import REPO, Settings
from standins.twilio import TwilioStandin, inbound_sms_params, sign_and_post

log = logging.getLogger(__name__)

DEMO_DB = REPO / "var" / "demo.db"
DEMO_ACCOUNT_SID = "AC" + "d" * 32
DEMO_AUTH_TOKEN = "demo-auth-token"
DEMO_NUMBER = "+33700000000"
# (resident, message, status the demo moves the case to afterwards)
DEMO_REPORTS = [
    ("+33611000001", "Nid de poule devant le 14 rue Victor Hugo", "validated"),
    ("+33611000002", "Lampadaire éteint 8 avenue Jean Jaurès", "in_progress"),
    ("+33611000003", "Dépôt sauvage de sacs poubelle 3 Grande Rue", None),
    ("+33611000004", "Tag sur le mur de la mairie", "resolved"),
    ("+33611000005", "Le feu rouge ne marche plus carrefour boulevard Gambetta rue de la République", None),
    ("+33611000006", "Je propose une piste cyclable sur le quai de Loire", None),
]


def demo_settings(port: int, twilio_url: str, database: Path = DEMO_DB) -> Settings:
    """The demo's settings: its own SQLite file and the local Twilio, whatever the environment says."""
    return dataclasses.replace(
        Settings.from_env(),
        database_url=f"sqlite:///{database}",
        public_url=f"http://127.0.0.1:{port}",
        port=port,
        twilio_account_sid=DEMO_ACCOUNT_SID,
        twilio_auth_token=DEMO_AUTH_TOKEN,
        twilio_api_url=twilio_url,
        twilio_sms_from=DEMO_NUMBER,
        quiet_hours=None,
    )


def run_demo(*, port: int, twilio_port: int, fresh: bool, database: Path = DEMO_DB) -> None:
    """Start the stand-in, seed the demo data once, and serve until interrupted."""
    from gateway.cli import run_server

    if fresh:
        for path in (database, database.with_name(database.name + "-wal"), database.with_name(database.name + "-shm")):
            path.unlink(missing_ok=True)
    twilio = TwilioStandin(account_sid=DEMO_ACCOUNT_SID, auth_token=DEMO_AUTH_TOKEN, port=twilio_port).start()
    twilio.callbacks(enabled=True, delivered=True)
    rt = Runtime(demo_settings(port, twilio.url, database))
    rt.db.upgrade()
    seed(rt)
    os.environ["GUICHET_DEMO_TWILIO_URL"] = twilio.url
    print(f"Local Twilio stand-in on {twilio.url} (messages sent: {twilio.url}/_standin/messages)")
    print(f'Try: .venv/bin/guichet sms +33612345678 "Nid de poule devant le 20 rue Victor Hugo" '
          f"--gateway http://127.0.0.1:{port}")
    try:
        run_server(rt, port)
    finally:
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


def play_sms(sender: str, text: str, *, gateway: str | None, wait: float) -> list[str]:
    """Post a signed SMS to the gateway as Twilio would and return the answers the stand-in received."""
    settings = Settings.from_env()
    base = (gateway or settings.public_url).rstrip("/")
    twilio_url = os.environ.get("GUICHET_DEMO_TWILIO_URL", "http://127.0.0.1:8089")
    before = len(requests.get(f"{twilio_url}/_standin/messages", timeout=5).json())
    params = inbound_sms_params(from_=sender, to=DEMO_NUMBER, body=text, account_sid=DEMO_ACCOUNT_SID)
    response = sign_and_post(f"{base}/webhooks/twilio/messages", params, DEMO_AUTH_TOKEN)
    response.raise_for_status()
    deadline, answers = time.monotonic() + wait, []
    while time.monotonic() < deadline:
        sent = requests.get(f"{twilio_url}/_standin/messages", timeout=5).json()[before:]
        answers = [m["body"] for m in sent if m["to"] == sender]
        if answers and time.monotonic() > deadline - wait + 1.0:
            break
        time.sleep(0.2)
    return answers

