"""The channel registry: one adapter per channel, built from the settings."""

from __future__ import annotations

from typing import Any

from channels.base import ChannelAdapter
from channels.email import from_settings as _email
from channels.telegram import from_settings as _telegram
from channels.twilio_sms import TwilioSMS
from channels.twilio_voice import TwilioVoice
from channels.twilio_whatsapp import TwilioWhatsApp, load_templates


def _twilio(settings: Any) -> dict:
    return {
        "account_sid": settings.twilio_account_sid,
        "auth_token": settings.twilio_auth_token,
        "api_url": settings.twilio_api_url,
        "public_url": settings.public_url,
    }


def _sms(settings: Any) -> TwilioSMS:
    return TwilioSMS(sender=settings.twilio_sms_from, **_twilio(settings))


def _whatsapp(settings: Any) -> TwilioWhatsApp:
    return TwilioWhatsApp(sender=settings.twilio_whatsapp_from or settings.twilio_sms_from,
                          templates=load_templates(settings.config_dir), **_twilio(settings))


BUILTIN_CHANNELS = {"sms": _sms, "whatsapp": _whatsapp, "email": _email, "telegram": _telegram,
                    "voice": TwilioVoice.from_settings}


def build_channels(settings: Any) -> dict[str, ChannelAdapter]:
    """Every configured channel's adapter, by name."""
    return {name: factory(settings) for name, factory in BUILTIN_CHANNELS.items()}
