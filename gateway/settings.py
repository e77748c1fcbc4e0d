"""Typed settings read once from the environment (a `.env` file may supply them), validated at start-up.

`Settings` is one pydantic model: each field names its environment variable, its type and its default
(README's "Settings" table lists them). A malformed value stops the process before anything runs, with
one sentence a line naming the variable and what to write. `settings.replace(...)` copies them with
some values changed, validated the same way.
"""

from __future__ import annotations

import importlib.util
import os
import re
from collections.abc import Iterator, Mapping
from datetime import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from gateway.errors import ConfigurationError

if TYPE_CHECKING:
    from channels.base import ChannelSettings

REPO = Path(__file__).resolve().parents[1]
SECRET_FIELDS = {"twilio_auth_token", "telegram_bot_token", "telegram_webhook_secret", "smtp_relay_url",
                 "open311_api_keys", "secret_key"}
URL_SECRETS = {"smtp_relay_url", "database_url"}  # shown in errors with their password masked
# An empty variable means its default, as `VAR=` in a .env file reads; for the voice it means Twilio's own.
EMPTY_IS_A_VALUE = {"voice"}


def parse_quiet_hours(value: str) -> tuple[time, time] | None:
    """`21:00-08:00` as (start, end); None for `off`. ValueError when it is neither."""
    if value.strip().lower() in ("off", "", "none"):
        return None
    start, end = (time.fromisoformat(part.strip()) for part in value.split("-"))
    return start, end


# Where residents' photos come from: Twilio's API (a MediaUrl) and the CDN it redirects to, Telegram's files.
PROVIDER_MEDIA_HOSTS = ("api.twilio.com", "media.twiliocdn.com", "mms.twiliocdn.com", "api.telegram.org")
# A media host as GUICHET_MEDIA_HOSTS lists it: a name or address, and a port when it is not the default one.
MEDIA_HOST = re.compile(r"[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:\d{1,5})?")


def _default_database_url() -> str:
    return f"sqlite:///{REPO / 'var' / 'guichet.db'}"


Port = Annotated[int, Field(ge=0, le=65535)]  # 0: one the system picks
Count = Annotated[int, Field(ge=1)]
Days = Annotated[int, Field(ge=0)]
Seconds = Annotated[float, Field(gt=0)]


class Settings(BaseModel):
    """Every setting of the gateway, by its environment variable; the README lists them with their defaults."""

    model_config = ConfigDict(frozen=True, validate_by_name=True, validate_by_alias=True, extra="ignore")

    database_url: str = Field(default_factory=_default_database_url, validation_alias="DATABASE_URL")
    public_url: str = Field("http://127.0.0.1:8000", validation_alias="GUICHET_PUBLIC_URL")
    port: Port = Field(8000, validation_alias="PORT")
    config_dir: Path = Field(REPO / "config", validation_alias="GUICHET_CONFIG_DIR")
    town_name: str = Field("", validation_alias="GUICHET_TOWN_NAME")  # empty: config/town.yaml's name
    tile_url: str = Field("https://tile.openstreetmap.org/{z}/{x}/{y}.png", validation_alias="GUICHET_TILE_URL")
    map_resolved_days: int = Field(30, validation_alias="GUICHET_MAP_RESOLVED_DAYS")  # below 0: none shown
    media_dir: Path = Field(REPO / "var" / "media", validation_alias="GUICHET_MEDIA_DIR")
    twilio_account_sid: str = Field("AC00000000000000000000000000000000", validation_alias="TWILIO_ACCOUNT_SID")
    twilio_auth_token: str = Field("local-demo-token", validation_alias="TWILIO_AUTH_TOKEN")
    twilio_api_url: str = Field("https://api.twilio.com", validation_alias="TWILIO_API_URL")
    twilio_sms_from: str = Field("+33700000000", validation_alias="TWILIO_SMS_FROM")
    twilio_whatsapp_from: str = Field("", validation_alias="TWILIO_WHATSAPP_FROM")
    twilio_voice_from: str = Field("", validation_alias="TWILIO_VOICE_FROM")
    operator_number: str = Field("", validation_alias="GUICHET_OPERATOR_NUMBER")
    office_hours: str = Field("mon-fri 09:00-12:00,13:30-17:00", validation_alias="GUICHET_OFFICE_HOURS")
    voice: str = Field("Polly.Lea", validation_alias="GUICHET_VOICE")
    speech_confidence: Annotated[float, Field(ge=0, le=1)] = Field(0.6, validation_alias="GUICHET_SPEECH_CONFIDENCE")
    telegram_bot_token: str = Field("", validation_alias="TELEGRAM_BOT_TOKEN")
    telegram_bot_name: str = Field("", validation_alias="TELEGRAM_BOT_NAME")  # the home page names the bot
    telegram_webhook_secret: str = Field("", validation_alias="TELEGRAM_WEBHOOK_SECRET")
    telegram_api_url: str = Field("https://api.telegram.org", validation_alias="TELEGRAM_API_URL")
    media_hosts: tuple[str, ...] = Field(PROVIDER_MEDIA_HOSTS, validation_alias="GUICHET_MEDIA_HOSTS")
    media_max_bytes: Count = Field(10 * 1024 * 1024, validation_alias="GUICHET_MEDIA_MAX_BYTES")
    media_timeout: Seconds = Field(20.0, validation_alias="GUICHET_MEDIA_TIMEOUT")
    smtp_port: Port = Field(2525, validation_alias="GUICHET_SMTP_PORT")
    inbox: str = Field("guichet@valmont.localhost", validation_alias="GUICHET_INBOX")
    smtp_relay_url: str = Field("", validation_alias="SMTP_RELAY_URL")
    quiet_hours: tuple[time, time] | None = Field((time(21, 0), time(8, 0)), validation_alias="GUICHET_QUIET_HOURS")
    # How long a non-urgent update waits before it leaves, so that the changes an agent makes within it reach
    # each person as one message (0: at once).
    update_merge_seconds: Annotated[float, Field(ge=0)] = Field(60.0, validation_alias="GUICHET_UPDATE_MERGE_SECONDS")
    timezone: str = Field("Europe/Paris", validation_alias="GUICHET_TIMEZONE")
    geocoder: Literal["gazetteer", "ban", "nominatim"] = Field("gazetteer", validation_alias="GUICHET_GEOCODER")
    geocoder_url: str = Field("", validation_alias="GUICHET_GEOCODER_URL")
    # Asked when the geocoder finds nothing: `ban` sends the address to the Base Adresse Nationale.
    geocoder_fallback: Literal["off", "ban"] = Field("off", validation_alias="GUICHET_GEOCODER_FALLBACK")
    geocoder_fallback_url: str = Field("", validation_alias="GUICHET_GEOCODER_FALLBACK_URL")
    duplicate_radius_m: Annotated[float, Field(ge=0)] = Field(50.0, validation_alias="GUICHET_DUPLICATE_RADIUS_M")
    duplicate_days: Days = Field(90, validation_alias="GUICHET_DUPLICATE_DAYS")
    # Conversations that resume (gateway/engine/conversation.py): how long after an agent wrote to a reporter
    # their messages are answers on that case; how long after a resolution "pas réglé" offers to reopen it;
    # how many days after a resolution the reporter is asked "C'est réglé ?" (0: never asked).
    reply_window_hours: Annotated[float, Field(ge=0)] = Field(72.0, validation_alias="GUICHET_REPLY_WINDOW_HOURS")
    reopen_days: Days = Field(30, validation_alias="GUICHET_REOPEN_DAYS")
    satisfaction_days: Days = Field(3, validation_alias="GUICHET_SATISFACTION_DAYS")
    worker_poll_seconds: Seconds = Field(0.5, validation_alias="GUICHET_WORKER_POLL")
    send_max_attempts: Count = Field(100, validation_alias="GUICHET_SEND_MAX_ATTEMPTS")
    send_retry_hours: Annotated[float, Field(gt=0)] = Field(48.0, validation_alias="GUICHET_SEND_RETRY_HOURS")
    send_backoff_seconds: Annotated[float, Field(ge=0)] = Field(5.0, validation_alias="GUICHET_SEND_BACKOFF")
    send_lease_seconds: Seconds = Field(120.0, validation_alias="GUICHET_SEND_LEASE")
    send_concurrency: Count = Field(8, validation_alias="GUICHET_SEND_CONCURRENCY")
    # Messages a worker handles in one transaction on PostgreSQL (one per resident; SQLite: one at a time).
    intake_batch: Count = Field(8, validation_alias="GUICHET_INTAKE_BATCH")
    # Floods, per person (one contact, whatever their channels): cases opened and answers sent per hour and
    # per day; past them their messages are kept unanswered (gateway/engine/limits.py).
    max_cases_per_hour: Count = Field(5, validation_alias="GUICHET_MAX_CASES_PER_HOUR")
    max_cases_per_day: Count = Field(20, validation_alias="GUICHET_MAX_CASES_PER_DAY")
    max_replies_per_hour: Count = Field(20, validation_alias="GUICHET_MAX_REPLIES_PER_HOUR")
    max_replies_per_day: Count = Field(60, validation_alias="GUICHET_MAX_REPLIES_PER_DAY")
    # Case updates one person is sent per day (town time, all their cases together); what comes past it is
    # merged into one digest sent the next morning (gateway/cases/flows.py). Urgent cases are not held.
    max_updates_per_day: Count = Field(10, validation_alias="GUICHET_MAX_UPDATES_PER_DAY")
    # Web requests, per client address (Flask-Limiter's notation; gateway/web/limits.py).
    login_rate_limit: str = Field("10/minute;100/day", validation_alias="GUICHET_LOGIN_RATE_LIMIT")
    # text: one line a record with its fields as key=value; json: one JSON object a line (gateway/logs.py)
    log_format: Literal["text", "json"] = Field("text", validation_alias="GUICHET_LOG_FORMAT")
    form_rate_limit: str = Field("60/minute", validation_alias="GUICHET_FORM_RATE_LIMIT")
    api_rate_limit: str = Field("300/minute", validation_alias="GUICHET_API_RATE_LIMIT")
    open311_rate_limit: str = Field("10/minute;200/day", validation_alias="GUICHET_OPEN311_RATE_LIMIT")
    rate_limit_storage: str = Field("memory://", validation_alias="GUICHET_RATE_LIMIT_STORAGE")
    trusted_proxies: Annotated[int, Field(ge=0, le=10)] = Field(0, validation_alias="GUICHET_TRUSTED_PROXIES")
    retention_months: Count = Field(24, validation_alias="GUICHET_RETENTION_MONTHS")
    photo_retention_days: Count = Field(365, validation_alias="GUICHET_PHOTO_RETENTION_DAYS")
    secret_key: str = Field("dev-only-secret", validation_alias="GUICHET_SECRET_KEY")
    # Unacknowledged this long, an on-call alert goes to the next contact of config/oncall.yaml.
    oncall_escalate_minutes: Annotated[float, Field(gt=0)] = Field(15.0, validation_alias="GUICHET_ONCALL_ESCALATE_MINUTES")
    # The town's hour (0-23) the daily digest of overdue cases leaves for their services and the supervisors.
    overdue_digest_hour: Annotated[int, Field(ge=0, le=23)] = Field(8, validation_alias="GUICHET_OVERDUE_DIGEST_HOUR")
    open311_api_keys: str = Field("", validation_alias="GUICHET_OPEN311_API_KEYS")

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read the settings from `env` (default: the process environment and `.env`); ConfigurationError if malformed."""
        if env is None:
            from dotenv import load_dotenv

            load_dotenv(REPO / ".env")  # what the environment already says wins
            env = os.environ
        return cls._validated({key: value for key, value in env.items() if key in FIELDS})

    def replace(self, **changes: Any) -> Settings:
        """A copy with `changes` (by field name), validated like the environment."""
        unknown = sorted(set(changes) - set(type(self).model_fields))
        if unknown:
            raise TypeError(f"Settings has no {', '.join(unknown)}")
        return self._validated({**self.model_dump(), **changes})

    @classmethod
    def _validated(cls, values: dict[str, Any]) -> Settings:
        try:
            return cls.model_validate(values)
        except ValidationError as err:
            raise ConfigurationError("\n".join(_sentences(err))) from err

    def for_channels(self, *, reference_prefix: str, update_call: tuple[str, ...],
                     town: str = "") -> ChannelSettings:
        """What the channel adapters are built from, with the case reference prefix of the town's catalogue
        and the words around an update read on the phone (from the templates)."""
        from channels.base import ChannelSettings
        from nlu.references import find_references

        return ChannelSettings(
            public_url=self.public_url,
            config_dir=self.config_dir,
            twilio_account_sid=self.twilio_account_sid,
            twilio_auth_token=self.twilio_auth_token,
            twilio_api_url=self.twilio_api_url,
            twilio_sms_from=self.twilio_sms_from,
            twilio_whatsapp_from=self.twilio_whatsapp_from,
            twilio_voice_from=self.twilio_voice_from,
            operator_number=self.operator_number,
            office_hours=self.office_hours,
            timezone=self.timezone,
            voice=self.voice,
            telegram_bot_token=self.telegram_bot_token,
            telegram_webhook_secret=self.telegram_webhook_secret,
            telegram_api_url=self.telegram_api_url,
            media_hosts=self.media_hosts,
            media_max_bytes=self.media_max_bytes,
            media_timeout=self.media_timeout,
            inbox=self.inbox,
            smtp_relay_url=self.smtp_relay_url,
            email_display_name=f"{self.town_name or town or 'Guichet'} – Guichet",
            reference_prefix=reference_prefix,
            find_references=find_references,
            update_call=update_call,
            speech_confidence=self.speech_confidence,
        )

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        for name, value in super().__repr_args__():
            if name in SECRET_FIELDS and value:
                yield name, "***"
            elif name == "database_url":
                yield name, _without_password(value)
            else:
                yield name, value

    # -- what each value must be ----------------------------------------------------------------------

    @model_validator(mode="before")
    @classmethod
    def _by_name(cls, data: Any) -> Any:
        """Environment variables become field names; an empty one means the default."""
        if not isinstance(data, dict):
            return data
        values = {FIELDS.get(key, key): value for key, value in data.items()}
        values = {name: value for name, value in values.items() if value != "" or name in EMPTY_IS_A_VALUE}
        if not values.get("public_url"):
            port = str(values.get("port", 8000))
            values["public_url"] = f"http://127.0.0.1:{port if port.isdigit() else 8000}"
        return values

    @field_validator("database_url")
    @classmethod
    def _database(cls, value: str) -> str:
        from sqlalchemy.engine import make_url

        url = _sqlalchemy_url(value)
        try:
            backend = make_url(url).get_backend_name()
        except Exception as err:  # SQLAlchemy's ArgumentError is not a ValueError
            raise ValueError("not a database URL") from err
        if backend not in ("sqlite", "postgresql"):
            raise ValueError("not SQLite or PostgreSQL")
        return url

    @field_validator("public_url", "twilio_api_url", "telegram_api_url")
    @classmethod
    def _web_address(cls, value: str) -> str:
        return _http_url(value)

    @field_validator("geocoder_url", "geocoder_fallback_url")
    @classmethod
    def _optional_web_address(cls, value: str) -> str:
        return _http_url(value) if value else value

    @field_validator("smtp_relay_url")
    @classmethod
    def _relay(cls, value: str) -> str:
        if value:
            from channels.email import RelayAddress

            RelayAddress.from_url(value)
        return value

    @field_validator("media_hosts", mode="before")
    @classmethod
    def _media_hosts(cls, value: Any) -> Any:
        hosts = tuple(h.strip().lower() for h in value.split(",") if h.strip()) if isinstance(value, str) else value
        for host in hosts or ():
            if not isinstance(host, str) or not MEDIA_HOST.fullmatch(host):
                raise ValueError("not a list of hosts")
        return hosts

    @field_validator("quiet_hours", mode="before")
    @classmethod
    def _quiet_hours(cls, value: Any) -> Any:
        return parse_quiet_hours(value) if isinstance(value, str) else value

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (KeyError, ValueError) as err:  # ZoneInfoNotFoundError is a KeyError
            raise ValueError("unknown time zone") from err
        return value

    @field_validator("office_hours")
    @classmethod
    def _office_hours(cls, value: str) -> str:
        if value.strip().lower() != "off":
            from channels.twilio_voice import OfficeHours

            OfficeHours.parse(value)
        return value

    @field_validator("login_rate_limit", "form_rate_limit", "api_rate_limit", "open311_rate_limit")
    @classmethod
    def _rate(cls, value: str) -> str:
        from limits import parse_many

        parse_many(value)  # ValueError on anything but "N/unit[;M/unit]"
        return value

    @field_validator("rate_limit_storage")
    @classmethod
    def _rate_storage(cls, value: str) -> str:
        scheme = urlsplit(value).scheme
        if scheme not in ("memory", "redis", "rediss"):
            raise ValueError("not memory:// or redis://")
        if scheme != "memory" and importlib.util.find_spec("redis") is None:  # limits' Redis storage drives it
            raise ValueError("redis needs the redis package")
        return value

    def is_published(self, name: str) -> bool:
        """Whether the secret field `name` still holds a value published in this repository."""
        value = getattr(self, name)
        # deploy/guichet.env.example's placeholders are published too: CHANGE-ME is nobody's secret.
        return value in PUBLISHED_SECRETS[name][0] or PLACEHOLDER in value.upper()

    def published_secrets(self) -> list[str]:
        """One sentence per secret still at a value published in this repository (empty when none is)."""
        recipe = "$(python -c \"import secrets; print(secrets.token_urlsafe(32))\")"
        published = [f"{variable} is the repository's published default, which anyone can use to {harm}: set your "
                     f"own, e.g. {variable}={recipe}"
                     for name, (_, variable, harm) in PUBLISHED_SECRETS.items() if self.is_published(name)]
        # The session key is ours alone to choose: a short one is guessed (the providers' tokens are theirs).
        short = [] if self.is_published("secret_key") or len(self.secret_key) >= MIN_SECRET_KEY_CHARS else [
            f"GUICHET_SECRET_KEY is {len(self.secret_key)} characters long, which can be guessed: use "
            f"{MIN_SECRET_KEY_CHARS} or more, e.g. GUICHET_SECRET_KEY={recipe}"]
        return published + short

    def refuse_published_secrets(self) -> None:
        """Stop a server or worker that would run with a published secret (ConfigurationError naming each)."""
        sentences = self.published_secrets()
        if sentences:
            raise ConfigurationError("\n".join(sentences))

    @field_validator("config_dir")
    @classmethod
    def _folder(cls, value: Path) -> Path:
        if not value.is_dir():
            raise ValueError("not a folder")
        return value


FIELDS = {str(info.validation_alias): name for name, info in Settings.model_fields.items()}
VARIABLES = {name: variable for variable, name in FIELDS.items()}

SECONDS = "a number of seconds"
WHOLE_DAYS = "a whole number of days"
WEB_ADDRESS = "an http:// or https:// address"
RATE = "a rate such as 10/minute, or several joined by ; (10/minute;100/day)"
# Per variable: what its value must be, and one that is right. Each start-up error is built from these.
EXPECTED = {
    "DATABASE_URL": ("a SQLite or PostgreSQL URL", "postgresql://guichet:password@127.0.0.1:5432/guichet"),
    "GUICHET_PUBLIC_URL": (WEB_ADDRESS, "https://guichet.valmont.fr"),
    "PORT": ("a port number (0 to 65535)", "8000"),
    "GUICHET_CONFIG_DIR": ("a folder holding the town's configuration", "/srv/guichet/config"),
    "GUICHET_MAP_RESOLVED_DAYS": (WHOLE_DAYS, "30"),
    "TWILIO_API_URL": (WEB_ADDRESS, "https://api.twilio.com"),
    "GUICHET_OFFICE_HOURS": ("days and hours like 'mon-fri 09:00-12:00,13:30-17:00' (or off)",
                             '"mon-fri 09:00-12:00,13:30-17:00"'),
    "TELEGRAM_API_URL": (WEB_ADDRESS, "https://api.telegram.org"),
    "GUICHET_MEDIA_HOSTS": ("a comma-separated list of hosts (host or host:port)",
                            "api.twilio.com,media.twiliocdn.com,mms.twiliocdn.com,api.telegram.org"),
    "GUICHET_MEDIA_MAX_BYTES": ("a whole number of bytes, 1 or more", "10485760"),
    "GUICHET_MEDIA_TIMEOUT": (SECONDS, "20"),
    "GUICHET_SMTP_PORT": ("a port number (0 to 65535)", "2525"),
    "SMTP_RELAY_URL": ("of the form smtp://user:pass@host:port", "smtp://guichet:password@relay.valmont.fr:587"),
    "GUICHET_QUIET_HOURS": ("a range of hours like 21:00-08:00 (or off)", "21:00-08:00"),
    "GUICHET_LOG_FORMAT": ("text or json", "json"),
    "GUICHET_UPDATE_MERGE_SECONDS": ("a number of seconds, 0 or more", "60"),
    "GUICHET_TIMEZONE": ("a time zone of the IANA database", "Europe/Paris"),
    "GUICHET_GEOCODER": ("one of gazetteer, ban, nominatim", "gazetteer"),
    "GUICHET_GEOCODER_URL": (WEB_ADDRESS + " (or nothing, for the public service)",
                             "https://api-adresse.data.gouv.fr"),
    "GUICHET_GEOCODER_FALLBACK": ("off or ban", "ban"),
    "GUICHET_GEOCODER_FALLBACK_URL": (WEB_ADDRESS + " (or nothing, for the public service)",
                                      "https://api-adresse.data.gouv.fr"),
    "GUICHET_DUPLICATE_RADIUS_M": ("a distance in metres", "50"),
    "GUICHET_DUPLICATE_DAYS": (WHOLE_DAYS, "90"),
    "GUICHET_WORKER_POLL": (SECONDS, "0.5"),
    "GUICHET_SEND_MAX_ATTEMPTS": ("a whole number of attempts, 1 or more", "100"),
    "GUICHET_SEND_RETRY_HOURS": ("a number of hours, more than 0", "48"),
    "GUICHET_SEND_BACKOFF": (SECONDS, "5"),
    "GUICHET_SEND_LEASE": (SECONDS, "120"),
    "GUICHET_SEND_CONCURRENCY": ("a whole number of provider calls, 1 or more", "8"),
    "GUICHET_MAX_CASES_PER_HOUR": ("a whole number of cases, 1 or more", "5"),
    "GUICHET_MAX_CASES_PER_DAY": ("a whole number of cases, 1 or more", "20"),
    "GUICHET_MAX_REPLIES_PER_HOUR": ("a whole number of answers, 1 or more", "20"),
    "GUICHET_MAX_REPLIES_PER_DAY": ("a whole number of answers, 1 or more", "60"),
    "GUICHET_MAX_UPDATES_PER_DAY": ("a whole number of updates, 1 or more", "10"),
    "GUICHET_LOGIN_RATE_LIMIT": (RATE, "10/minute;100/day"),
    "GUICHET_FORM_RATE_LIMIT": (RATE, "60/minute"),
    "GUICHET_API_RATE_LIMIT": (RATE, "300/minute"),
    "GUICHET_OPEN311_RATE_LIMIT": (RATE, "10/minute;200/day"),
    "GUICHET_RATE_LIMIT_STORAGE": ("memory:// or a redis:// URL (with the redis package installed)",
                                   "redis://127.0.0.1:6379/0"),
    "GUICHET_TRUSTED_PROXIES": ("the number of reverse proxies in front of the gateway (0 to 10)", "1"),
    "GUICHET_RETENTION_MONTHS": ("a whole number of months, 1 or more", "24"),
    "GUICHET_PHOTO_RETENTION_DAYS": ("a whole number of days, 1 or more", "365"),
    "GUICHET_SPEECH_CONFIDENCE": ("a number from 0 (never read back) to 1 (always)", "0.6"),
    "GUICHET_ONCALL_ESCALATE_MINUTES": ("a number of minutes, more than 0", "15"),
    "GUICHET_OVERDUE_DIGEST_HOUR": ("an hour of the day, 0 to 23", "8"),
}

# Secrets whose defaults are published in this repository (settings, demo): a server or worker refuses
# them at start-up; `guichet demo` and the tests set their own. Field -> (published values, variable, what it opens).
MIN_SECRET_KEY_CHARS = 16
PLACEHOLDER = "CHANGE-ME"
PUBLISHED_SECRETS = {
    "secret_key": (("dev-only-secret",), "GUICHET_SECRET_KEY", "forge a back-office session"),
    "twilio_auth_token": (("local-demo-token", "demo-auth-token"), "TWILIO_AUTH_TOKEN",
                          "sign Twilio webhooks (fake SMS, WhatsApp and calls)"),
    "telegram_webhook_secret": (("demo-telegram-secret",), "TELEGRAM_WEBHOOK_SECRET", "post fake Telegram updates"),
}


def _sentences(err: ValidationError) -> Iterator[str]:
    """One sentence per malformed variable: its value, what it should be, and a value that is right."""
    seen = set()
    for error in err.errors():
        name = str(error["loc"][0]) if error["loc"] else ""
        variable = VARIABLES.get(name, name)
        if variable in seen:
            continue
        seen.add(variable)
        field = Settings.model_fields.get(name)
        what, example = EXPECTED.get(variable, ("valid", field.default if field else ""))
        value = str(error.get("input", ""))
        shown = _without_password(value) if name in URL_SECRETS else "***" if name in SECRET_FIELDS else value
        yield f"{variable}={shown!r} is not {what}; write e.g. {variable}={example}"


def _http_url(value: str) -> str:
    """`value` without its trailing slash; ValueError unless it is an http(s) address with a host."""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("not an http(s) address")
    _ = parts.port  # ValueError on a port that is not a number
    return value.rstrip("/")


def _without_password(url: str) -> str:
    """A URL as it may be shown: its password, if any, masked (`user:***@host`), scheme or not."""
    return re.sub(r"(?<=:)[^:@/]*(?=@)", "***", url, count=1)


def _sqlalchemy_url(url: str) -> str:
    """Accept `postgres://` and `postgresql://` as a town's IT would write them; we drive psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url
