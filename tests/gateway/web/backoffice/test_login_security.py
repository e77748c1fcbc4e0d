"""Logging in over HTTP: no open redirect, failures counted atomically, throttled per address so that nobody can
lock a person out, and a session cookie that stops working at logout."""

from __future__ import annotations

import html
import threading

import pytest
import requests
from click.testing import CliRunner

from gateway.cases.agents import MAX_FAILED_LOGINS
from gateway.cli import main
from store import agents as agent_store
from tests.conftest import gateway_env, serve_app
from tests.gateway.web.backoffice.conftest import PASSWORD, Browser, make_agent

EMAIL = "voirie@mairie.example"


class Behind(Browser):
    """A browser behind the town's reverse proxy, which writes the client's address in X-Forwarded-For."""

    def __init__(self, base: str, address: str):
        super().__init__(base)
        self.http.headers["X-Forwarded-For"] = address


def login_to(browser: Browser, next_path: str, password: str = PASSWORD) -> requests.Response:
    token = browser.csrf("/agents/connexion")
    return browser.http.post(f"{browser.base}/agents/connexion?next={next_path}", allow_redirects=False,
                             data={"csrf_token": token, "email": EMAIL, "password": password})


def failed_logins(rt) -> int:
    with rt.db.session() as session:
        agent = agent_store.by_email(session, EMAIL)
        assert agent is not None
        return agent.failed_logins


@pytest.mark.parametrize("next_path", ["/%09/evil.example", "/%0a/evil.example", "//evil.example",
                                       "/\\evil.example", "https://evil.example/agents/", "/%0d%0aSet-Cookie:x=1"])
def test_after_login_next_never_leads_off_site_nor_fails(gateway, next_path):
    make_agent(gateway.rt, EMAIL, services=("valmont-voirie",))

    response = login_to(Browser(gateway.url), next_path)

    assert response.status_code == 303
    assert response.headers["Location"] == "/agents/"


def test_after_login_next_leads_to_a_page_of_the_site(gateway):
    make_agent(gateway.rt, EMAIL, services=("valmont-voirie",))

    response = login_to(Browser(gateway.url), "/agents/carte?status=all")

    assert (response.status_code, response.headers["Location"]) == (303, "/agents/carte?status=all")


def test_eight_wrong_passwords_at_once_count_as_eight(rt, make_runtime):
    proxied = make_runtime(trusted_proxies=1)
    make_agent(proxied, EMAIL, services=("valmont-voirie",))
    with serve_app(proxied) as gateway:
        browsers = [Behind(gateway.url, f"203.0.113.{n}") for n in range(8)]
        tokens = [browser.csrf("/agents/connexion") for browser in browsers]
        start, answers = threading.Barrier(8), []

        def guess(browser: Browser, token: str) -> None:
            start.wait()
            answers.append(browser.http.post(f"{gateway.url}/agents/connexion", data={
                "csrf_token": token, "email": EMAIL, "password": "not the password"}).status_code)

        threads = [threading.Thread(target=guess, args=pair) for pair in zip(browsers, tokens, strict=True)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    assert answers == [401] * 8
    assert failed_logins(rt) == 8


def test_the_failure_count_is_one_update_even_from_threads(rt):
    make_agent(rt, EMAIL, services=("valmont-voirie",))

    def fail() -> None:
        with rt.db.session() as session:
            agent = agent_store.by_email(session, EMAIL)
            assert agent is not None
            agent_store.count_failed_login(session, agent)

    threads = [threading.Thread(target=fail) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failed_logins(rt) == 8


def test_guessing_from_elsewhere_throttles_the_guesser_not_the_agent(rt, make_runtime):
    proxied = make_runtime(trusted_proxies=1)
    make_agent(proxied, EMAIL, services=("valmont-voirie",))
    with serve_app(proxied) as gateway:
        attacker, agent = Behind(gateway.url, "198.51.100.7"), Behind(gateway.url, "192.0.2.10")
        guesses = [attacker.login(EMAIL, "not the password").status_code for _ in range(MAX_FAILED_LOGINS + 1)]
        refused = attacker.login(EMAIL)  # even the right password, from the throttled address
        welcomed = agent.login(EMAIL)

    assert guesses == [401] * MAX_FAILED_LOGINS + [429]
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert "Trop d'essais depuis cette adresse" in html.unescape(refused.text)
    assert welcomed.status_code == 200 and "Se déconnecter" in welcomed.text


def test_x_forwarded_for_is_ignored_without_a_trusted_proxy(gateway):
    make_agent(gateway.rt, EMAIL, services=("valmont-voirie",))
    answers = [Behind(gateway.url, f"203.0.113.{n}").login(EMAIL, "wrong").status_code
               for n in range(MAX_FAILED_LOGINS + 1)]

    assert answers == [401] * MAX_FAILED_LOGINS + [429]  # one address, whatever the header claims


def test_the_login_form_answers_429_past_its_rate_per_address(rt, make_runtime):
    limited = make_runtime(login_rate_limit="3/minute")
    make_agent(limited, EMAIL, services=("valmont-voirie",))
    with serve_app(limited) as gateway:
        browser = Browser(gateway.url)
        answers = [browser.login(EMAIL, "wrong") for _ in range(4)]

    assert [a.status_code for a in answers] == [401, 401, 401, 429]
    assert int(answers[3].headers["Retry-After"]) > 0
    assert "Trop de demandes" in answers[3].text and 'lang="fr"' in answers[3].text


def test_a_session_cookie_stops_working_after_logout(gateway):
    make_agent(gateway.rt, EMAIL, services=("valmont-voirie",))
    browser = Browser(gateway.url)
    assert browser.login(EMAIL).status_code == 200
    stolen = requests.Session()
    stolen.cookies.update(browser.http.cookies)
    assert stolen.get(gateway.url + "/agents/", allow_redirects=False).status_code == 200

    browser.post("/agents/deconnexion", {}, form="/agents/")
    replayed = stolen.get(gateway.url + "/agents/", allow_redirects=False)

    assert replayed.status_code == 302 and "/agents/connexion" in replayed.headers["Location"]
    assert browser.login(EMAIL).status_code == 200  # logging in again works


def test_a_password_change_ends_the_sessions_open_with_the_old_one(gateway):
    make_agent(gateway.rt, EMAIL, services=("valmont-voirie",))
    browser = Browser(gateway.url)
    assert browser.login(EMAIL).status_code == 200

    changed = CliRunner().invoke(main, ["user", "password", EMAIL, "--password", "un autre mot de passe"],
                                 env=gateway_env(gateway.rt))

    assert changed.exit_code == 0, changed.output
    assert browser.get("/agents/", allow_redirects=False).status_code == 302
    assert Browser(gateway.url).login(EMAIL, "un autre mot de passe").status_code == 200
