"""The Telegram adapter: one fixture per Telegram update, parsed into what the engine sees; sends against the stand-in."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from flask import Flask, request

from channels.base import (
    BadPayload,
    Forbidden,
    Ignored,
    InboundMessage,
    Media,
    MediaUnavailable,
    OutboundMessage,
    PermanentSendError,
    RetryableSendError,
    SendResult,
)
from channels.media import MediaPolicy
from channels.standins.telegram import text_update
from channels.telegram import LOCATION_BUTTON, SECRET_HEADER, SendRateLimiter, Telegram
from tests.channels.telegram.conftest import SECRET, ManualClock

FIXTURES = Path(__file__).parent / "fixtures"
BOT_ID = "123456789"
app = Flask(__name__)


def offline() -> Telegram:
    return Telegram(token=f"{BOT_ID}:AAHfixtureToken", webhook_secret=SECRET, api_url="http://127.0.0.1:9")


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / f"{name}.json").read_text())


def webhook(body: bytes | str, *, secret: str | None = SECRET):
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers[SECRET_HEADER] = secret
    return app.test_request_context("/webhooks/telegram", method="POST", data=body, headers=headers)


def parsed(name: str) -> InboundMessage:
    """A fixture through the webhook: verified, then parsed."""
    with webhook(json.dumps(fixture(name))):
        offline().verify(request)
        return offline().parse(request)


def outbound(to: str = "70707070", body: str = "Merci !", **fields) -> OutboundMessage:
    return OutboundMessage(id=1, channel="telegram", to=to, from_=BOT_ID, body=body, **fields)


# -- parse: one test per update ----------------------------------------------------------------------


def test_text_message_becomes_one_inbound_message():
    assert parsed("text") == InboundMessage(
        channel="telegram", provider_id="880001234", sender="70707070", recipient=BOT_ID,
        text="Nid de poule devant le 14 rue Victor Hugo", profile_name="Camille D.", raw=fixture("text"))


@pytest.mark.parametrize("name", ["start", "start_deep_link"])
def test_start_is_passed_as_the_start_command_without_its_payload(name):
    assert parsed(name).text == "/start"


def test_shared_location_gives_latitude_and_longitude():
    message = parsed("location")
    assert (message.text, message.lat, message.lon) == ("", 47.388, 0.6822)


def test_venue_gives_its_position_and_its_name_as_text():
    message = parsed("venue")
    assert (message.text, message.lat, message.lon) == ("Mairie de Valmont, 1 place de la Mairie", 47.388, 0.6822)


def test_photo_keeps_the_largest_size_and_its_caption():
    message = parsed("photo")
    assert message.text == "Regardez ce trou rue Victor Hugo"
    assert message.media == (Media(url="AgACAgQAAxkBAAIBS2photo-large", content_type="image/jpeg"),)


def test_image_sent_as_a_file_is_kept_with_its_type_and_name():
    assert parsed("document_image").media == (
        Media(url="BQACAgQAAxkBAAIBTdocument", content_type="image/jpeg", filename="IMG_2041.jpg"),)


def test_a_button_press_is_the_word_it_carries_from_the_resident_who_pressed_it():
    assert parsed("button_press") == InboundMessage(
        channel="telegram", provider_id="880001242", sender="70707070", recipient=BOT_ID, text="SOUTIEN",
        raw=fixture("button_press"))


@pytest.mark.parametrize("name", [
    "unsupported_sticker", "unsupported_edited_message", "unsupported_channel_post",
    "unsupported_my_chat_member", "unsupported_group_message",
])
def test_updates_guichet_does_not_read_are_acknowledged_and_dropped(name):
    with pytest.raises(Ignored) as raised:
        parsed(name)
    assert raised.value.status == 200


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]", b'{"message": {}}', b"\xff\xfe", b""])
def test_a_body_that_is_not_an_update_is_a_bad_payload(body):
    with webhook(body), pytest.raises(BadPayload) as raised:
        offline().parse(request)
    assert raised.value.status == 400


def test_a_message_without_its_chat_is_a_bad_payload():
    update = fixture("text")
    del update["message"]["chat"]
    with webhook(json.dumps(update)), pytest.raises(BadPayload):
        offline().parse(request)


# -- verify ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("secret", [None, "", "wrong-secret", SECRET + "x", SECRET.upper()])
def test_a_missing_or_wrong_secret_token_is_forbidden(secret):
    with webhook(json.dumps(fixture("text")), secret=secret), pytest.raises(Forbidden):
        offline().verify(request)


def test_without_a_configured_secret_every_request_is_forbidden():
    adapter = Telegram(token=f"{BOT_ID}:AAH", webhook_secret="", api_url="http://127.0.0.1:9")
    with webhook(json.dumps(fixture("text")), secret=""), pytest.raises(Forbidden):
        adapter.verify(request)


def test_the_adapter_shows_neither_token_nor_secret():
    assert "AAH" not in repr(offline()) and SECRET not in repr(offline())


# -- send ----------------------------------------------------------------------------------------------


def test_a_reply_is_sent_to_the_chat_and_counts_as_delivered(adapter, standin):
    result = adapter.send(outbound(body="Merci ! Signalement GU-4827-3916 enregistré"))

    [sent] = standin.sent
    assert result == SendResult(provider_id=str(sent["message_id"]), status="delivered")
    assert (sent["method"], sent["chat_id"], sent["text"]) == (
        "sendMessage", "70707070", "Merci ! Signalement GU-4827-3916 enregistré")
    assert sent["reply_markup"] == {"remove_keyboard": True}


def test_the_where_question_offers_the_share_location_button(adapter, standin):
    adapter.send(outbound(body="Où se trouve le probleme ?", ask_location=True))

    [sent] = standin.sent
    assert sent["reply_markup"] == {
        "keyboard": [[{"text": LOCATION_BUTTON, "request_location": True}]],
        "resize_keyboard": True, "one_time_keyboard": True}


def test_an_offer_shows_its_options_as_inline_buttons(adapter, standin):
    adapter.send(outbound(body="Une idée proche existe : GU-4827-3916 …", options=("SOUTIEN", "NOUVELLE")))
    assert standin.sent[0]["reply_markup"] == {"inline_keyboard": [
        [{"text": "SOUTIEN", "callback_data": "SOUTIEN"}, {"text": "NOUVELLE", "callback_data": "NOUVELLE"}]]}


def test_a_status_update_leaves_the_keyboard_alone(adapter, standin):
    adapter.send(outbound(purpose="update", body="GU-4827-3916 : validé"))
    assert standin.sent[0]["reply_markup"] is None


def test_a_blocked_bot_is_a_permanent_failure_that_stops_the_identity(adapter, standin):
    standin.block(70707070)
    with pytest.raises(PermanentSendError) as raised:
        adapter.send(outbound())
    assert (raised.value.code, raised.value.stops_identity) == ("403", True)
    assert standin.sent == []


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")  # PTB's own RetryAfter()
def test_too_many_requests_is_retried_after_telegrams_delay_and_holds_the_other_chats(adapter, standin):
    standin.throttle(7)
    with pytest.raises(RetryableSendError) as raised:
        adapter.send(outbound(to="1"))
    assert (raised.value.code, raised.value.retry_after) == ("429", 7.0)
    with pytest.raises(RetryableSendError) as held:
        adapter.send(outbound(to="2"))  # the flood limit is the bot's: no call until the delay has passed
    assert held.value.code == "rate_limited"
    assert standin.calls == ["sendMessage"]
    adapter.limiter.clock.advance(7.0)
    adapter.send(outbound(to="2"))
    assert [m["chat_id"] for m in standin.sent] == ["2"]


def test_a_rejected_message_is_a_permanent_failure_that_keeps_the_identity(adapter, standin):
    with pytest.raises(PermanentSendError) as raised:
        adapter.send(outbound(body="x" * 4097))
    assert (raised.value.code, raised.value.stops_identity) == ("400", False)


def test_an_unreachable_bot_api_is_worth_retrying():
    adapter = Telegram(token=f"{BOT_ID}:AAH", webhook_secret=SECRET, api_url="http://127.0.0.1:9")
    try:
        with pytest.raises(RetryableSendError) as raised:
            adapter.send(outbound())
    finally:
        adapter.close()
    assert raised.value.code == "network"


def test_without_a_token_nothing_is_sent():
    adapter = Telegram(token="", webhook_secret=SECRET)
    with pytest.raises(PermanentSendError):
        adapter.send(outbound())


def test_a_second_message_to_one_chat_within_a_second_waits_for_its_turn(adapter, standin):
    adapter.send(outbound(to="70707070"))
    adapter.send(outbound(to="80808080"))  # another chat goes at once
    with pytest.raises(RetryableSendError) as raised:
        adapter.send(outbound(to="70707070"))
    assert raised.value.code == "rate_limited" and 0.9 < raised.value.retry_after <= 1.0
    assert len(standin.sent) == 2


def test_nothing_in_the_chat_after_a_crash_mid_send_can_be_found():
    assert offline().find_sent(outbound(), since=None) is None


# -- flood limiter ---------------------------------------------------------------------------------


def test_at_most_thirty_messages_a_second_in_all_and_one_a_second_per_chat():
    clock = ManualClock()
    limiter = SendRateLimiter(clock=clock)
    assert [limiter.reserve(str(chat)) for chat in range(30)] == [0.0] * 30
    assert limiter.reserve("30") == pytest.approx(1.0)
    clock.advance(0.5)
    assert limiter.reserve("30") == pytest.approx(0.5)
    assert limiter.reserve("0") == pytest.approx(0.5)
    clock.advance(0.5)
    assert limiter.reserve("30") == 0.0
    assert limiter.reserve("0") == 0.0


# -- files and polling ---------------------------------------------------------------------------------


def test_a_photo_is_fetched_with_getfile_then_the_file_server(adapter, standin):
    update = standin.photo_update(70707070, b"\xff\xd8\xff\xe0 a photo of a pothole")
    [media] = adapter.parse_update(update).media

    fetched = adapter.fetch_media(media)
    assert (fetched.data, fetched.content_type) == (b"\xff\xd8\xff\xe0 a photo of a pothole", "image/jpeg")


def test_a_file_over_the_cap_is_not_downloaded(standin):
    small = Telegram(token=standin.token, webhook_secret=SECRET, api_url=standin.url,
                     media_policy=MediaPolicy(hosts=MediaPolicy.only(standin.url).hosts, max_bytes=100, timeout=5))
    [media] = small.parse_update(standin.photo_update(70707070, b"\xff\xd8\xff" + b"x" * 500)).media
    try:
        with pytest.raises(MediaUnavailable) as refused:
            small.fetch_media(media)
    finally:
        small.close()
    assert refused.value.reason == "too_big"


def test_a_file_server_off_the_media_hosts_is_not_asked(standin):
    elsewhere = Telegram(token=standin.token, webhook_secret=SECRET, api_url=standin.url,
                         media_policy=MediaPolicy(hosts=("api.telegram.org",), max_bytes=10_000, timeout=5))
    [media] = elsewhere.parse_update(standin.photo_update(70707070, b"\xff\xd8\xff")).media
    try:
        with pytest.raises(MediaUnavailable) as refused:
            elsewhere.fetch_media(media)
    finally:
        elsewhere.close()
    assert refused.value.reason == "foreign_host"


def test_an_unknown_file_is_a_photo_not_found(adapter):
    with pytest.raises(MediaUnavailable) as refused:
        adapter.fetch_media(Media(url="no-such-file", content_type="image/jpeg"))
    assert refused.value.reason == "not_found"


def test_get_updates_serves_from_the_offset_and_a_higher_offset_confirms(adapter, standin):
    first, second = text_update(70707070, "un"), text_update(70707070, "deux")
    standin.deliver(first)
    standin.deliver(second)

    assert [u["update_id"] for u in adapter.get_updates(offset=None)] == [first["update_id"], second["update_id"]]
    assert [u["update_id"] for u in adapter.get_updates(offset=second["update_id"])] == [second["update_id"]]
    assert adapter.get_updates(offset=second["update_id"] + 1) == []


def test_a_polled_update_parses_like_the_posted_one(adapter, standin):
    update = text_update(70707070, "Nid de poule devant le 14 rue Victor Hugo")
    standin.deliver(update)
    [polled] = adapter.get_updates(offset=None)

    posted = adapter.parse_update(update)
    assert adapter.parse_update(polled) == InboundMessage(**{**posted.__dict__, "raw": polled})
