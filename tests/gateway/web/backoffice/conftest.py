"""Back-office helpers: agents in the database, a logged-in browser session, cases opened by residents' SMS."""

from __future__ import annotations

import re

import pytest
import requests
from requests.adapters import HTTPAdapter
from sqlmodel import select

from gateway.cases.agents import add_agent, new_token
from store import agents as agent_store
from store.models import Case

PASSWORD = "correct horse battery"
RESIDENT, NEIGHBOUR, OTHER = "+33612345678", "+33698765432", "+33611112222"
SECURE = re.compile(r";\s*Secure(?=;|$)", re.IGNORECASE)
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class BehindTheProxy(HTTPAdapter):
    """The app's public URL is https (its cookies are `Secure`) and tests reach it over http, as a TLS proxy
    would: the browser on the other side of that proxy sends the cookies back, so the test's browser does too
    (the `Secure` attribute is read, then dropped before the cookie jar sees it)."""

    def build_response(self, req, resp):
        headers = resp._original_response.msg
        cookies = headers.get_all("Set-Cookie") or []
        self.secure_cookies = getattr(self, "secure_cookies", []) + [c for c in cookies if SECURE.search(c)]
        del headers["Set-Cookie"]
        for cookie in cookies:
            headers["Set-Cookie"] = SECURE.sub("", cookie)
        return super().build_response(req, resp)


class Browser:
    """An agent's browser on the back office: a requests session that logs in and posts forms with their token."""

    def __init__(self, base: str):
        self.base, self.http = base, requests.Session()
        self.proxy = BehindTheProxy()
        self.http.mount("http://", self.proxy)

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.http.get(self.base + path, **kwargs)

    def csrf(self, path: str) -> str:
        """The CSRF token of the form on `path`."""
        page = self.get(path)
        assert page.status_code == 200, page.text
        return CSRF.search(page.text).group(1)

    def login(self, email: str, password: str = PASSWORD) -> requests.Response:
        token = self.csrf("/agents/connexion")
        return self.http.post(self.base + "/agents/connexion",
                              data={"csrf_token": token, "email": email, "password": password})

    def post(self, path: str, data: dict, *, form: str, files: dict | None = None, **kwargs) -> requests.Response:
        """Post `data` with the CSRF token read from the page `form`, as the browser would."""
        return self.http.post(self.base + path, data={"csrf_token": self.csrf(form), **data}, files=files, **kwargs)


def make_agent(rt, email: str, *, role: str = "agent", services: tuple[str, ...] = (), token: bool = False):
    """Create an account (and a token) straight in the database; returns the token, if any."""
    secret = new_token() if token else None
    with rt.db.session() as session:
        agent = add_agent(session, email=email, name=email.split("@")[0], password=PASSWORD, role=role,
                          services=list(services), known_services={s.code for s in rt.router.services.all()})
        if secret:
            agent_store.add_token(session, agent, secret)
    return secret


def report(gateway, worker, sender: str, text: str) -> Case:
    """A resident's SMS, handled by the worker; returns the case it opened or joined."""
    gateway.sms(sender, text)
    worker.run_once()
    with gateway.rt.db.session() as session:
        return session.exec(select(Case).order_by(Case.updated_at.desc(), Case.id.desc())).first()


@pytest.fixture
def voirie(gateway, worker) -> Case:
    """A pothole, for the roads service (valmont-voirie)."""
    return report(gateway, worker, RESIDENT, "Nid de poule devant le 14 rue Victor Hugo")


@pytest.fixture
def agent(gateway) -> Browser:
    """A logged-in agent of the roads service."""
    make_agent(gateway.rt, "voirie@mairie.example", services=("valmont-voirie",))
    browser = Browser(gateway.url)
    assert browser.login("voirie@mairie.example").status_code == 200
    return browser
