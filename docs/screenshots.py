"""Regenerate the screenshots: the public pages (docs/accueil.png, carte.png, statistiques.png, suivi.png), the
back office's case page (dossier.png) and the demo's simulator (simulateur.png).

Seeds a throw-away SQLite database with the demo's reports (through the real conversation engine) and a few
more, serves the gateway on a free port and photographs the pages with Chromium (/usr/bin/chromium, driven by
Playwright). No tile server is needed: tile requests are refused, as they are on a machine without Internet.

    .venv/bin/python docs/screenshots.py
"""

from __future__ import annotations

import sys
import tempfile
import threading
from datetime import timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from PIL import Image, ImageDraw  # noqa: E402
from sqlmodel import select  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

from gateway.settings import Settings  # noqa: E402

DOCS = REPO / "docs"
CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
               "--disable-sync", "--no-first-run"]
NUMBER = "+33700000000"
# (resident, message, days ago, [(status, message, days after the report)])
REPORTS = [
    ("+33611100001", "voiture AB-123-CD garée sur le trottoir devant le 14 rue Victor Hugo, rappelez-moi au "
                     "06 12 34 56 78", 3,
     [("validated", "La police municipale passe aujourd'hui.", 0.2),
      ("resolved", "Véhicule enlevé par la fourrière, le trottoir est dégagé. Merci !", 0.6)]),
    ("+33611100002", "Lampadaire éteint 30 rue Victor Hugo", 12, [("resolved", "Ampoule changée.", 5)]),
    ("+33611100003", "Branche cassée qui menace de tomber 5 Chemin du Moulin", 2, [("validated", None, 1)]),
    ("+33611100004", "Fuite d'eau 20 avenue Jean Jaurès", 1, []),
    ("+33611100005", "Tags sur le mur 10 rue de la Gare", 6, [("in_progress", "Nettoyage prévu vendredi.", 2)]),
    ("+33611100006", "Poubelle qui déborde 60 avenue Jean Jaurès", 4, [("resolved", None, 1)]),
]


def main() -> None:
    """Seed, serve, photograph."""
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        rt = runtime(folder)
        reference = seed(rt, folder)
        with serve(rt) as url:
            photograph(url, reference)
        rt.db.dispose()
    for name in ("accueil", "carte", "statistiques", "suivi", "dossier", "simulateur"):
        print(DOCS / f"{name}.png")


def runtime(folder: Path):
    """A runtime on a fresh SQLite database, with the demo's channels on offer."""
    from gateway.runtime import Runtime

    settings = Settings.from_env({}).replace(
        database_url=f"sqlite:///{folder / 'guichet.db'}",
        media_dir=folder / "media",
        twilio_sms_from=NUMBER,
        twilio_whatsapp_from=NUMBER,
        telegram_bot_token="demo",
        telegram_bot_name="ValmontGuichetBot",
        quiet_hours=None,
    )
    rt = Runtime(settings)
    rt.db.upgrade()
    return rt


def seed(rt, folder: Path) -> str:
    """The demo's reports, and a few more moved along their timeline in the past; returns the one to track."""
    from channels.base import InboundMessage as Received
    from gateway.cases.flows import change_status
    from gateway.demo.run import seed as demo_seed
    from gateway.engine.conversation import ConversationEngine
    from store import inbound
    from store.clock import utcnow
    from store.models import Case, CaseEvent, ReceivedMessage

    demo_seed(rt)
    engine = ConversationEngine(rt)
    tracked = None
    for number, (sender, text, days_ago, steps) in enumerate(REPORTS):
        received = Received(channel="sms", provider_id=f"SMshot{number:028d}", sender=sender, recipient=NUMBER,
                            text=text)
        with rt.db.session() as session:
            row = session.get(ReceivedMessage, inbound.record(session, received))
            engine.handle(session, row)
            inbound.mark_done(session, row)
            case = session.exec(select(Case).order_by(Case.id.desc())).first()
            # Reported some days ago: move the case and its first event back in time.
            shift = timedelta(days=days_ago)
            case.created_at -= shift
            case.updated_at -= shift
            case.due_at = case.due_at - shift if case.due_at else None
            for event in session.exec(select(CaseEvent).where(CaseEvent.case_id == case.id)).all():
                event.created_at -= shift
                session.add(event)
            session.add(case)
            reported, reference = utcnow() - shift, case.reference
        for status, message, after in steps:
            photo = None
            if status == "resolved" and tracked is None:
                photo = str(resolution_photo(rt.settings.media_dir, reference))
                tracked = reference
            with rt.db.session() as session:
                change_status(rt, session, reference=reference, status=status, message=message, photo=photo,
                              actor="demo", now=reported + timedelta(days=after))
    return tracked


def resolution_photo(media_dir: Path, reference: str) -> Path:
    """A drawn 'after' photo: a clear pavement along a street."""
    media_dir.mkdir(parents=True, exist_ok=True)
    path = media_dir / f"{reference}-apres.png"
    image = Image.new("RGB", (640, 400), "#9fc9ee")
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 170, 640, 260), fill="#d8cfc0")  # house fronts
    for x in range(20, 640, 110):
        draw.rectangle((x, 190, x + 40, 240), fill="#6b7b8c")
    draw.rectangle((0, 260, 640, 310), fill="#bdbdbd")  # the pavement, free again
    draw.rectangle((0, 310, 640, 400), fill="#555555")  # the road
    for x in range(0, 640, 80):
        draw.rectangle((x, 352, x + 40, 358), fill="#ffffff")
    draw.ellipse((480, 60, 600, 180), fill="#3a7d44")  # a tree
    draw.rectangle((532, 170, 548, 262), fill="#6d4c2f")
    image.save(path)
    return path


class serve:
    """The gateway for `rt` on a free local port, in a thread."""

    def __init__(self, rt):
        from channels.standins.smtp_relay import SmtpRelayStandin
        from channels.standins.telegram import TelegramStandin
        from channels.standins.twilio import TwilioStandin
        from gateway.app import create_app
        from gateway.demo.simulator import simulator_blueprint

        app = create_app(runtime=rt)
        # The simulator's page: its stand-ins are built, never started (nothing is sent from it here).
        app.register_blueprint(simulator_blueprint({}, twilio=TwilioStandin(), telegram=TelegramStandin(),
                                                   relay=SmtpRelayStandin()))
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        return f"http://127.0.0.1:{self.server.server_port}"

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.thread.join()


def photograph(url: str, reference: str) -> None:
    """Take the screenshots; every request that leaves the gateway (the map's tiles) is refused."""
    from playwright.sync_api import sync_playwright

    from gateway.demo import DEMO_AGENTS

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="fr-FR")
        page.route(lambda target: not target.startswith(url), lambda route: route.abort())
        page.goto(url + "/", wait_until="networkidle")
        page.screenshot(path=str(DOCS / "accueil.png"), full_page=True)
        page.goto(url + "/carte", wait_until="domcontentloaded")
        page.wait_for_selector("#carte[data-markers]")
        page.wait_for_timeout(500)
        page.screenshot(path=str(DOCS / "carte.png"), full_page=True)
        page.goto(url + "/statistiques", wait_until="domcontentloaded")
        page.locator("canvas[data-rendered]").nth(2).wait_for()  # the three charts drawn (no eval: the CSP refuses it)
        page.screenshot(path=str(DOCS / "statistiques.png"), full_page=True)
        page.goto(f"{url}/suivi/{reference}", wait_until="networkidle")
        page.screenshot(path=str(DOCS / "suivi.png"), full_page=True)
        page.goto(url + "/simulateur", wait_until="networkidle")
        page.screenshot(path=str(DOCS / "simulateur.png"), full_page=True)
        email, _, _, password = DEMO_AGENTS[0]
        page.goto(url + "/agents/connexion", wait_until="networkidle")
        page.fill("#email", email)
        page.fill("#password", password)
        page.click("button[type=submit]")
        page.wait_for_url("**/agents/")
        page.goto(f"{url}/agents/dossiers/{reference}", wait_until="networkidle")
        page.screenshot(path=str(DOCS / "dossier.png"), full_page=True)
        browser.close()


if __name__ == "__main__":
    main()
