"""The e-mail adapter's `send`, against the local SMTP relay: headers that thread, errors that mean something."""

from __future__ import annotations

import socket
from datetime import UTC, datetime

import pytest

from channels.base import OutboundMessage, PermanentSendError, RetryableSendError
from channels.email import Email
from channels.standins.smtp_relay import SmtpRelayStandin
from nlu.references import find_references
from tests.channels.email.conftest import INBOX, RESIDENT, adapter


def outgoing(**changes) -> OutboundMessage:
    values = {"id": 42, "channel": "email", "to": RESIDENT, "from_": INBOX,
              "body": "Votre signalement est enregistré sous le numéro GU-4827-3918. Délai prévu : 15 jours.",
              "reference": "GU-4827-3918", "in_reply_to": "<20261103091240.4b1e@mail.example.org>"}
    return OutboundMessage(**{**values, **changes})


@pytest.fixture
def clean_relay(relay) -> SmtpRelayStandin:
    relay.reset()
    return relay


def test_an_answer_is_threaded_under_the_residents_mail_and_marked_automatic(clean_relay):
    result = adapter(clean_relay.url).send(outgoing())

    [mail] = clean_relay.wait_for(1)
    assert clean_relay.envelopes == [(INBOX, [RESIDENT])]
    assert str(mail["From"]) == "Mairie de Valmont – Guichet <guichet@valmont.example>"
    assert mail["To"] == RESIDENT
    assert mail["Subject"] == "[GU-4827-3918] Votre signalement"
    assert mail["In-Reply-To"] == mail["References"] == "<20261103091240.4b1e@mail.example.org>"
    assert mail["Message-ID"] == result.provider_id
    assert result.provider_id.startswith("<GU-4827-3918.42.") and result.provider_id.endswith("@valmont.example>")
    assert mail["Auto-Submitted"] == "auto-replied"
    assert mail.get_content_type() == "text/plain"
    assert mail["Content-Transfer-Encoding"] == "quoted-printable"
    assert mail.get_content().strip() == outgoing().body
    assert result.status == "wired"


def test_our_message_id_leads_a_reply_back_to_the_case(clean_relay):
    sent = adapter(clean_relay.url).send(outgoing())
    reply = (f"From: {RESIDENT}\nTo: {INBOX}\nSubject: Re: votre mail\nMessage-ID: <r1@example.org>\n"
             f"In-Reply-To: {sent.provider_id}\n\nToujours pas réparé\n").encode()

    assert adapter().parse(reply, mail_from=RESIDENT, rcpt_tos=[INBOX]).thread_reference == "GU-4827-3918"


def test_a_retry_of_the_same_outbox_row_keeps_its_message_id():
    email = adapter()

    assert email.message_id(outgoing()) == email.message_id(outgoing())
    assert email.message_id(outgoing()) != email.message_id(outgoing(id=43))


def test_a_status_update_is_auto_generated_and_a_message_without_case_has_a_plain_subject(clean_relay):
    email = adapter(clean_relay.url)
    email.send(outgoing(purpose="update"))
    email.send(outgoing(id=43, reference=None, in_reply_to=None, body="Où est-ce exactement ?"))

    update, question = clean_relay.wait_for(2)
    assert (update["Subject"], update["Auto-Submitted"]) == ("[GU-4827-3918] Suivi de votre signalement",
                                                             "auto-generated")
    assert (question["Subject"], question["Auto-Submitted"]) == ("Votre message à la mairie", "auto-replied")
    assert question["In-Reply-To"] is None and question["References"] is None
    assert question["Message-ID"].startswith("<guichet.43.")


def test_a_recipient_refused_for_good_is_a_hard_bounce_that_stops_the_identity(clean_relay):
    clean_relay.refuse(RESIDENT)

    with pytest.raises(PermanentSendError) as raised:
        adapter(clean_relay.url).send(outgoing())
    assert (raised.value.code, raised.value.stops_identity) == ("550", True)
    assert clean_relay.messages == []


def test_a_temporary_refusal_is_retried(clean_relay):
    clean_relay.defer()

    with pytest.raises(RetryableSendError) as raised:
        adapter(clean_relay.url).send(outgoing())
    assert raised.value.code == "451"


def test_an_unreachable_relay_is_retried():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # free, and nobody listens there once closed

    with pytest.raises(RetryableSendError):
        Email(inbox=INBOX, relay_url=f"smtp://127.0.0.1:{port}", timeout=2, find_references=find_references).send(outgoing())


def test_no_relay_configured_is_retried_with_a_clear_reason():
    with pytest.raises(RetryableSendError, match="SMTP_RELAY_URL"):
        Email(inbox=INBOX, relay_url="", find_references=find_references).send(outgoing())


def test_a_relay_asking_for_credentials_gets_them_from_the_url():
    with SmtpRelayStandin(credentials=("guichet", "s3cret")) as relay:
        assert relay.url.startswith("smtp://guichet:s3cret@127.0.0.1:")
        adapter(relay.url).send(outgoing())
        assert len(relay.wait_for(1)) == 1
        wrong = relay.url.replace("s3cret", "wrong")
        with pytest.raises(RetryableSendError, match="credentials"):
            adapter(wrong).send(outgoing())


def test_a_malformed_relay_url_is_refused_at_start_up_without_its_password():
    with pytest.raises(ValueError, match="smtp://user:pass@host:port") as raised:
        Email(inbox=INBOX, relay_url="http://guichet:s3cret@relay.example", find_references=find_references)
    assert "s3cret" not in str(raised.value)


def test_attachments_are_already_there_and_smtp_cannot_be_asked_what_it_has():
    from channels.base import Media

    media = Media(content_type="image/jpeg", data=b"\xff\xd8\xff", filename="a.jpg")
    assert adapter().fetch_media(media) is media
    assert adapter().find_sent(outgoing(), datetime.now(UTC)) is None


def test_from_settings_reads_inbox_and_relay():
    from channels.email import from_settings
    from gateway.settings import Settings

    settings = Settings.from_env({"GUICHET_INBOX": "Guichet@Valmont.example",
                                  "SMTP_RELAY_URL": "smtp://u:p@relay.valmont.example:587"})
    email = from_settings(settings.for_channels(reference_prefix="GU", update_call=()))
    assert (email.inbox, email.domain) == ("guichet@valmont.example", "valmont.example")
    assert (email.relay.host, email.relay.port, email.relay.user, email.relay.password) == (
        "relay.valmont.example", 587, "u", "p")
