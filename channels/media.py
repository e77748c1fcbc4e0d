"""Fetching a resident's photo from a provider, as an attacker cannot steer it.

A MediaUrl is what the webhook says, so it is not trusted: only the provider's media hosts are asked (a
setting), the account's credentials go to the provider's API host alone (a MediaUrl elsewhere, or the CDN a
redirect leads to, is asked without them; a redirect off the media hosts is not followed), the body is
streamed and cut at a size cap, and the whole fetch has a deadline. Anything else is `MediaUnavailable`.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import requests

from channels.base import ChannelSettings, MediaUnavailable

DEFAULT_MAX_BYTES = 10 * 1024 * 1024  # as GUICHET_MEDIA_MAX_BYTES and _TIMEOUT by default
DEFAULT_TIMEOUT = 20.0
MAX_REDIRECTS = 3
CHUNK = 64 * 1024
DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True)
class MediaPolicy:
    """Where photos may come from, how big and how fast."""

    hosts: tuple[str, ...]  # `host` (https on port 443: credentials never cross in clear) or `host:port`
    max_bytes: int
    timeout: float

    @classmethod
    def from_settings(cls, settings: ChannelSettings) -> MediaPolicy:
        """The policy the gateway's settings give (GUICHET_MEDIA_HOSTS, _MAX_BYTES, _TIMEOUT)."""
        return cls(hosts=settings.media_hosts, max_bytes=settings.media_max_bytes, timeout=settings.media_timeout)

    @classmethod
    def only(cls, api_url: str) -> MediaPolicy:
        """Photos from the host of `api_url` alone, with the default cap and timeout (an adapter built by hand)."""
        parts = urlsplit(api_url)
        return cls(hosts=(parts.netloc.rsplit("@", 1)[-1],), max_bytes=DEFAULT_MAX_BYTES, timeout=DEFAULT_TIMEOUT)

    def allows(self, url: str) -> bool:
        """Whether `url` is on one of the media hosts."""
        try:
            parts = urlsplit(url)
            port = parts.port or DEFAULT_PORTS.get(parts.scheme)
        except ValueError:
            return False
        if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
            return False
        host = parts.hostname.lower()
        return any(_matches(entry.strip().lower(), host, port, parts.scheme) for entry in self.hosts)


def _matches(entry: str, host: str, port: int | None, scheme: str) -> bool:
    name, _, wanted = entry.rpartition(":") if entry.rsplit(":", 1)[-1].isdigit() else (entry, "", "")
    if wanted:
        return name == host and int(wanted) == port
    return entry == host and scheme == "https" and port == 443


def fetch(url: str, policy: MediaPolicy, *, auth: tuple[str, str] | None = None,
          auth_url: str | None = None) -> tuple[bytes, str | None]:
    """The bytes and Content-Type at `url`; the credentials (`auth`) go only to the origin of `auth_url`
    (the provider's API)."""
    deadline = time.monotonic() + policy.timeout
    origin = _origin(auth_url) if auth_url else None
    with requests.Session() as session:
        session.trust_env = False  # no proxy or .netrc credentials picked up from the environment
        for _ in range(MAX_REDIRECTS + 1):
            if not policy.allows(url):
                raise MediaUnavailable("a photo's address is not on a media host of the provider",
                                       reason="foreign_host")
            try:
                response = session.get(url, auth=auth if _origin(url) == origin else None, stream=True,
                                       allow_redirects=False, timeout=policy.timeout)
            except requests.Timeout as err:
                raise MediaUnavailable("the provider did not send the photo in time", reason="timeout") from err
            except requests.RequestException as err:
                raise MediaUnavailable(f"cannot reach the photo: {type(err).__name__}",
                                       reason="unreachable") from err
            with response:
                if response.is_redirect and response.headers.get("Location"):
                    url = urljoin(url, response.headers["Location"])
                    continue
                if response.status_code != 200:
                    reason = "not_found" if response.status_code in (403, 404, 410) else "unreachable"
                    raise MediaUnavailable(f"the provider answered {response.status_code} for a photo",
                                           reason=reason)
                declared = response.headers.get("Content-Length", "")
                if declared.isdigit() and int(declared) > policy.max_bytes:
                    raise _too_big(policy)
                return _read(response.iter_content(CHUNK), policy, deadline), response.headers.get("Content-Type")
    raise MediaUnavailable("a photo's address redirects too many times", reason="unreachable")


def _read(chunks: Iterable[bytes], policy: MediaPolicy, deadline: float) -> bytes:
    body = bytearray()
    try:
        for chunk in chunks:
            body += chunk
            if len(body) > policy.max_bytes:
                raise _too_big(policy)
            if time.monotonic() > deadline:
                raise MediaUnavailable("the provider did not send the photo in time", reason="timeout")
    except requests.RequestException as err:
        raise MediaUnavailable(f"the photo was cut off: {type(err).__name__}", reason="unreachable") from err
    return bytes(body)


def _too_big(policy: MediaPolicy) -> MediaUnavailable:
    return MediaUnavailable(f"a photo of more than {policy.max_bytes} bytes", reason="too_big")


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    try:
        port = parts.port or DEFAULT_PORTS.get(parts.scheme)
    except ValueError:
        port = None
    return parts.scheme, (parts.hostname or "").lower(), port
