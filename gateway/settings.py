"""Typed settings read once from the environment (a `.env` file may supply them)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from datetime import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SECRET_FIELDS = {"twilio_auth_token", "telegram_bot_token", "telegram_webhook_secret", "smtp_relay_url",
                 "open311_api_keys", "secret_key"}


class ConfigurationError(Exception):
    """A setting is missing or malformed; the message says which and how to fix it."""


def parse_quiet_hours(value: str) -> tuple[time, time] | None:
    if value.strip().lower() in ("off", "", "none"):
        return None
    try:
        start, end = (time.fromisoformat(part.strip()) for part in value.split("-"))
    except ValueError as err:
        raise ConfigurationError(
            f"GUICHET_QUIET_HOURS={value!r} is not of the form 21:00-08:00 (or 'off')"
        ) from err
    return start, end


def _default_database_url() -> str:
    return f"sqlite:///{REPO / 'var' / 'guichet.db'}"


@dataclass(frozen=True)
class Settings:
    """Every setting of the gateway; the README lists them with their defaults."""

    database_url: str = field(default_factory=_default_database_url)
    public_url: str = "http://127.0.0.1:8000"
    port: int = 8000
    config_dir: Path = REPO / "config"
    town_name: str = "Mairie de Valmont"
    tile_url: str = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    map_resolved_days: int = 30
    media_dir: Path = REPO / "var" / "media"
    twilio_account_sid: str = "AC00000000000000000000000000000000"
    twilio_auth_token: str = "local-demo-token"
    twilio_api_url: str = "https://api.twilio.com"
    twilio_sms_from: str = "+33700000000"
    twilio_whatsapp_from: str = ""
    twilio_voice_from: str = ""
    operator_number: str = ""
    office_hours: str = "mon-fri 09:00-12:00,13:30-17:00"
    voice: str = "Polly.Lea"
    telegram_bot_token: str = ""
    telegram_webhook_secret: str = ""
    telegram_api_url: str = "https://api.telegram.org"
    smtp_port: int = 2525
    inbox: str = "guichet@valmont.localhost"
    smtp_relay_url: str = ""
    quiet_hours: tuple[time, time] | None = (time(21, 0), time(8, 0))
    timezone: str = "Europe/Paris"
    geocoder: str = "gazetteer"
    geocoder_url: str = ""
    duplicate_radius_m: float = 50.0
    duplicate_days: int = 90
    worker_poll_seconds: float = 0.5
    send_max_attempts: int = 8
    send_backoff_seconds: float = 5.0
    send_lease_seconds: float = 120.0
    send_concurrency: int = 8
    daily_message_cap: int = 5
    secret_key: str = "dev-only-secret"
    open311_api_keys: str = ""

    def __repr__(self) -> str:
        shown = ", ".join(
            f"{f.name}={'***' if f.name in SECRET_FIELDS and getattr(self, f.name) else getattr(self, f.name)!r}"
            for f in fields(self)
        )
        return f"Settings({shown})"

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        """Read the settings from `env` (default: the process environment and `.env`)."""
        if env is None:
            from dotenv import load_dotenv

            load_dotenv(REPO / ".env")
            env = dict(os.environ)
        get = env.get
        defaults = cls()
        try:
            return cls(
                database_url=_sqlalchemy_url(get("DATABASE_URL") or defaults.database_url),
                public_url=(get("GUICHET_PUBLIC_URL") or f"http://127.0.0.1:{get('PORT') or 8000}").rstrip("/"),
                port=int(get("PORT") or defaults.port),
                config_dir=Path(get("GUICHET_CONFIG_DIR") or defaults.config_dir),
                town_name=get("GUICHET_TOWN_NAME") or defaults.town_name,
                tile_url=get("GUICHET_TILE_URL") or defaults.tile_url,
                map_resolved_days=int(get("GUICHET_MAP_RESOLVED_DAYS") or defaults.map_resolved_days),
                media_dir=Path(get("GUICHET_MEDIA_DIR") or defaults.media_dir),
                twilio_account_sid=get("TWILIO_ACCOUNT_SID") or defaults.twilio_account_sid,
                twilio_auth_token=get("TWILIO_AUTH_TOKEN") or defaults.twilio_auth_token,
                twilio_api_url=(get("TWILIO_API_URL") or defaults.twilio_api_url).rstrip("/"),
                twilio_sms_from=get("TWILIO_SMS_FROM") or defaults.twilio_sms_from,
                twilio_whatsapp_from=get("TWILIO_WHATSAPP_FROM") or "",
                twilio_voice_from=get("TWILIO_VOICE_FROM") or "",
                operator_number=get("GUICHET_OPERATOR_NUMBER") or "",
                office_hours=get("GUICHET_OFFICE_HOURS") or defaults.office_hours,
                voice=get("GUICHET_VOICE", defaults.voice),
                telegram_bot_token=get("TELEGRAM_BOT_TOKEN") or "",
                telegram_webhook_secret=get("TELEGRAM_WEBHOOK_SECRET") or "",
                telegram_api_url=(get("TELEGRAM_API_URL") or defaults.telegram_api_url).rstrip("/"),
                smtp_port=int(get("GUICHET_SMTP_PORT") or defaults.smtp_port),
                inbox=get("GUICHET_INBOX") or defaults.inbox,
                smtp_relay_url=get("SMTP_RELAY_URL") or "",
                quiet_hours=parse_quiet_hours(get("GUICHET_QUIET_HOURS") or "21:00-08:00"),
                timezone=get("GUICHET_TIMEZONE") or defaults.timezone,
                geocoder=get("GUICHET_GEOCODER") or defaults.geocoder,
                geocoder_url=get("GUICHET_GEOCODER_URL") or "",
                duplicate_radius_m=float(get("GUICHET_DUPLICATE_RADIUS_M") or defaults.duplicate_radius_m),
                duplicate_days=int(get("GUICHET_DUPLICATE_DAYS") or defaults.duplicate_days),
                worker_poll_seconds=float(get("GUICHET_WORKER_POLL") or defaults.worker_poll_seconds),
                send_max_attempts=int(get("GUICHET_SEND_MAX_ATTEMPTS") or defaults.send_max_attempts),
                send_backoff_seconds=float(get("GUICHET_SEND_BACKOFF") or defaults.send_backoff_seconds),
                send_lease_seconds=float(get("GUICHET_SEND_LEASE") or defaults.send_lease_seconds),
                send_concurrency=int(get("GUICHET_SEND_CONCURRENCY") or defaults.send_concurrency),
                daily_message_cap=int(get("GUICHET_DAILY_MESSAGE_CAP") or defaults.daily_message_cap),
                secret_key=get("GUICHET_SECRET_KEY") or defaults.secret_key,
                open311_api_keys=get("GUICHET_OPEN311_API_KEYS") or "",
            )
        except ValueError as err:
            raise ConfigurationError(f"A numeric setting is malformed: {err}") from err


def _sqlalchemy_url(url: str) -> str:
    """Accept `postgres://` and `postgresql://` as a town's IT would write them; we drive psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url
