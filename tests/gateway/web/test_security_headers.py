"""Every answer carries the security headers; the session cookie is SameSite=Lax, and Secure over https."""

from __future__ import annotations

import re

import pytest
import requests

from gateway.web.security import tile_sources
from tests.conftest import serve_app

PAGES = ("/", "/carte", "/statistiques", "/agents/connexion", "/open311/v2/services.json", "/healthz",
         "/no-such-page")


@pytest.mark.parametrize("path", PAGES)
def test_every_page_carries_the_security_headers(gateway, path):
    headers = requests.get(gateway.url + path).headers

    policy = headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in policy
    assert "script-src 'self';" in policy and "object-src 'none'" in policy
    assert "unsafe-eval" not in policy and "script-src 'self' 'unsafe-inline'" not in policy
    assert "style-src 'self';" in policy  # styles from files only, no 'unsafe-inline'
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert headers["X-Frame-Options"] == "DENY"
    # The test gateway's public URL is https: browsers are told to keep to it.
    assert headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_the_map_tiles_host_is_allowed_for_images(gateway):
    policy = requests.get(gateway.url + "/carte").headers["Content-Security-Policy"]

    assert re.search(r"img-src 'self' data: blob: https://tile\.openstreetmap\.org;", policy), policy
    assert tile_sources("https://{s}.tile.example.org/{z}/{x}/{y}.png") == " https://*.tile.example.org"
    assert tile_sources("/tiles/{z}/{x}/{y}.png") == ""


def test_over_plain_http_there_is_no_hsts_and_cookies_are_not_secure(rt, make_runtime):
    runtime = make_runtime(public_url="http://127.0.0.1:8000")
    with serve_app(runtime) as gateway:
        page = requests.get(gateway.url + "/agents/connexion")

    assert "Strict-Transport-Security" not in page.headers
    cookie = page.headers["Set-Cookie"]
    assert "SameSite=Lax" in cookie and "HttpOnly" in cookie
    assert "Secure" not in cookie


def test_over_https_the_session_cookie_is_secure_and_same_site(gateway):
    cookie = requests.get(gateway.url + "/agents/connexion").headers["Set-Cookie"]

    assert cookie.startswith("session=")
    assert "; Secure" in cookie and "SameSite=Lax" in cookie and "HttpOnly" in cookie
