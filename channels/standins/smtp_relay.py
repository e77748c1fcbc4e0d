"""A local SMTP relay that keeps what the gateway sends, and the resident's side of e-mail, for tests and the demo.

The relay is a real SMTP server (aiosmtpd), so the production code reaches it through `smtplib` with
`SMTP_RELAY_URL=smtp://127.0.0.1:PORT` exactly as it reaches a town's relay. It never delivers anything.
Switches make it refuse a recipient for good (`550`, a hard bounce) or defer every mail (`451`).
"""

from __future__ import annotations

import argparse
import logging
import re
import smtplib
import threading
import warnings
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from types import TracebackType
from typing import Any, Self

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

logger = logging.getLogger(__name__)


class _FreePortController(Controller):
    """aiosmtpd's controller, able to listen on a free port (port 0)."""

    def factory(self):
        # The stand-in listens on localhost only: AUTH without TLS is what it is for.
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Requiring AUTH while not requiring TLS")
            return SMTP(self.handler, **self.SMTP_kwargs)

    def _trigger_server(self):
        if not self.port and self.server is not None:
            self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


class _RelayHandler:
    def __init__(self, standin: SmtpRelayStandin):
        self.standin = standin

    async def handle_RCPT(self, server, session, envelope, address: str, rcpt_options) -> str:
        refusal = self.standin._refusal_for(address)
        if refusal:
            return refusal
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope) -> str:
        self.standin._keep(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content)
        return "250 2.0.0 Ok: queued"


class SmtpRelayStandin:
    """The relay: `start()`, then `.url` for SMTP_RELAY_URL, `.messages` for what arrived, `stop()`."""

    name = "SMTP relay stand-in"

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, credentials: tuple[str, str] | None = None):
        self._host = host
        self._port = port
        self._credentials = credentials
        self._controller: _FreePortController | None = None
        self._condition = threading.Condition()
        self.reset()

    # -- life cycle ------------------------------------------------------------------------------

    def start(self) -> Self:
        """Listen in a background thread."""
        if self._controller is None:
            options: dict[str, Any] = {}
            if self._credentials:
                # PLAIN only: after a refused PLAIN, smtplib's fallback to LOGIN stalls against aiosmtpd.
                options = {"authenticator": self._authenticate, "auth_required": True, "auth_require_tls": False,
                           "auth_exclude_mechanism": ["LOGIN"]}
            self._controller = _FreePortController(_RelayHandler(self), hostname=self._host, port=self._port,
                                                   server_hostname="relay.localhost", **options)
            self._controller.start()
            logger.info("%s listening on %s", self.name, self.address)
        return self

    def stop(self) -> None:
        """Stop listening and free the port."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.stop()

    @property
    def address(self) -> tuple[str, int]:
        if self._controller is None:
            raise RuntimeError(f"The {self.name} is not started: call start() first.")
        return self._host, self._controller.port

    @property
    def url(self) -> str:
        """What SMTP_RELAY_URL is set to: `smtp://127.0.0.1:PORT` (with the credentials when it asks for them)."""
        host, port = self.address
        user = f"{self._credentials[0]}:{self._credentials[1]}@" if self._credentials else ""
        return f"smtp://{user}{host}:{port}"

    # -- what arrived ----------------------------------------------------------------------------

    @property
    def messages(self) -> list[EmailMessage]:
        """The mails accepted so far, parsed, in order."""
        with self._condition:
            return list(self._messages)

    @property
    def envelopes(self) -> list[tuple[str, list[str]]]:
        """The envelope (MAIL FROM, RCPT TO) of each accepted mail."""
        with self._condition:
            return list(self._envelopes)

    def to(self, address: str) -> list[EmailMessage]:
        """The mails accepted for one recipient."""
        return [m for m, (_, rcpts) in zip(self.messages, self.envelopes, strict=True)
                if address.lower() in (r.lower() for r in rcpts)]

    def wait_for(self, n: int, timeout: float = 5.0) -> list[EmailMessage]:
        """Block until at least `n` mails were accepted and return them all."""
        with self._condition:
            if not self._condition.wait_for(lambda: len(self._messages) >= n, timeout=timeout):
                arrived = [(m["To"], m["Subject"]) for m in self._messages]
                raise AssertionError(f"Expected {n} mail(s) within {timeout} s, got {arrived}")
            return list(self._messages)

    # -- switches --------------------------------------------------------------------------------

    def refuse(self, address: str) -> None:
        """Refuse this recipient for good from now on: `550 5.1.1`, a hard bounce."""
        with self._condition:
            self._refused.add(address.lower())

    def defer(self, enabled: bool = True) -> None:
        """Answer every recipient `451 4.3.0` (a temporary failure) until switched off."""
        with self._condition:
            self._deferring = enabled

    def reset(self) -> None:
        """Forget every mail and switch refusals off."""
        with self._condition:
            self._messages: list[EmailMessage] = []
            self._envelopes: list[tuple[str, list[str]]] = []
            self._refused: set[str] = set()
            self._deferring = False

    def _refusal_for(self, address: str) -> str | None:
        with self._condition:
            if self._deferring:
                return "451 4.3.0 Temporary local problem, try again later"
            if address.lower() in self._refused:
                return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        return None

    def _keep(self, mail_from: str, rcpt_tos: list[str], raw: bytes) -> None:
        message = BytesParser(policy=policy.default).parsebytes(raw)
        with self._condition:
            self._messages.append(message)
            self._envelopes.append((mail_from, rcpt_tos))
            self._condition.notify_all()

    def _authenticate(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        ok = (isinstance(auth_data, LoginPassword) and self._credentials is not None
              and (auth_data.login.decode(), auth_data.password.decode()) == self._credentials)
        return AuthResult(success=ok, handled=False)


def send_eml(host: str, port: int, raw: bytes, *, rcpt_to: str, mail_from: str | None = None,
             announce_size: bool = True, timeout: float = 10.0) -> tuple[int, str]:
    """Deliver a raw mail as a resident's mail server would; the server's final `(code, text)`.

    Stops at the first refusal (RCPT or DATA) and returns it instead of raising, so tests can assert it.
    `mail_from` defaults to the From address; `""` sends a bounce's null reverse-path `<>`. The size is
    announced in MAIL FROM (`SIZE=`) when the server supports it, as mail servers do, unless `announce_size`
    is false.
    """
    raw = re.sub(rb"(?<!\r)\n", b"\r\n", raw)
    if mail_from is None:
        found = re.search(rb"^From:.*?<?([^<>\s]+@[^<>\s]+)>?\s*$", raw, re.M | re.I)
        mail_from = found.group(1).decode("ascii", "replace") if found else ""
    with smtplib.SMTP(host, port, timeout=timeout) as client:
        client.ehlo("mx.resident.example")
        options = [f"SIZE={len(raw)}"] if announce_size and client.has_extn("size") else []
        if client.has_extn("8bitmime"):
            options.append("BODY=8BITMIME")
        code, text = client.mail(mail_from, options)
        if code != 250:
            return code, text.decode("ascii", "replace")
        code, text = client.rcpt(rcpt_to)
        if code not in (250, 251):
            return code, text.decode("ascii", "replace")
        try:
            code, text = client.data(raw)
        except smtplib.SMTPDataError as err:
            return err.smtp_code, err.smtp_error.decode("ascii", "replace") if isinstance(err.smtp_error, bytes) \
                else str(err.smtp_error)
        return code, text.decode("ascii", "replace")


def main(argv: list[str] | None = None) -> None:
    """Run the relay in the foreground: `python -m channels.standins.smtp_relay --port 2526`."""
    parser = argparse.ArgumentParser(description="A local SMTP relay that keeps what it receives.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=2526)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    relay = SmtpRelayStandin(args.host, args.port).start()
    print(f"SMTP_RELAY_URL={relay.url}", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        relay.stop()


if __name__ == "__main__":
    main()
