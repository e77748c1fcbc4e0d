"""E-mail: mail received by the gateway's SMTP server (gateway/inbound/smtp.py) in, an SMTP relay out.

One e-mail thread per case. Every mail we send carries a Message-ID that embeds the case reference
(`<GU-4827-3918.42.a1b2c3d4@valmont.example>`), `In-Reply-To`/`References` pointing at the resident's
mail, and the reference in the subject, so that a reply from any mail client finds its case again from
its headers alone. Auto-replies, bounces and list mail are flagged `automatic` (RFC 3834): stored, never
answered, so two robots never talk to each other.
"""

from __future__ import annotations

import hashlib
import logging
import mimetypes
import re
import smtplib
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.utils import format_datetime, getaddresses
from urllib.parse import unquote, urlsplit

from bs4 import BeautifulSoup
from mailparser_reply.parser import EmailMessage as ReplyText

from channels.base import (
    BadPayload,
    ChannelSettings,
    FoundReference,
    InboundMessage,
    Media,
    OutboundMessage,
    PermanentSendError,
    RetryableSendError,
    SendResult,
    clean_id,
    clean_payload,
    clean_text,
)

log = logging.getLogger(__name__)

# Larger mail is refused at the SMTP door (552); a few phone photos fit well below it.
MAX_MESSAGE_BYTES = 10 * 1024 * 1024
MAX_TEXT_CHARS = 4000
MAX_MESSAGE_ID_CHARS = 250
MAX_IMAGES = 5
# Images below this size that the HTML shows inline by Content-ID are logos and signature pictures.
SIGNATURE_IMAGE_BYTES = 30 * 1024
SEND_TIMEOUT_SECONDS = 15.0
DEFAULT_DISPLAY_NAME = "Mairie – Guichet"
DEFAULT_PREFIX = "GU"  # of case references, when the town keeps the default (config/catalogue.yaml)

# What our mails are about, by outbox purpose; RFC 3834 §5: an answer to a mail is `auto-replied`,
# a notification nobody asked for at that moment (a status change) is `auto-generated`.
SUBJECTS = {
    "reply": "Votre signalement",
    "emergency": "URGENCE – votre signalement",
    "update": "Suivi de votre signalement",
    "stop_confirmation": "Désinscription confirmée",
    "oncall_alert": "ASTREINTE – alerte à prendre en charge",
    "oncall_reply": "ASTREINTE – votre réponse",
}
IDEA_TOPICS = {"reply": "Votre idée", "update": "Suivi de votre idée"}
NO_CASE_SUBJECT = "Votre message à la mairie"
# Mails to the town's own people that are about no one case.
NO_CASE_SUBJECTS = {"overdue_digest": "Dossiers en retard", "oncall_reply": "ASTREINTE – votre réponse",
                    "event_invitation": "Invitation de la mairie", "event": "Votre inscription"}  # ideas: events
AUTO_SUBMITTED = {"update": "auto-generated", "oncall_alert": "auto-generated", "overdue_digest": "auto-generated"}
OUR_SUBJECTS = {s.casefold() for s in (*SUBJECTS.values(), *NO_CASE_SUBJECTS.values(), *IDEA_TOPICS.values(),
                                        NO_CASE_SUBJECT)}
# Subjects that only name the kind of mail ("Signalement", "Demande"): read with the body they became the first
# words of the case ("Signalement j'ai une idée : …"). Those naming an idea are kept when the body does not say
# it is one: "Une idée" above "des bancs au parc" is what makes it an idea.
GENERIC_SUBJECTS = {"signalement", "un signalement", "nouveau signalement", "probleme", "un probleme", "reclamation",
                    "demande", "une demande", "message", "bonjour", "contact", "mairie", "info", "information",
                    "informations", "objet", "sans objet", "pas d'objet", "report", "problem", "hello", "request"}
IDEA_SUBJECTS = {"idee", "une idee", "j'ai une idee", "nouvelle idee", "proposition", "une proposition",
                 "suggestion", "une suggestion", "idea", "an idea", "i have an idea", "proposal"}
IDEA_WORDS = re.compile(r"\b(id[ée]es?|propos|sugg[eè]r|suggest|idea)", re.IGNORECASE)

# RFC 3834 §2 and what mail robots add in practice (channels.md 3.5.4).
AUTOMATIC_PRECEDENCE = {"bulk", "junk", "list", "auto_reply"}
AUTOMATIC_HEADERS = ("List-Id", "List-Unsubscribe", "List-Post", "X-Autoreply", "X-Autorespond",
                     "X-Autoresponder", "X-Failed-Recipients")
ROBOT_SENDERS = re.compile(r"^(mailer-daemon|postmaster|no-?reply|do-?not-?reply|bounces?)([+.-]|$)", re.I)
AUTOMATIC_SUBJECT = re.compile(
    r"^\s*(réponse automatique|reponse automatique|message d'absence|automatic reply|auto[- ]?reply|"
    r"out of (the )?office|undeliver(able|ed)|delivery status notification|non remis)", re.I)
# "Re:", "RE :", "TR:", "Fwd:" in front of a subject, as mail clients in France write them.
REPLY_PREFIX = re.compile(r"^\s*((re|tr|fwd?|réf)\s*:\s*)+", re.I)
BRACKETED = re.compile(r"\[[^\]]*\]")
# A case reference in a subject, bracketed or not: some clients and residents drop the brackets.
SUBJECT_REFERENCE = re.compile(r"\b[A-Za-z]{1,8}-\d{4}-\d{4}\b")
# Our own Message-IDs: `<REFERENCE.outbox-id.hash@domain>`.
OUR_MESSAGE_ID = re.compile(r"<?(?P<reference>[A-Za-z]{1,8}-\d{4}-\d{4})\.[^@<>\s]*@(?P<domain>[^>\s]+)>?")
MESSAGE_ID = re.compile(r"<[^<>\s]+>")
QUOTED_LINE = re.compile(r"^\s*>")
# Legacy charsets as mail clients actually use them: Outlook labels cp1252 text "iso-8859-1".
CHARSET_ALIASES = {"iso-8859-1": "cp1252", "latin-1": "cp1252", "latin1": "cp1252", "us-ascii": "cp1252",
                   "ascii": "cp1252"}
HTML_DROPPED = ("script", "style", "head", "title", "noscript", "template", "iframe", "object", "svg")
HTML_QUOTES = ("blockquote", ".gmail_quote", ".gmail_attr", "#divRplyFwdMsg", "#appendonsend",
               ".moz-cite-prefix", "#mail-editor-reference-message-container", ".yahoo_quoted")
HTML_BLOCKS = ("p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol", "section")


@dataclass(frozen=True)
class RelayAddress:
    """Where and how to hand our mail over: `smtp://user:pass@host:port` (`smtps://` for TLS from the start)."""

    host: str
    port: int
    user: str = ""
    password: str = ""
    tls: bool = False

    @classmethod
    def from_url(cls, url: str) -> RelayAddress:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError(f"SMTP_RELAY_URL={_masked(url)!r} is not of the form smtp://user:pass@host:port")
        tls = parts.scheme == "smtps"
        return cls(host=parts.hostname, port=parts.port or (465 if tls else 25),
                   user=unquote(parts.username or ""), password=unquote(parts.password or ""), tls=tls)


class Email:
    """The e-mail channel adapter."""

    name = "email"

    def __init__(self, *, inbox: str, relay_url: str, public_url: str = "",
                 find_references: Callable[[str, str], Sequence[FoundReference]],
                 display_name: str = DEFAULT_DISPLAY_NAME, reference_prefix: str = DEFAULT_PREFIX,
                 timeout: float = SEND_TIMEOUT_SECONDS):
        self.inbox = inbox.strip().lower()
        self.domain = self.inbox.rpartition("@")[2] or "localhost"
        self.relay = RelayAddress.from_url(relay_url) if relay_url else None
        self.public_url = public_url
        self.display_name = display_name
        self.reference_prefix = reference_prefix
        self.find_references = find_references
        self.timeout = timeout

    @classmethod
    def from_settings(cls, settings: ChannelSettings) -> Email:
        """The adapter for the settings' inbox and relay, signing with the town's name and reference prefix."""
        return cls(
            inbox=settings.inbox,
            relay_url=settings.smtp_relay_url,
            public_url=settings.public_url,
            display_name=settings.email_display_name,
            reference_prefix=settings.reference_prefix,
            find_references=settings.find_references,
        )

    def acknowledgement(self) -> tuple[str, str]:
        """Not used: the SMTP server answers `250` itself (gateway/inbound/smtp.py)."""
        return "", "text/plain"

    # -- in --------------------------------------------------------------------------------------

    def parse(self, raw: bytes, *, mail_from: str, rcpt_tos: list[str]) -> InboundMessage:
        """One received mail as one inbound message (pure, no I/O); `BadPayload` when it cannot be read.

        The text is the subject and the resident's own words: quoted earlier mails and signatures are
        cut with `mail-parser-reply` (a maintained reply parser that knows French clients' "Le … a
        écrit :"), HTML-only mail is reduced to its text with BeautifulSoup (scripts and styles dropped).
        """
        if not raw or not raw.strip():
            raise BadPayload("empty message")
        try:
            message = BytesParser(policy=policy.default).parsebytes(raw)
            return self._inbound(message, raw, mail_from=mail_from, rcpt_tos=rcpt_tos)
        except BadPayload:
            raise
        except Exception as err:  # the email package raises many things on broken headers
            raise BadPayload(f"unreadable message ({type(err).__name__})") from err

    def _inbound(self, message: EmailMessage, raw: bytes, *, mail_from: str, rcpt_tos: list[str]) -> InboundMessage:
        author = _first_address(message, "From") or _first_address(message, "Sender")
        envelope_sender = _bare(mail_from)
        if author is None and not envelope_sender:
            raise BadPayload("no sender: neither a From header nor an envelope sender")
        display, address = author if author is not None else ("", envelope_sender)
        if "@" not in address:
            raise BadPayload("the sender is not an e-mail address")

        # A control character in an address or a Message-ID is refused (554); in words it is dropped.
        clean_id(address, "the sender's address")
        message_id = _first_message_id(_header(message, "Message-ID"))
        if message_id is not None:
            clean_id(message_id, "the Message-ID")
        subject = clean_text(_header(message, "Subject"))
        body = _without_signature(clean_text(_resident_words(message)), clean_text(display))
        text = _join(_informative_subject(subject, body), body)[:MAX_TEXT_CHARS]
        automatic = self._automatic_reason(message, envelope_sender, address, subject)
        return InboundMessage(
            channel=self.name,
            provider_id=message_id or "sha256:" + hashlib.sha256(raw).hexdigest(),
            sender=address.lower(),
            recipient=self.inbox,
            text=text,
            profile_name=clean_text(display) or None,
            media=tuple(replace(image, filename=clean_text(image.filename) if image.filename else None)
                        for image in _images(message)),
            thread_id=message_id,
            thread_reference=self._thread_reference(message, subject),
            automatic=automatic is not None,
            raw=clean_payload({
                "message_id": message_id,
                "subject": subject,
                "in_reply_to": _header(message, "In-Reply-To") or None,
                "references": _header(message, "References") or None,
                "date": _header(message, "Date") or None,
                "mail_from": envelope_sender,
                "rcpt_tos": list(rcpt_tos),
                "automatic": automatic,
                "defects": len(message.defects),
            }),
        )

    def answered_ids(self, raw: dict) -> list[str]:
        """The Message-IDs a received mail answers (its stored In-Reply-To, then References newest first).

        A resident may answer their own mail ("Re: Fuite") rather than ours: the engine then finds the case
        that mail opened by its Message-ID, kept as the follower's thread.
        """
        answered = MESSAGE_ID.findall(str(raw.get("in_reply_to") or ""))
        answered += reversed(MESSAGE_ID.findall(str(raw.get("references") or "")))
        return list(dict.fromkeys(answered))

    def _thread_reference(self, message: Message, subject: str) -> str | None:
        """The case a mail is about: our own Message-ID it answers first, else a reference in the subject."""
        answered = MESSAGE_ID.findall(_header(message, "In-Reply-To"))
        answered += reversed(MESSAGE_ID.findall(_header(message, "References")))  # it lists the newest last
        for message_id in answered:
            match = OUR_MESSAGE_ID.fullmatch(message_id)
            if match and match["domain"].lower() == self.domain:
                ours = self.find_references(match["reference"], match["reference"].split("-")[0])
                if ours and ours[0].valid:
                    return ours[0].reference
        for found in self.find_references(subject, self.reference_prefix):
            # With its prefix only: eight bare digits in a subject are more often a date or an invoice.
            if found.valid and found.written.upper().startswith(self.reference_prefix.upper()):
                return found.reference
        return None

    def _automatic_reason(self, message: Message, envelope_sender: str, author: str, subject: str) -> str | None:
        """Why a mail comes from a robot (RFC 3834, RFC 3464 and practice), or None for a person."""
        auto_submitted = _header(message, "Auto-Submitted").split(";")[0].strip().lower()
        if auto_submitted and auto_submitted != "no":
            return f"auto-submitted: {auto_submitted}"
        if _header(message, "Precedence").strip().lower() in AUTOMATIC_PRECEDENCE:
            return "precedence"
        for name in AUTOMATIC_HEADERS:
            if name in message:
                return name.lower()
        if message.get_content_type() == "multipart/report":
            return "report"
        # A null reverse-path (`MAIL FROM:<>`) is a bounce: RFC 5321 §4.5.5, never answer it.
        if not envelope_sender or ("Return-Path" in message and not _bare(_header(message, "Return-Path"))):
            return "null return path"
        for address in (envelope_sender, author):
            if ROBOT_SENDERS.match(address.partition("@")[0]):
                return "robot sender"
        if AUTOMATIC_SUBJECT.match(subject):
            return "subject"
        return None

    # -- out -------------------------------------------------------------------------------------

    def message_id(self, message: OutboundMessage) -> str:
        """Our Message-ID for an outbox row: the same on every retry, the case reference in front."""
        digest = hashlib.sha256(f"{message.id}|{message.to}|{message.body}".encode()).hexdigest()[:10]
        left = f"{message.reference}.{message.id}.{digest}" if message.reference else f"guichet.{message.id}.{digest}"
        return f"<{left}@{self.domain}>"

    def compose(self, message: OutboundMessage) -> EmailMessage:
        """The mail for an outbox row, threaded under the resident's mail."""
        mail = EmailMessage()
        mail["From"] = Address(self.display_name, addr_spec=self.inbox)
        mail["To"] = message.to
        topic = SUBJECTS.get(message.purpose, SUBJECTS["reply"])
        if message.case_kind == "idea":
            topic = IDEA_TOPICS.get(message.purpose, topic)
        mail["Subject"] = (f"[{message.reference}] {topic}" if message.reference
                           else NO_CASE_SUBJECTS.get(message.purpose, NO_CASE_SUBJECT))
        mail["Date"] = format_datetime(datetime.now(UTC))
        mail["Message-ID"] = self.message_id(message)
        if message.in_reply_to:
            mail["In-Reply-To"] = message.in_reply_to
            mail["References"] = message.in_reply_to
        mail["Auto-Submitted"] = AUTO_SUBMITTED.get(message.purpose, "auto-replied")
        # Asks Exchange not to send its out-of-office notices back to us.
        mail["X-Auto-Response-Suppress"] = "All"
        mail["Content-Language"] = "fr"
        mail.set_content(message.body, subtype="plain", charset="utf-8", cte="quoted-printable")
        photo = message.photo
        if photo is not None and photo.data and photo.content_type:
            maintype, _, subtype = photo.content_type.partition("/")
            mail.add_attachment(photo.data, maintype=maintype, subtype=subtype, filename=photo.filename or "photo")
        return mail

    def send(self, message: OutboundMessage) -> SendResult:
        """Hand one mail to the relay; a recipient refused for good (5xx) is a hard bounce."""
        if self.relay is None:
            raise RetryableSendError("SMTP_RELAY_URL is not set: no way to send e-mail")
        mail = self.compose(message)
        try:
            with self._connect() as relay:
                if self.relay.user:
                    relay.login(self.relay.user, self.relay.password)
                relay.send_message(mail, from_addr=self.inbox, to_addrs=[message.to])
        except smtplib.SMTPRecipientsRefused as err:
            code, _ = next(iter(err.recipients.values()), (450, b""))
            if 500 <= code < 600:
                raise PermanentSendError(f"recipient refused by the relay ({code})", code=str(code),
                                         stops_identity=True) from err
            raise RetryableSendError(f"recipient deferred by the relay ({code})", code=str(code)) from err
        except smtplib.SMTPAuthenticationError as err:
            # A configuration error an administrator fixes: keep the mail until then.
            raise RetryableSendError(f"the relay refused our credentials ({err.smtp_code})",
                                     code=str(err.smtp_code)) from err
        except smtplib.SMTPResponseException as err:
            if 500 <= err.smtp_code < 600:
                raise PermanentSendError(f"the relay refused the mail ({err.smtp_code})",
                                         code=str(err.smtp_code)) from err
            raise RetryableSendError(f"the relay deferred the mail ({err.smtp_code})", code=str(err.smtp_code)) from err
        except (smtplib.SMTPException, OSError) as err:  # refused connection, timeout, dropped line
            raise RetryableSendError(f"SMTP relay unreachable: {type(err).__name__}") from err
        log.info("mail handed to the relay", extra={"channel": self.name, "outbound": message.id,
                                                    "case": message.reference})
        return SendResult(provider_id=mail["Message-ID"], status="wired")

    def _connect(self) -> smtplib.SMTP:
        assert self.relay is not None
        if self.relay.tls:
            return smtplib.SMTP_SSL(self.relay.host, self.relay.port, timeout=self.timeout)
        relay = smtplib.SMTP(self.relay.host, self.relay.port, timeout=self.timeout)
        try:
            relay.ehlo()
            if relay.has_extn("starttls"):
                relay.starttls()
                relay.ehlo()
        except (smtplib.SMTPException, OSError):
            relay.close()
            raise
        return relay

    def fetch_media(self, media: Media) -> Media:
        """Attachments come with their bytes: nothing to fetch."""
        return media

    def find_sent(self, message: OutboundMessage, since: datetime) -> str | None:
        """SMTP cannot be asked what it already has: an interrupted send goes again, with the same Message-ID."""
        return None


def from_settings(settings: ChannelSettings) -> Email:
    """The e-mail adapter built from the settings (the channel registry's factory)."""
    return Email.from_settings(settings)


# -- reading mail ---------------------------------------------------------------------------------


def _header(message: Message, name: str) -> str:
    """A header as text, '' when absent or unreadable (a broken encoded word is not worth a refusal)."""
    try:
        value = message.get(name)
    except Exception:
        return ""
    return " ".join(str(value).split()) if value is not None else ""


def _first_address(message: Message, name: str) -> tuple[str, str] | None:
    values = message.get_all(name) or []
    try:
        pairs = getaddresses([str(v) for v in values])
    except Exception:
        return None
    for display, address in pairs:
        if "@" in address:
            return display.strip(), address.strip()
    return None


def _bare(address: str | None) -> str:
    """An envelope address without its angle brackets; '' for the null reverse-path `<>`."""
    return (address or "").strip().strip("<>").strip()


def _first_message_id(value: str) -> str | None:
    found = MESSAGE_ID.search(value)
    message_id = found.group(0) if found else (f"<{value.strip()}>" if value.strip() and " " not in value.strip() else None)
    if message_id and len(message_id) > MAX_MESSAGE_ID_CHARS:
        # Too long to be a key the database can index: a stable digest stands for it.
        message_id = "<sha256." + hashlib.sha256(message_id.encode("utf-8", "replace")).hexdigest() + ">"
    return message_id


def _resident_words(message: EmailMessage) -> str:
    """The body as the resident wrote it this time: plain text preferred, HTML reduced, quotes cut."""
    plain = html = None
    try:
        body = message.get_body(preferencelist=("plain", "html"))
    except Exception:
        body = None
    if body is None:  # malformed structure: take the first readable text part there is
        body = next((part for part in message.walk()
                     if part.get_content_maintype() == "text" and not part.is_attachment()), None)
    if body is None:
        return ""
    if body.get_content_subtype() == "html":
        html = _decode(body)
    else:
        plain = _decode(body)
    text = _html_to_text(html) if html is not None else plain or ""
    return _latest_reply(text)


def _decode(part: Message) -> str:
    """A text part's content in its declared charset, never failing on a wrong or unknown label."""
    try:
        payload = part.get_payload(decode=True) or b""
    except Exception:
        payload = b""
    if isinstance(payload, str):
        payload = payload.encode("utf-8", "surrogateescape")
    if not isinstance(payload, bytes):  # a multipart's parts: no text of its own
        payload = b""
    declared = (part.get_content_charset() or "").lower()
    for charset in (CHARSET_ALIASES.get(declared, declared), "utf-8"):
        if not charset:
            continue
        try:
            return payload.decode(charset)
        except (LookupError, UnicodeDecodeError):
            continue
    return payload.decode("cp1252", errors="replace")


def _html_to_text(html: str) -> str:
    """HTML mail as plain text: scripts, styles and quoted earlier mails removed, lines kept."""
    soup = BeautifulSoup(html, "html.parser")
    for tag in soup(HTML_DROPPED):
        tag.decompose()
    for selector in HTML_QUOTES:
        for tag in soup.select(selector):
            tag.decompose()
    for br in soup.find_all("br"):
        br.replace_with("\n")
    for block in soup.find_all(HTML_BLOCKS):
        block.insert_before("\n")
        block.insert_after("\n")
    return soup.get_text()


def _latest_reply(text: str) -> str:
    """The resident's new words: `mail-parser-reply` cuts quoted mails and signatures (French and English)."""
    text = text.replace("\r\n", "\n").replace("\xa0", " ")
    # keep_hyphen_lists: "- trou profond" is the resident's list, not a signature.
    reply = ReplyText(text=text, languages=["fr"], keep_hyphen_lists=True).read()
    latest = reply.replies[0].body if reply.replies else text
    lines = [line.strip() for line in latest.split("\n")]
    # Quoted lines left below the reply when the attribution line was wrapped or missing.
    while lines and (not lines[-1] or QUOTED_LINE.match(lines[-1])):
        lines.pop()
    return re.sub(r"\n{3,}", "\n\n", "\n".join(re.sub(r"[ \t]+", " ", line) for line in lines)).strip()


def _informative_subject(subject: str, body: str) -> str:
    """The subject when it says something: not "Re: [GU-…] Votre signalement", not a repeat of the body."""
    bare = BRACKETED.sub(" ", REPLY_PREFIX.sub("", subject))
    bare = " ".join(bare.split()).strip(" -:")
    # "Re: Votre signalement GU-1234-5678" is our own subject answered too: read with it, a reply "OUI" became a
    # status question about the reference, and the question it answered was lost.
    ours = " ".join(SUBJECT_REFERENCE.sub(" ", bare).split()).strip(" -:").casefold()
    if not bare or ours in OUR_SUBJECTS or body.casefold().startswith(bare.casefold()):
        return ""
    kind = "".join(c for c in unicodedata.normalize("NFKD", bare.casefold().replace("’", "'"))
                   if not unicodedata.combining(c)).strip(" .!:")
    if kind in GENERIC_SUBJECTS or (kind in IDEA_SUBJECTS and IDEA_WORDS.search(body)):
        return ""
    return bare


# The closing words above a signature: cut with it.
CLOSINGS = re.compile(r"^(cordialement|bien cordialement|bien à vous|bien a vous|salutations|merci d'avance|"
                      r"merci par avance|best regards|regards|kind regards|sincerely)\b[ ,.!]*$", re.IGNORECASE)
SIGNATURE_LINES = 4  # a signature is among the last lines of a mail


def _without_signature(body: str, display: str) -> str:
    """The body without the signature its author typed by hand: from the line that is their own name (the one
    their mail's From shows) to the end, with the closing words above it. A name (and the phone under it) is
    a personal datum that the case's public text would otherwise carry."""
    name = " ".join(display.replace('"', " ").split()).casefold()
    lines = body.split("\n")
    if len(name) < 3 or len(lines) < 2:
        return body
    start = max(1, len(lines) - SIGNATURE_LINES)
    cut = next((i for i in range(start, len(lines)) if _signs(" ".join(lines[i].split()).casefold(), name)), None)
    if cut is None:
        return body
    while cut > 1 and (not lines[cut - 1].strip() or CLOSINGS.match(lines[cut - 1].strip())):
        cut -= 1
    return "\n".join(lines[:cut]).strip()


def _signs(line: str, name: str) -> bool:
    """Whether a line is the author's name (or first name), alone or with no more words after it than a phone
    number or an address ("Léa Martin / 06 12 34 56 78"), not a sentence about them."""
    first = name.split()[0]
    for signed in (name, first):
        if line.strip(" -,.") == signed:
            return True
        if line.startswith(signed + " ") and not re.search(r"[^\W\d_]{3,}", line[len(signed):].split("@")[0]):
            return True
    return False


def _join(subject: str, body: str) -> str:
    return f"{subject}\n{body}".strip() if subject else body


def _images(message: EmailMessage) -> tuple[Media, ...]:
    """Photos attached or embedded, with their bytes; logos of signatures left out."""
    html_cids = _html_content_ids(message)
    found: list[Media] = []
    for part in message.walk():
        if part.is_multipart() or len(found) >= MAX_IMAGES:
            continue
        filename = _filename(part)
        content_type = part.get_content_type()
        if not content_type.startswith("image/") and filename:
            content_type = mimetypes.guess_type(filename)[0] or content_type
        if not content_type.startswith("image/"):
            continue
        try:
            data = part.get_payload(decode=True)
        except Exception:
            data = None
        if not isinstance(data, bytes):
            data = b""  # broken base64: passed on, so that agents read "photo non récupérée" rather than nothing
        # Whatever a part labelled image/* holds is passed on: the gateway decodes and re-encodes every photo,
        # and one it cannot read (an SVG, a page, a program named .jpg) is kept as a line saying why.
        content_id = _header(part, "Content-ID").strip("<>")
        if content_id and content_id in html_cids and len(data) < SIGNATURE_IMAGE_BYTES:
            continue
        found.append(Media(content_type=content_type, data=data, filename=filename))
    return tuple(found)


def _filename(part: Message) -> str | None:
    try:
        name = part.get_filename()
    except Exception:
        return None
    return name.strip().replace("/", "_").replace("\\", "_") if name else None


def _html_content_ids(message: EmailMessage) -> set[str]:
    ids: set[str] = set()
    for part in message.walk():
        if part.get_content_type() == "text/html" and not part.is_attachment():
            ids.update(re.findall(r"cid:([^\"'\s>)]+)", _decode(part)))
    return ids


def _masked(url: str) -> str:
    parts = urlsplit(url)
    return url.replace(f":{parts.password}@", ":***@") if parts.password else url


def smtp_reply_text(text: str) -> str:
    """Text fit for an SMTP reply line: ASCII only, one line."""
    return " ".join(text.encode("ascii", "replace").decode().split())

