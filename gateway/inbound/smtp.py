"""The inbound mail server (aiosmtpd): residents' mail for GUICHET_INBOX, stored before the sender gets `250`.

Replies and their meaning for the sending mail server:
- `250` once the message is stored (a resend of the same Message-ID is accepted and stored once);
- `451` when the database is unavailable: the sender keeps the mail and tries again later;
- `554` for mail the database refuses as it is (it would refuse it at every retry): never a `451` for
  input that will never pass;
- `550` for any recipient other than the inbox, `552` for mail over the size limit, `554` for mail
  that cannot be read, `500` for a line over 1,000 octets (RFC 5321): the sender's server bounces it to the resident with our explanation.
Understanding and answers happen in the worker, woken as the message is stored (`store/wake.py`).
"""

from __future__ import annotations

import asyncio
import logging
import signal
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from channels.base import BadPayload
from channels.email import MAX_MESSAGE_BYTES, Email, smtp_reply_text
from gateway.errors import Unavailable
from gateway.inbound.accept import accept

log = logging.getLogger(__name__)
# aiosmtpd logs every envelope sender and recipient at INFO: residents' addresses stay out of logs.
logging.getLogger("mail.log").setLevel(logging.WARNING)

# SMTP reply lines are ASCII: French without accents, then English.
TOO_LARGE = ("552 5.3.4 Message trop volumineux (10 Mo au plus) : merci d'envoyer moins de photos ou des "
             "photos plus petites. Message too large (10 MB max): please send fewer or smaller photos.")
UNKNOWN_RECIPIENT = "550 5.1.1 Adresse inconnue ici, ecrivez a {inbox}. No such mailbox, write to {inbox}."
UNREADABLE = "554 5.6.0 Message illisible, merci de le renvoyer en texte simple. Unreadable message: {reason}."
TOO_LONG_LINE = ("500 5.5.2 Ligne trop longue (1000 octets au plus) : renvoyez le message depuis un logiciel de "
                 "messagerie. Line too long (RFC 5321 4.5.3.1.6).")
TRY_LATER = "451 4.3.0 Service momentanement indisponible, reessayez plus tard. Temporary failure, try again later."
ACCEPTED = "250 2.0.0 Message recu, merci. Message accepted."


class MailHandler:
    """The aiosmtpd handler: accept mail for the inbox only, store it, wake the worker."""

    def __init__(self, rt, *, max_bytes: int = MAX_MESSAGE_BYTES):
        self.rt = rt
        self.max_bytes = max_bytes
        self.inbox = rt.settings.inbox.strip().lower()
        self._own_adapter: Email | None = None

    @property
    def adapter(self) -> Email:
        """The e-mail adapter of the runtime's registry, or one built from the settings."""
        adapter = self.rt.channels.get("email")
        if adapter is None:
            if self._own_adapter is None:
                self._own_adapter = Email.from_settings(self.rt.channel_settings)
            adapter = self._own_adapter
        return adapter

    async def handle_RCPT(self, server, session, envelope, address: str, rcpt_options) -> str:
        if address.strip().lower() != self.inbox:
            return smtp_reply_text(UNKNOWN_RECIPIENT.format(inbox=self.inbox))
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope) -> str:
        raw: bytes = envelope.original_content or b""
        if len(raw) > self.max_bytes:
            return TOO_LARGE
        try:
            received = self.adapter.parse(raw, mail_from=envelope.mail_from or "", rcpt_tos=list(envelope.rcpt_tos))
        except BadPayload as err:
            log.warning("unreadable mail refused", extra={"channel": "email", "reason": str(err)})
            return smtp_reply_text(UNREADABLE.format(reason=err))
        try:
            # The database call blocks: run it beside the event loop so other sessions go on.
            await asyncio.get_running_loop().run_in_executor(None, accept, self.rt, received)
        except (Unavailable, OperationalError, OSError):
            log.exception("inbound mail not stored, sender told to retry", extra={"channel": "email"})
            return TRY_LATER
        except (SQLAlchemyError, ValueError) as err:
            # The database refuses this mail's content: it would refuse it at every retry, for days.
            log.exception("inbound mail refused by the database", extra={"channel": "email"})
            return smtp_reply_text(UNREADABLE.format(reason=type(err).__name__))
        return ACCEPTED

    async def handle_exception(self, error: Exception) -> str:
        # Without this, aiosmtpd answers `500`, a permanent failure that bounces the resident's mail.
        log.error("SMTP session failed", exc_info=error, extra={"channel": "email"})
        return TRY_LATER


class _GuichetSMTP(SMTP):
    """aiosmtpd's SMTP session, with our wording where it refuses oversized mail on its own."""

    async def push(self, status):
        if isinstance(status, str) and status.startswith("552 Error"):
            status = TOO_LARGE
        elif isinstance(status, str) and status.startswith("500 Line too long"):
            status = TOO_LONG_LINE  # permanent, as RFC 5321 says: the same mail would be refused at every retry
        await super().push(status)


class MailController(Controller):
    """aiosmtpd's threaded controller, able to listen on a free port (port 0) for tests and the demo."""

    def factory(self):
        return _GuichetSMTP(self.handler, **self.SMTP_kwargs)

    def _trigger_server(self):
        if not self.port and self.server is not None:
            self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


def start_smtp_server(rt, port: int | None = None, *, public: bool = False) -> MailController:
    """Start receiving mail in a background thread, on 127.0.0.1 (or every interface when `public`).

    `port` defaults to GUICHET_SMTP_PORT; 0 picks a free one (read it back from `.port`).
    """
    handler = MailHandler(rt)
    controller = MailController(
        handler,
        hostname="0.0.0.0" if public else "127.0.0.1",
        port=rt.settings.smtp_port if port is None else port,
        server_hostname=rt.settings.inbox.rpartition("@")[2] or None,
        ident="Guichet",
        data_size_limit=handler.max_bytes,
        enable_SMTPUTF8=True,
    )
    controller.start()
    log.info("SMTP server listening", extra={"channel": "email", "port": controller.port})
    return controller


def run_smtp(rt) -> None:
    """The Procfile's `smtp` process: receive mail on every interface until SIGTERM or SIGINT."""
    controller = start_smtp_server(rt, public=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    try:
        stop.wait()
    finally:
        controller.stop()
