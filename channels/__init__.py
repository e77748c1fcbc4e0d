"""The channel registry: one adapter per channel, built from the channels' settings."""

from __future__ import annotations

from collections.abc import Callable

from channels.base import ChannelAdapter, ChannelSettings
from channels.email import from_settings as _email
from channels.media import MediaPolicy
from channels.telegram import from_settings as _telegram
from channels.twilio_sms import TwilioSMS
from channels.twilio_voice import TwilioVoice
from channels.twilio_whatsapp import TwilioWhatsApp, load_templates


def _twilio(settings: ChannelSettings) -> dict:
    return {
        "account_sid": settings.twilio_account_sid,
        "auth_token": settings.twilio_auth_token,
        "api_url": settings.twilio_api_url,
        "public_url": settings.public_url,
        "media_policy": MediaPolicy.from_settings(settings),
    }


def _sms(settings: ChannelSettings) -> TwilioSMS:
    return TwilioSMS(sender=settings.twilio_sms_from, **_twilio(settings))


def _whatsapp(settings: ChannelSettings) -> TwilioWhatsApp:
    return TwilioWhatsApp(sender=settings.twilio_whatsapp_from or settings.twilio_sms_from,
                          templates=load_templates(settings.config_dir), **_twilio(settings))


BUILTIN_CHANNELS: dict[str, Callable[[ChannelSettings], ChannelAdapter]] = {
    "sms": _sms, "whatsapp": _whatsapp, "email": _email, "telegram": _telegram, "voice": TwilioVoice.from_settings,
}


def build_channels(settings: ChannelSettings) -> dict[str, ChannelAdapter]:
    """Every configured channel's adapter, by name."""
    return {name: factory(settings) for name, factory in BUILTIN_CHANNELS.items()}
