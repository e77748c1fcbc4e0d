"""`guichet demo`: the whole gateway on one machine with no network and no provider account.

It starts local stand-ins of the providers (Twilio for SMS, WhatsApp and calls; the Telegram Bot
API; an SMTP relay for e-mail answers), points the gateway at them, seeds the demo territory's cases through the real
engine, writes where everything listens to `var/demo.json`, and serves. `guichet play CHANNEL`
then plays a resident on any channel against it.
"""

from __future__ import annotations

from channels.standins.telegram import DEFAULT_TOKEN
from gateway.settings import REPO

# The demo's room: run.py starts it, players.py plays residents against it, simulator.py is its web page.
# Nothing imports this package but the CLI (and the tests of the demo).

DEMO_TELEGRAM_TOKEN = DEFAULT_TOKEN
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
    ("referent@valmont.localhost", "referent", [], "guichet-demo"),  # answers every idea (no theme: all)
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
