"""Play a resident against the running demo: through the providers' real webhooks, the SMTP server and the
phone line, as the stand-ins would deliver them; read back what the gateway sent."""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable, Sequence
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

import requests

from channels.standins.smtp_relay import send_eml
from channels.standins.telegram import location_update, post_update, text_update
from channels.standins.twilio import (
    CallStep,
    hang_up,
    inbound_sms_params,
    inbound_whatsapp_params,
    sign_and_post,
)
from channels.standins.twilio import call_step as twilio_call_step
from gateway.demo import DEMO_ACCOUNT_SID, DEMO_AUTH_TOKEN, DEMO_NUMBER, DEMO_STATE, DEMO_TELEGRAM_SECRET


def play(channel: str, sender: str, text: str, *, wait: float = 5.0, location: tuple[float, float] | None = None,
         subject: str | None = None, state_file: Path = DEMO_STATE) -> list[str]:
    """Play a resident writing on `channel` to the running demo; returns the answers the gateway sent them."""
    state = json.loads(state_file.read_text())
    started = time.monotonic()
    send_as_resident(state, channel, sender, text, location=location, subject=subject)
    return _answers(state["database"], channel, sender, since=started, wait=wait)


def send_as_resident(state: dict, channel: str, sender: str, text: str, *,
                     location: tuple[float, float] | None = None, subject: str | None = None) -> None:
    """Write to the demo as a resident would on `channel`: through the provider's real webhook or SMTP."""
    if channel in ("sms", "whatsapp"):
        if channel == "sms":
            params = inbound_sms_params(from_=sender, to=DEMO_NUMBER, body=text, account_sid=DEMO_ACCOUNT_SID)
        else:
            params = inbound_whatsapp_params(from_=sender, to=DEMO_NUMBER, body=text, location=location,
                                             account_sid=DEMO_ACCOUNT_SID)
        response = sign_and_post(f"{state['gateway']}/webhooks/twilio/messages", params, DEMO_AUTH_TOKEN)
        response.raise_for_status()
    elif channel == "telegram":
        # Telegram sends words and a shared position as two messages: the words first, then the pin.
        updates = ([text_update(int(sender), text)] if text else []) + (
            [location_update(int(sender), *location)] if location else [])
        for update in updates:
            post_update(f"{state['gateway']}/webhooks/telegram", update, DEMO_TELEGRAM_SECRET).raise_for_status()
    elif channel == "email":
        mail = EmailMessage()
        mail["From"], mail["To"] = sender, state["inbox"]
        mail["Subject"] = subject or "Signalement"
        mail["Message-ID"] = make_msgid(domain="demo.localhost")
        mail.set_content(text)
        code, reply = send_eml("127.0.0.1", state["smtp_port"], mail.as_bytes(), rcpt_to=state["inbox"])
        if code != 250:
            raise RuntimeError(f"the gateway refused the mail: {code} {reply}")
    else:
        raise ValueError(f"the demo plays sms, whatsapp, telegram and email, not {channel}")


def play_call(caller: str, answer: Callable[[], str | None], *, state_file: Path = DEMO_STATE,
              echo: Callable[[str], None] = print) -> list[str]:
    """Call the running demo's phone line as Twilio would; returns everything the caller heard.

    `answer()` gives the caller's next move: keys ("1", "48273918#"), words said (at the voicemail's beep, the
    message), "" for silence, None to hang up; `echo` shows what the caller hears. However the call ends,
    Twilio's status callback follows, as on the real line (a report complete but unconfirmed is opened then).
    """
    state = demo_state(state_file)
    step = call_step(state, caller)
    heard = []
    try:
        while True:
            for said in step.says:
                echo(f"« {said} »")
            heard.extend(step.says)
            if step.ended:
                echo("(la mairie raccroche)")
                return heard
            entry = answer()
            if entry is None:
                echo("(vous raccrochez)")
                return heard
            if step.record is not None and entry.strip():
                echo("(message enregistré)")
            step = call_step(state, caller, call_sid=step.call_sid, gather=step.gather, redirect=step.redirect,
                             record=step.record, if_silent=step.if_silent, entry=entry)
    finally:
        with contextlib.suppress(requests.RequestException):  # Twilio does not retry a status callback either
            end_call(state, caller, step.call_sid)


def end_call(state: dict, caller: str, call_sid: str) -> None:
    """The end of a call to the running demo's phone line: Twilio's status callback, "completed"."""
    hang_up(state["gateway"], caller=caller, to=DEMO_NUMBER, auth_token=DEMO_AUTH_TOKEN, account_sid=DEMO_ACCOUNT_SID,
            call_sid=call_sid).raise_for_status()


def demo_state(state_file: Path = DEMO_STATE) -> dict:
    """What the running demo wrote about itself (var/demo.json); ValueError when the file is not that."""
    try:
        state = json.loads(state_file.read_text())
    except json.JSONDecodeError as err:
        raise ValueError(f"{state_file} is not the state `guichet demo` writes") from err
    if not isinstance(state, dict) or not {"gateway", "twilio"} <= state.keys():
        raise ValueError(f"{state_file} is not the state `guichet demo` writes")
    return state


def call_step(state: dict, caller: str, *, call_sid: str | None = None, gather: str | None = None,
              redirect: str | None = None, record: str | None = None, if_silent: Sequence[str] = (),
              entry: str | None = None) -> CallStep:
    """One request of a call to the running demo's phone line, as Twilio's phone side makes it; a message
    left at the voicemail is kept by the demo's Twilio stand-in, where its RecordingUrl points."""
    return twilio_call_step(state["gateway"], caller=caller, to=DEMO_NUMBER, auth_token=DEMO_AUTH_TOKEN,
                            account_sid=DEMO_ACCOUNT_SID, call_sid=call_sid, gather=gather, redirect=redirect,
                            record=record, if_silent=if_silent, entry=entry, recordings=state["twilio"])


def _answers(database_url: str, channel: str, sender: str, *, since: float, wait: float) -> list[str]:
    """What the gateway handed to the provider for this resident, waiting up to `wait` seconds for it."""
    from store.contacts import normalise_phone
    from store.db import Database
    from store.outbox import sent_to

    address = sender if channel in ("email", "telegram") else normalise_phone(sender) or sender
    database = Database(database_url)
    seen: list[str] = []
    while time.monotonic() - since < wait:
        with database.session() as session:
            seen = sent_to(session, channel=channel, address=address.lower() if channel == "email" else address,
                           since_seconds=time.monotonic() - since + 1)
        if seen and time.monotonic() - since > 1.5:
            break
        time.sleep(0.2)
    database.dispose()
    return seen
