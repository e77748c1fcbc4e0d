"""E-mail fixtures: the adapter, the .eml files, a local SMTP relay and the gateway's SMTP server on a free port."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from channels.base import InboundMessage
from channels.email import Email
from channels.standins.smtp_relay import SmtpRelayStandin, send_eml
from gateway.inbound.smtp import start_smtp_server
from nlu.references import find_references

FIXTURES = Path(__file__).parent / "fixtures"
INBOX = "guichet@valmont.example"
RESIDENT = "camille.martin@example.org"


def eml(name: str) -> bytes:
    """The raw bytes of one fixture."""
    return (FIXTURES / f"{name}.eml").read_bytes()


def adapter(relay_url: str = "smtp://127.0.0.1:9") -> Email:
    return Email(inbox=INBOX, relay_url=relay_url, public_url="https://guichet.valmont.example",
                 display_name="Mairie de Valmont – Guichet", find_references=find_references)


def received(name: str, *, mail_from: str = RESIDENT) -> InboundMessage:
    """One fixture as the engine sees it."""
    return adapter().parse(eml(name), mail_from=mail_from, rcpt_tos=[INBOX])


@pytest.fixture(scope="session")
def relay() -> Iterator[SmtpRelayStandin]:
    """The local SMTP relay, shared by the run and reset before each test that uses it."""
    with SmtpRelayStandin() as standin:
        yield standin


class MailGateway:
    """The gateway's SMTP server on a free port, and a resident's mail server to write to it."""

    def __init__(self, rt, controller):
        self.rt, self.controller = rt, controller

    def send(self, raw: bytes, *, mail_from: str | None = None, rcpt_to: str = INBOX) -> tuple[int, str]:
        return send_eml("127.0.0.1", self.controller.port, raw, mail_from=mail_from, rcpt_to=rcpt_to)

    def worker(self):
        from gateway.outbound.worker import Worker

        return Worker(self.rt)


@pytest.fixture
def mail_gateway(rt, make_runtime, relay, tmp_path) -> Iterator[MailGateway]:
    """A runtime whose inbox and relay are the test's, on the clean tables of `rt`, receiving mail over SMTP."""
    relay.reset()
    mail_rt = make_runtime(smtp_relay_url=relay.url, inbox=INBOX, media_dir=tmp_path / "media")
    controller = start_smtp_server(mail_rt, port=0)
    yield MailGateway(mail_rt, controller)
    controller.stop()
    mail_rt.db.dispose()
