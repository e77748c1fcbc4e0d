"""The channel registry: one adapter per channel, built from the settings."""

from __future__ import annotations

from typing import Any

from channels.base import ChannelAdapter
from channels.twilio_sms import TwilioSMS


def _sms(settings: Any) -> TwilioSMS:
    return TwilioSMS(
        account_sid=settings.twilio_account_sid,
        auth_token=settings.twilio_auth_token,
        api_url=settings.twilio_api_url,
        public_url=settings.public_url,
        sender=settings.twilio_sms_from,
    )


BUILTIN_CHANNELS = {"sms": _sms}


def build_channels(settings: Any) -> dict[str, ChannelAdapter]:
    """Every configured channel's adapter, by name."""
    return {name: factory(settings) for name, factory in BUILTIN_CHANNELS.items()}
