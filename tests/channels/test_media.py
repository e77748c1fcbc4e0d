"""Fetching a photo: only from the media hosts, credentials to the MediaUrl's own host only, size capped."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from flask import Flask, Response, request
from werkzeug.serving import make_server

from channels.base import MediaUnavailable
from channels.media import MediaPolicy, fetch

AUTH = ("AC" + "1" * 32, "secret-token")


@contextmanager
def host(address: str, answer) -> Iterator[tuple[str, list[dict]]]:
    """A web server on `address` that records each request's headers and gives `answer(path)`."""
    seen: list[dict] = []
    app = Flask(__name__)

    @app.route("/<path:path>")
    def anything(path: str):
        seen.append(dict(request.headers))
        return answer(path)

    server = make_server(address, 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://{address}:{server.server_port}", seen
    finally:
        server.shutdown()
        thread.join()


def policy(*urls: str, max_bytes: int = 1000) -> MediaPolicy:
    return MediaPolicy(hosts=tuple(url.split("//", 1)[1] for url in urls), max_bytes=max_bytes, timeout=5)


def test_a_redirect_to_the_cdn_is_followed_without_the_credentials():
    with host("127.0.0.2", lambda path: Response(b"pixels", mimetype="image/jpeg")) as (cdn, at_cdn), \
            host("127.0.0.1", lambda path: Response(status=307, headers={"Location": f"{cdn}/media/1"})) as \
            (api, at_api):
        data, content_type = fetch(f"{api}/Media/ME1", policy(api, cdn), auth=AUTH, auth_url=api)

    assert (data, content_type) == (b"pixels", "image/jpeg")
    assert at_api[0]["Authorization"].startswith("Basic ")
    assert "Authorization" not in at_cdn[0]


def test_a_media_url_on_a_media_host_other_than_the_api_gets_no_credentials():
    with host("127.0.0.2", lambda path: Response(b"pixels", mimetype="image/jpeg")) as (cdn, at_cdn):
        fetch(f"{cdn}/media/1", policy("http://127.0.0.1:9", cdn), auth=AUTH, auth_url="http://127.0.0.1:9")

    assert "Authorization" not in at_cdn[0]


def test_a_redirect_off_the_media_hosts_is_not_followed():
    with host("127.0.0.2", lambda path: Response(b"internal")) as (elsewhere, seen), \
            host("127.0.0.1", lambda path: Response(status=302, headers={"Location": f"{elsewhere}/metrics"})) as \
            (api, _):
        with pytest.raises(MediaUnavailable) as refused:
            fetch(f"{api}/Media/ME1", policy(api), auth=AUTH, auth_url=api)

    assert (refused.value.reason, seen) == ("foreign_host", [])


@pytest.mark.parametrize("url", ["http://127.0.0.1:9/x", "https://api.twilio.com.evil.example/x", "file:///etc/passwd",
                                 "http://api.twilio.com/x", "https://api.twilio.com:8443/x", "//api.twilio.com/x"])
def test_only_the_media_hosts_on_their_port_are_allowed(url):
    assert not MediaPolicy(hosts=("api.twilio.com",), max_bytes=1, timeout=1).allows(url)
    assert MediaPolicy(hosts=("api.twilio.com",), max_bytes=1, timeout=1).allows("https://api.twilio.com/x")


@pytest.mark.parametrize("chunked", [False, True])
def test_a_body_past_the_cap_is_refused(chunked):
    def body(path):
        return Response((b"x" * 500 for _ in range(10)) if chunked else b"x" * 5000, mimetype="image/jpeg")

    with host("127.0.0.1", body) as (api, _):
        with pytest.raises(MediaUnavailable) as refused:
            fetch(f"{api}/Media/ME1", policy(api), auth=AUTH)

    assert refused.value.reason == "too_big"
