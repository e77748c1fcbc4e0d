"""Telegram end to end over HTTP: updates posted to the webhook, the real engine, answers through the local Bot API."""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path

import pytest
import requests
from PIL import Image
from sqlmodel import select

from channels.standins.telegram import location_update, start_update, text_update
from channels.telegram import LOCATION_BUTTON
from gateway.inbound.telegram import poll
from store.clock import utcnow
from store.models import Attachment, Case, Identity, OutboxEntry, ReceivedMessage
from tests.channels.telegram.conftest import CHAT, SECRET
from tests.routing.test_photos import jpeg_with_gps

POTHOLE = "Nid de poule devant le 14 rue Victor Hugo"
VICTOR_HUGO_14 = (47.388, 0.6822)  # 14 rue Victor Hugo, Valmont


def rows(rt, model) -> list:
    with rt.db.session() as session:
        return list(session.exec(select(model).order_by(model.id)).all())


def test_one_message_with_what_and_where_opens_a_case_and_answers_in_the_chat(tg):
    response = tg.turn(text_update(CHAT, POTHOLE))

    assert (response.status_code, response.text) == (200, "")
    [case] = rows(tg.rt, Case)
    assert (case.category, case.territory) == ("chaussee", "valmont")
    [answer] = tg.answers()
    assert case.reference in answer["text"]
    [identity] = rows(tg.rt, Identity)
    assert (identity.channel, identity.address, identity.gateway_address) == ("telegram", str(CHAT), "123456789")


def test_a_wrong_or_missing_secret_gets_403_and_nothing_is_stored(tg):
    wrong = tg.post(text_update(CHAT, POTHOLE), secret="not-the-secret")
    missing = tg.post(text_update(CHAT, POTHOLE), secret=None)
    tg.worker.run_once()

    assert (wrong.status_code, missing.status_code) == (403, 403)
    assert rows(tg.rt, ReceivedMessage) == []
    assert tg.standin.sent == []


def test_the_same_update_id_twice_at_once_makes_one_case_and_one_answer(tg):
    update = text_update(CHAT, POTHOLE)
    responses = []
    threads = [threading.Thread(target=lambda: responses.append(tg.post(update))) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    responses.append(tg.post(update))
    tg.worker.run_once()

    assert [r.status_code for r in responses] == [200] * 4
    assert len(rows(tg.rt, ReceivedMessage)) == 1
    assert len(rows(tg.rt, Case)) == 1
    assert len(tg.answers()) == 1


def test_without_a_place_the_bot_asks_where_with_the_share_location_button_then_a_location_opens_the_case(tg):
    tg.turn(text_update(CHAT, "Nid de poule"))
    assert rows(tg.rt, Case) == []
    [question] = tg.answers()
    assert "Où" in question["text"]
    assert question["reply_markup"]["keyboard"] == [[{"text": LOCATION_BUTTON, "request_location": True}]]

    tg.turn(location_update(CHAT, *VICTOR_HUGO_14))

    [case] = rows(tg.rt, Case)
    assert (case.category, case.service, case.territory) == ("chaussee", "valmont-voirie", "valmont")
    assert (case.lat, case.lon) == pytest.approx(VICTOR_HUGO_14, abs=1e-4)
    assert case.description == "Nid de poule"
    acknowledgement = tg.answers()[1]
    assert case.reference in acknowledgement["text"]
    assert acknowledgement["reply_markup"] == {"remove_keyboard": True}


def test_a_photo_with_its_caption_opens_a_case_that_keeps_the_photo(tg):
    photo = jpeg_with_gps(47.388, 0.6822)
    tg.turn(tg.standin.photo_update(CHAT, photo, caption=POTHOLE))

    [case] = rows(tg.rt, Case)
    assert case.reference in tg.answers()[0]["text"]
    [attachment] = rows(tg.rt, Attachment)
    assert attachment.case_id == case.id
    with Image.open(Path(attachment.path)) as kept:  # re-encoded: the same picture, its EXIF dropped
        assert (kept.format, kept.size, dict(kept.getexif())) == ("JPEG", (8, 8), {})


def test_start_greets_a_new_resident_with_how_to_report(tg):
    tg.turn(start_update(CHAT, payload="affiche-mairie"))

    [answer] = tg.answers()
    assert "Signalez" in answer["text"]
    assert rows(tg.rt, Case) == []


def test_a_blocked_bot_fails_the_message_and_stops_the_identity_until_start(tg):
    tg.standin.block(CHAT)
    tg.turn(text_update(CHAT, POTHOLE))

    [failed] = rows(tg.rt, OutboxEntry)
    assert (failed.status, failed.error_code) == ("failed", "403")
    [identity] = rows(tg.rt, Identity)
    assert identity.stopped_at is not None

    tg.standin.unblock(CHAT)
    tg.turn(start_update(CHAT))  # unblocking the bot shows the Start button again
    [resumed] = tg.answers()
    assert "de nouveau" in resumed["text"]


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")  # PTB's own RetryAfter()
def test_too_many_requests_is_retried_after_the_delay_and_sent_once(tg):
    tg.standin.throttle(3)
    tg.turn(text_update(CHAT, POTHOLE))

    [row] = rows(tg.rt, OutboxEntry)
    assert (row.status, row.attempts) == ("queued", 0)  # a deferral is not a failed attempt
    assert row.next_attempt_at >= utcnow() + timedelta(seconds=2)
    assert tg.standin.sent == []

    tg.clock.advance(3.0)
    assert tg.worker.send_due(now=utcnow() + timedelta(seconds=5)) == 1
    assert tg.worker.send_due(now=utcnow() + timedelta(seconds=60)) == 0
    [answer] = tg.answers()
    assert "GU-" in answer["text"]
    [row] = rows(tg.rt, OutboxEntry)
    assert (row.status, row.provider_id) == ("delivered", str(answer["message_id"]))


def test_updates_guichet_does_not_read_get_200_and_store_nothing(tg):
    edited = text_update(CHAT, POTHOLE)
    edited["edited_message"] = edited.pop("message")
    response = tg.post(edited)

    assert response.status_code == 200
    assert rows(tg.rt, ReceivedMessage) == []


@pytest.mark.parametrize("body", [b"{not json", b'{"update_id": "x"}', b"\xff\xfe\x00"])
def test_a_malformed_body_gets_a_clear_400(tg, body):
    response = requests.post(tg.webhook_url, data=body, timeout=5,
                             headers={"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": SECRET})

    assert response.status_code == 400
    assert "update" in response.text
    assert rows(tg.rt, ReceivedMessage) == []


def test_a_webhook_registered_with_the_secret_receives_telegrams_posts(tg):
    tg.rt.channels["telegram"].set_webhook(tg.webhook_url)
    tg.standin.deliver(text_update(CHAT, POTHOLE))
    tg.worker.run_once()

    assert len(rows(tg.rt, Case)) == 1
    assert len(tg.answers()) == 1


def test_polling_stores_updates_like_the_webhook_and_confirms_them(tg):
    tg.standin.deliver(text_update(CHAT, POTHOLE))
    tg.standin.deliver(tg.standin.photo_update(CHAT, b"\xff\xd8 photo"))
    tg.standin.deliver(_edited(CHAT))  # acknowledged, never stored

    assert poll(tg.rt, once=True, timeout=0) == 2
    assert poll(tg.rt, once=True, timeout=0) == 0  # confirmed: Telegram does not send them again
    tg.worker.run_once()

    assert len(rows(tg.rt, ReceivedMessage)) == 2
    assert len(rows(tg.rt, Case)) == 1
    assert tg.rt.channels["telegram"].get_updates(offset=None) == []


def _edited(chat: int) -> dict:
    update = text_update(chat, "correction")
    update["edited_message"] = update.pop("message")
    return update


def test_polling_runs_until_stopped(tg):
    stop = threading.Event()
    poller = threading.Thread(target=poll, args=(tg.rt,), kwargs={"stop": stop, "timeout": 1})
    poller.start()
    try:
        tg.standin.deliver(text_update(CHAT, POTHOLE))
        for _ in range(100):
            if rows(tg.rt, ReceivedMessage):
                break
            threading.Event().wait(0.02)
    finally:
        stop.set()
        poller.join(timeout=5)
    assert not poller.is_alive()
    assert len(rows(tg.rt, ReceivedMessage)) == 1


def test_the_registry_builds_the_adapter_from_the_settings(tg):
    from channels import build_channels

    built = build_channels(tg.rt.channel_settings)["telegram"]
    assert (built.bot_id, built.api_url, built.webhook_secret) == ("123456789", tg.standin.url, SECRET)


def test_polling_with_a_token_telegram_rejects_says_which_setting_to_fix(tg):
    from channels.telegram import Telegram
    from gateway.errors import ConfigurationError

    registered = tg.rt.channels["telegram"]
    tg.rt.channels["telegram"] = Telegram(token="123456789:wrong", webhook_secret=SECRET, api_url=tg.standin.url)
    try:
        with pytest.raises(ConfigurationError, match="TELEGRAM_BOT_TOKEN"):
            poll(tg.rt, once=True, timeout=0)
    finally:
        tg.rt.channels["telegram"].close()
        tg.rt.channels["telegram"] = registered


@pytest.mark.parametrize(("command", "said"), [
    (["telegram", "set-webhook"], "Error: TELEGRAM_BOT_TOKEN is not set: write the token BotFather gave the bot"),
    (["telegram", "poll"], "Error: TELEGRAM_BOT_TOKEN is not set: write the token BotFather gave the bot"),
])
def test_the_telegram_commands_without_a_token_say_which_setting_to_write(rt, command, said):
    from click.testing import CliRunner

    from gateway.cli import main
    from tests.conftest import gateway_env

    env = {**gateway_env(rt), "TELEGRAM_BOT_TOKEN": "", "TELEGRAM_WEBHOOK_SECRET": ""}
    result = CliRunner().invoke(main, command, env=env)

    assert (result.exit_code, result.output.strip().splitlines()[-1]) == (1, said)  # after poll's log lines
    assert "Traceback" not in result.output


def test_polling_with_no_bot_api_where_it_was_asked_says_so_in_one_line(rt):
    from click.testing import CliRunner

    from gateway.cli import main
    from tests.conftest import gateway_env

    env = {**gateway_env(rt), "TELEGRAM_BOT_TOKEN": "123:abc", "TELEGRAM_API_URL": "http://127.0.0.1:9"}
    result = CliRunner().invoke(main, ["telegram", "poll"], env=env)

    assert result.exit_code == 1
    assert result.output.strip().splitlines()[-1].startswith("Error: Telegram did not answer: ")
    assert "Traceback" not in result.output
