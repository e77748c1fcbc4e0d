"""The tables: who writes (contacts and their channel identities), what they wrote, the cases, and the outbox.

Times are aware UTC datetimes; SQLModel stores them as UTC on both backends.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from store.clock import utcnow
from store.statuses import ProblemStatus


class Contact(SQLModel, table=True):
    """One person, whatever channels they use; the same phone number on SMS, WhatsApp and voice is one contact."""

    id: int | None = Field(default=None, primary_key=True)
    phone: str | None = Field(default=None, unique=True, index=True)  # E.164
    name: str | None = None
    language: str = "fr"
    created_at: datetime = Field(default_factory=utcnow)
    # Flood limits (gateway/engine/limits.py): when their messages were last held, when they were last told,
    # and when an agent last let them through (counting starts again there).
    limit_reached_at: datetime | None = Field(default=None, index=True)
    limit_notice_at: datetime | None = None
    limits_lifted_at: datetime | None = None


class Identity(SQLModel, table=True):
    """A contact on one channel: their address there and the gateway address they wrote to."""

    __table_args__ = (UniqueConstraint("channel", "address", name="uq_identity_channel_address"),)

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contact.id", index=True)
    channel: str  # sms, whatsapp, telegram, email, voice
    address: str  # the resident's number, chat id or e-mail address
    gateway_address: str | None = None  # the number they wrote to: answers leave from it
    stopped_at: datetime | None = None  # STOP, or a permanent delivery failure
    stop_reason: str | None = None
    last_inbound_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)


class Conversation(SQLModel, table=True):
    """Where the conversation with one identity stands; see gateway/engine/conversation.mmd."""

    id: int | None = Field(default=None, primary_key=True)
    identity_id: int = Field(foreign_key="identity.id", unique=True)
    state: str = "idle"
    draft: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow)


class ReceivedMessage(SQLModel, table=True):
    """One message as received, stored before the provider gets its 2xx; unique per provider id.

    The webhook writes this row and nothing else (one INSERT); who wrote it is resolved by the worker.
    """

    __tablename__ = "inbound_message"
    __table_args__ = (
        UniqueConstraint("channel", "provider_id", name="uq_inbound_channel_provider_id"),
        Index("ix_inbound_pending", "status", "id"),
        Index("ix_inbound_sender", "channel", "sender", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    channel: str
    provider_id: str
    sender: str  # as the provider wrote it; the worker resolves it to an identity
    recipient: str = ""
    identity_id: int | None = Field(default=None, foreign_key="identity.id", index=True)
    body: str = Field(default="", sa_column=Column(Text, nullable=False))
    # What the channel's InboundMessage carried besides the text, in typed columns (channels/base.py).
    lat: float | None = None
    lon: float | None = None
    profile_name: str | None = None
    thread_id: str | None = None  # its id in a threaded channel (an e-mail's Message-ID)
    thread_reference: str | None = None  # the case reference its thread is about
    automatic: bool = False  # an auto-reply, bounce or list mail: kept, never answered
    place_unreadable: bool = False  # it shared a location that is no place: "where?" is asked again
    media: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))  # store.inbound.KeptMedia
    raw: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))  # the provider's payload
    status: str = "pending"  # pending, done, failed
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow)
    error: str | None = None
    received_at: datetime = Field(default_factory=utcnow)
    processed_at: datetime | None = None


class Case(SQLModel, table=True):
    """A problem or an idea, with its reference, its place and the service in charge."""

    __table_args__ = (Index("ix_case_nearby", "category", "status", "lat", "lon"),
                      Index("ix_case_reporter", "reporter_id", "created_at"))

    id: int | None = Field(default=None, primary_key=True)
    reference: str = Field(unique=True)
    kind: str = "problem"  # problem, idea
    status: str = ProblemStatus.RECEIVED.value  # the vocabulary, per kind: store/statuses.py
    category: str = "autre"
    urgency: str = "normal"
    description: str = Field(default="", sa_column=Column(Text, nullable=False))
    address: str | None = None
    lat: float | None = None
    lon: float | None = None
    service: str | None = Field(default=None, index=True)
    territory: str | None = None  # commune code
    district: str | None = None
    channel: str = "sms"  # of the first report
    reporter_id: int | None = Field(default=None, foreign_key="contact.id")
    merged_into_id: int | None = Field(default=None, foreign_key="case.id")
    created_at: datetime = Field(default_factory=utcnow, index=True)
    updated_at: datetime = Field(default_factory=utcnow)
    due_at: datetime | None = None
    escalated_at: datetime | None = None
    resolved_at: datetime | None = None
    # A resident wrote on the case and no agent has opened it since: the back office's unread marker.
    resident_reply_at: datetime | None = None
    # When the reporter was asked "C'est réglé ?" after the resolution (gateway/cases/satisfaction.py): once.
    satisfaction_asked_at: datetime | None = None
    # Set by the agent who validates (editable later): the day the work is expected, which replaces the
    # category's delay in the messages, and the estimated cost in euro cents.
    expected_on: date | None = None
    cost_cents: int | None = None
    # Ideas (gateway/ideas/): the référent in charge, named on the idea's page; the day a decision is expected
    # (under study); the official answer, final once published (its reasons, and for a go the execution
    # period); the progress of the last published step of the timeline, in per cent.
    referent_id: int | None = Field(default=None, foreign_key="agent.id")
    decision_due_on: date | None = None
    decision_reasons: str | None = Field(default=None, sa_column=Column(Text))
    decided_at: datetime | None = None
    period_start: date | None = None
    period_end: date | None = None
    progress: int | None = None


class CaseEvent(SQLModel, table=True):
    """One line of a case's timeline."""

    __tablename__ = "case_event"

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id", index=True)
    kind: str  # created, status, follower, escalated, note; for ideas also step, contribution, event, broadcast
    title: str | None = None  # an idea's timeline step has a title
    progress: int | None = None  # and may say how far the work is, in per cent
    status_from: str | None = None
    status_to: str | None = None
    message: str | None = Field(default=None, sa_column=Column(Text))
    photo: str | None = None
    public: bool = True
    actor: str | None = None
    created_at: datetime = Field(default_factory=utcnow)


class Follower(SQLModel, table=True):
    """An identity subscribed to a case's updates: its reporter or a resident who reported it again."""

    __table_args__ = (UniqueConstraint("case_id", "identity_id", name="uq_follower_case_identity"),)

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id", index=True)
    identity_id: int = Field(foreign_key="identity.id", index=True)
    role: str = "follower"  # reporter, follower
    mode: str = "informe"  # informe, implique
    thread: str | None = None  # the resident's message that subscribed them (e-mail Message-ID): updates answer it
    created_at: datetime = Field(default_factory=utcnow)


class OutboxEntry(SQLModel, table=True):
    """The outbox: every message we send is a row first; the worker sends it."""

    __tablename__ = "outbound_message"
    __table_args__ = (Index("ix_outbound_due", "status", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    identity_id: int = Field(foreign_key="identity.id", index=True)
    channel: str
    to_address: str
    from_address: str | None = None
    body: str = Field(default="", sa_column=Column(Text, nullable=False))
    purpose: str = "reply"  # reply, update, emergency
    urgent: bool = False
    case_id: int | None = Field(default=None, foreign_key="case.id", index=True)
    inbound_id: int | None = Field(default=None, foreign_key="inbound_message.id")
    # What a channel may need beyond the text: ask_location, in_reply_to, case_status.
    meta: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False, server_default="{}"))
    # queued, sending, sent, delivered, read, failed, undelivered, canceled
    status: str = "queued"
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow)
    claimed_at: datetime | None = None
    provider_id: str | None = Field(default=None, index=True)
    error_code: str | None = None
    last_error: str | None = None
    created_at: datetime = Field(default_factory=utcnow)
    sent_at: datetime | None = None
    updated_at: datetime = Field(default_factory=utcnow)


class DeliveryEvent(SQLModel, table=True):
    """Every delivery receipt as received, even those that do not move the status."""

    __tablename__ = "delivery_event"

    id: int | None = Field(default=None, primary_key=True)
    outbound_id: int | None = Field(default=None, foreign_key="outbound_message.id", index=True)
    provider_id: str | None = None
    status: str
    error_code: str | None = None
    received_at: datetime = Field(default_factory=utcnow)


class Attachment(SQLModel, table=True):
    """A photo kept with a case: sent by a resident, or by an agent with a status change."""

    id: int | None = Field(default=None, primary_key=True)
    case_id: int | None = Field(default=None, foreign_key="case.id", index=True)
    inbound_id: int | None = Field(default=None, foreign_key="inbound_message.id", index=True)
    source: str = "resident"  # resident, agent
    content_type: str | None = None
    path: str  # under GUICHET_MEDIA_DIR; empty for a photo that could not be had
    missing: str | None = None  # why a resident's photo could not be had (not found, too big, not an image...)
    lat: float | None = None  # GPS tags of the photo, when it has them
    lon: float | None = None
    created_at: datetime = Field(default_factory=utcnow)


class Call(SQLModel, table=True):
    """One phone call to the 24/7 line: where the caller is in the menu, keyed by Twilio's CallSid."""

    id: int | None = Field(default=None, primary_key=True)
    call_sid: str = Field(unique=True)
    caller: str
    called: str = ""
    step: str = "menu"
    turn: int = 0  # increases at each answered step; a replayed request carries an older turn
    no_input: int = 0  # silences in a row
    data: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    last_twiml: str = Field(default="", sa_column=Column(Text, nullable=False))
    case_id: int | None = Field(default=None, foreign_key="case.id")
    status: str = "in-progress"
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class Agent(SQLModel, table=True):
    """A person of the town hall who works in the back office: an agent of some services, a supervisor, an admin."""

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(unique=True)  # lower case; the login
    name: str = ""
    password_hash: str = ""  # argon2id
    role: str = "agent"  # agent, referent, supervisor, admin
    services: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))  # service codes
    # A référent answers the ideas of these themes (catalogue category codes) and territories (commune codes);
    # an empty list means every one.
    themes: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    territories: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    active: bool = True
    failed_logins: int = 0  # wrong passwords since the last login, from any address (counted atomically)
    locked_until: datetime | None = None  # no longer set: logins are throttled per address (LoginThrottle)
    last_login_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
    # In every session cookie; bumped at logout (and password change), which ends every session issued before.
    session_generation: int = 0


class LoginThrottle(SQLModel, table=True):
    """Failed logins from one address (`address:<ip>`) or on one account from one address (`account:<id>|<ip>`),
    counted in a window; past a threshold that key alone waits (store/agents.py)."""

    __tablename__ = "login_throttle"

    key: str = Field(primary_key=True)
    failures: int = 0
    window_start: datetime = Field(default_factory=utcnow)
    locked_until: datetime | None = None


class ApiToken(SQLModel, table=True):
    """A bearer token of the agents' JSON API; only its SHA-256 is stored, the token is shown once."""

    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    agent_id: int = Field(foreign_key="agent.id", index=True)
    label: str = ""
    token_hash: str = Field(unique=True)
    hint: str = ""  # the first characters, to tell tokens apart
    created_at: datetime = Field(default_factory=utcnow)
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None


class AuditEntry(SQLModel, table=True):
    """One action of an agent (web, API or command line); residents' addresses never appear in it."""

    __tablename__ = "audit_entry"

    id: int | None = Field(default=None, primary_key=True)
    agent_id: int | None = Field(default=None, foreign_key="agent.id", index=True)
    actor: str = ""  # the agent's e-mail at the time
    action: str  # login, login_failed, status, message, reroute, merge, note, user_add, token_add, ...
    via: str = "web"  # web, api, cli
    case_id: int | None = Field(default=None, foreign_key="case.id", index=True)
    reference: str | None = None
    detail: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, index=True)


class OnCallAlert(SQLModel, table=True):
    """One alert of an emergency or high-urgency case to one on-call contact (config/oncall.yaml), and its fate."""

    __tablename__ = "oncall_alert"
    __table_args__ = (Index("ix_oncall_alert_waiting", "acknowledged_at", "superseded_at", "escalate_at"),)

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id", index=True)
    position: int = 0  # the contact's place in the commune's list: 0 first, 1 the next one...
    name: str = ""  # the contact's name, as the config said it when alerted
    channel: str  # sms, email, phone
    address: str  # the phone number or e-mail address alerted
    alerted_at: datetime = Field(default_factory=utcnow)
    escalate_at: datetime = Field(default_factory=utcnow)  # unacknowledged by then: the next contact is alerted
    acknowledged_at: datetime | None = None
    acknowledged_via: str | None = None  # sms, email, link
    superseded_at: datetime | None = None  # the next contact was alerted (or nobody was left)


class OverdueDigest(SQLModel, table=True):
    """The daily digest of overdue cases, once a day whatever the number of workers: its town date is its key."""

    __tablename__ = "overdue_digest"

    day: str = Field(primary_key=True)  # YYYY-MM-DD in the town's time zone
    cases: int = 0
    sent_at: datetime = Field(default_factory=utcnow)


class Support(SQLModel, table=True):
    """One person's support of an idea: once per contact, whatever the channel; the identity is where it came from.

    A supporter also follows the idea (a Follower row), informé or impliqué as Follower.mode says.
    """

    __table_args__ = (UniqueConstraint("case_id", "contact_id", name="uq_support_case_contact"),)

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id", index=True)
    contact_id: int = Field(foreign_key="contact.id", index=True)
    identity_id: int | None = Field(default=None, foreign_key="identity.id")
    channel: str = "sms"  # sms, whatsapp, telegram, email, voice, web
    # The name they agreed, by one word, to show among the idea's participants once it is done; none: not named.
    public_name: str | None = None
    created_at: datetime = Field(default_factory=utcnow)


class Contribution(SQLModel, table=True):
    """What a supporter added to an idea ("rebondir"): shown on its page once the référent has published it."""

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id", index=True)
    contact_id: int | None = Field(default=None, foreign_key="contact.id", index=True)
    identity_id: int | None = Field(default=None, foreign_key="identity.id")
    text: str = Field(default="", sa_column=Column(Text, nullable=False))
    status: str = "pending"  # pending, published, refused
    moderated_by: str | None = None  # the référent's e-mail
    moderated_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)


class Event(SQLModel, table=True):
    """A meeting residents may attend: café citoyen, conseil de quartier, atelier, réunion publique with élus."""

    id: int | None = Field(default=None, primary_key=True)
    reference: str = Field(unique=True)  # public, in links and in replies ("EV-1234")
    title: str
    kind: str = "cafe_citoyen"  # cafe_citoyen, conseil_quartier, atelier, reunion_publique
    description: str = Field(default="", sa_column=Column(Text, nullable=False))
    starts_at: datetime = Field(index=True)
    ends_at: datetime | None = None
    place: str = ""  # "Salle des fêtes, 2 place de la Mairie"
    lat: float | None = None
    lon: float | None = None
    capacity: int | None = None  # none: as many as come
    theme: str | None = None  # a catalogue category code, for invitations by theme
    territory: str | None = None
    district: str | None = None
    status: str = "scheduled"  # scheduled, cancelled, held
    created_by: str | None = None  # the référent's e-mail
    invited_at: datetime | None = None
    reminded_at: datetime | None = None  # the reminders of the day before were queued
    attendance: int | None = None  # recorded after the event
    minutes: str | None = Field(default=None, sa_column=Column(Text))
    created_at: datetime = Field(default_factory=utcnow)


class EventIdea(SQLModel, table=True):
    """An idea an event is about: its supporters are invited, the event shows on its page and timeline."""

    __tablename__ = "event_idea"

    event_id: int = Field(foreign_key="event.id", primary_key=True)
    case_id: int = Field(foreign_key="case.id", primary_key=True, index=True)


class Registration(SQLModel, table=True):
    """One person registered to an event, or waiting for a seat; once per contact."""

    __table_args__ = (UniqueConstraint("event_id", "contact_id", name="uq_registration_event_contact"),
                      Index("ix_registration_queue", "event_id", "status", "created_at"))

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="event.id")
    contact_id: int = Field(foreign_key="contact.id", index=True)
    identity_id: int | None = Field(default=None, foreign_key="identity.id")
    channel: str = "sms"  # sms, whatsapp, telegram, email, voice, web
    status: str = "registered"  # registered, waiting, cancelled
    reminded_at: datetime | None = None
    attended: bool | None = None
    created_at: datetime = Field(default_factory=utcnow)  # the waiting list's order
    updated_at: datetime = Field(default_factory=utcnow)


class Interest(SQLModel, table=True):
    """A resident who asked to be invited to the events of a theme or a district."""

    __table_args__ = (UniqueConstraint("identity_id", "theme", "district", name="uq_interest"),)

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contact.id", index=True)
    identity_id: int = Field(foreign_key="identity.id")
    theme: str | None = None
    district: str | None = None
    created_at: datetime = Field(default_factory=utcnow)


class ConfirmationCode(SQLModel, table=True):
    """A code sent to a phone number or an e-mail address typed on a public page, to prove it before a support or
    a registration counts; only its hash is kept."""

    __tablename__ = "confirmation_code"

    id: int | None = Field(default=None, primary_key=True)
    purpose: str  # support, register
    target: str  # the idea's or the event's reference
    channel: str  # sms, email
    address: str  # E.164 or e-mail, as it will be confirmed
    code_hash: str
    attempts: int = 0
    expires_at: datetime
    used_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
