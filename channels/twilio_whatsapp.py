"""WhatsApp through Twilio: the same Messaging webhook and API, `whatsapp:` addresses, and the 24-hour rule.

WhatsApp lets a business write freely only within 24 hours of the resident's last message; after
that only approved templates go through (Twilio error 63016 otherwise). Case updates arrive days
later, so each status has a template (`config/whatsapp.yaml`: a ContentSid and its variables).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import yaml

from channels.base import OutboundMessage, PermanentSendError, clean_text, point
from channels.twilio_sms import TwilioSMS

# A margin under WhatsApp's 24 hours: a message queued at 23:59 may leave a little later.
FREE_TEXT_WINDOW = timedelta(hours=23)


class TwilioWhatsApp(TwilioSMS):
    """The WhatsApp channel adapter."""

    name = "whatsapp"

    def __init__(self, *, templates: dict[str, dict], **twilio):
        super().__init__(**twilio)
        self.sender = self.bare(self.sender)  # TWILIO_WHATSAPP_FROM may be written either way
        self.templates = templates

    def address(self, number: str) -> str:
        """WhatsApp addresses at Twilio are `whatsapp:+33…`; we keep the bare E.164 number."""
        return f"whatsapp:{self.bare(number)}"

    def bare(self, address: str) -> str:
        """The E.164 number of a `whatsapp:+33…` address: nothing past this adapter sees the prefix."""
        return address.removeprefix("whatsapp:")

    def _extra_fields(self, form) -> dict:
        # A location pin has an empty Body and carries Latitude/Longitude (and, for a named place, Label).
        # A pin that is no place (NaN, infinities, out of range) is ignored: the engine asks "where?".
        fields: dict = {"profile_name": clean_text(form.get("ProfileName") or "") or None}
        where = point(form.get("Latitude"), form.get("Longitude"))
        if where is not None:
            fields["lat"], fields["lon"] = where
        return fields

    def _content(self, message: OutboundMessage) -> dict:
        last = message.last_inbound_at
        if last is not None and datetime.now(UTC) - last < FREE_TEXT_WINDOW:
            content: dict = {"body": message.body}
            if message.photo is not None and message.photo.url:
                # Twilio fetches the photo from its public address (the blurred copy) and sends it as media.
                content["media_url"] = [message.photo.url]
            return content
        template = self.templates.get(message.case_status or "") if message.purpose == "update" else None
        if template is None:
            raise PermanentSendError(
                f"outside WhatsApp's 24-hour window and no template for {message.purpose} "
                f"{message.case_status or ''}".strip(), code="63016")
        variables = {key: value.format(reference=message.reference or "", text=message.body)
                     for key, value in template.get("variables", {}).items()}
        return {"content_sid": template["content_sid"], "content_variables": json.dumps(variables)}


def load_templates(config_dir: Path) -> dict[str, dict]:
    """The approved templates by case status, from config/whatsapp.yaml."""
    path = config_dir / "whatsapp.yaml"
    if not path.exists():
        return {}
    return (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("templates", {})
