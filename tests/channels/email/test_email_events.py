"""The e-mail adapter's `parse`: one fixture per event, read into what the engine sees."""

from __future__ import annotations

import pytest

from channels.base import BadPayload
from tests.channels.email.build_fixtures import geotagged_jpeg, photo_geotagged
from tests.channels.email.conftest import FIXTURES, INBOX, RESIDENT, adapter, eml, received


def test_plain_mail_gives_subject_and_words_without_signature():
    message = received("text_plain")

    assert (message.channel, message.sender, message.recipient) == ("email", RESIDENT, INBOX)
    assert message.provider_id == message.thread_id == "<20261103091240.4b1e@mail.example.org>"
    assert message.profile_name == "Camille Martin"
    assert message.text == (
        "Nid de poule\nBonjour,\n\n"
        "Il y a un nid de poule devant le 14 rue Victor Hugo, une voiture a déjà\ncrevé."
    )
    assert (message.thread_reference, message.automatic, message.media) == (None, False, ())


def test_html_only_mail_is_reduced_to_its_text_and_scripts_are_dropped():
    message = received("html_only_script")

    assert message.text == (
        "Dépôt sauvage\nBonjour,\n\n"
        "Des sacs poubelles et un matelas sont abandonnés 3 Grande Rue depuis lundi.\n"
        "Merci d'intervenir."  # the signature "Lucas" (the sender's first name) is cut
    )
    for leftover in ("alert", "window.location", "color: red", "Activez JavaScript", "<", "steal"):
        assert leftover not in message.text


def test_multipart_alternative_reads_the_plain_part_and_cuts_the_phone_signature():
    message = received("multipart_alternative")

    assert message.text == "Lampadaire éteint\nLe lampadaire en face du 8 rue Victor Hugo est éteint depuis trois soirs."
    assert message.profile_name == "Léa Petit"


def test_iso_8859_1_mail_is_read_with_its_accents():
    message = received("iso_8859_1")

    assert message.text == (
        "Arbre tombé sur la chaussée\n"
        "Une grosse branche est tombée sur la chaussée près de l'école, 2 rue Victor Hugo.\n"
        "C'est très gênant, ça bloque la voie."
    )
    assert message.profile_name == "René François"


def test_reply_keeps_only_the_new_words_and_finds_the_case_from_our_message_id():
    message = received("reply_french_quote")

    assert message.text == "Toujours pas réparé, le trou est encore plus gros."
    assert message.thread_reference == "GU-4827-3918"
    assert message.thread_id == "<reply-8c41f0@mail.example.org>"
    assert message.automatic is False


def test_reply_through_another_client_is_found_by_the_reference_in_its_subject():
    raw = eml("reply_french_quote")
    for header in (b"In-Reply-To", b"References"):
        raw = b"\n".join(line for line in raw.split(b"\n") if not line.startswith(header))

    assert adapter().parse(raw, mail_from=RESIDENT, rcpt_tos=[INBOX]).thread_reference == "GU-4827-3918"


def test_message_ids_of_other_domains_and_mistyped_references_are_not_cases():
    raw = (eml("reply_french_quote")
           .replace(b"@valmont.example>", b"@elsewhere.example>")
           .replace(b"[GU-4827-3918]", b"[GU-4827-3917]"))

    assert adapter().parse(raw, mail_from=RESIDENT, rcpt_tos=[INBOX]).thread_reference is None


def test_out_of_office_reply_is_automatic():
    message = received("out_of_office")

    assert message.automatic is True
    assert message.raw["automatic"] == "auto-submitted: auto-replied"
    assert message.thread_reference == "GU-4827-3918"


def test_bounce_from_the_mailer_daemon_is_automatic():
    message = received("bounce", mail_from="<>")

    assert message.automatic is True
    assert message.sender == "mailer-daemon@mx.example.org"


@pytest.mark.parametrize("header", [
    b"Auto-Submitted: auto-generated", b"Precedence: bulk", b"Precedence: junk", b"X-Autoreply: yes",
    b"X-Autorespond: yes", b"List-Unsubscribe: <mailto:u@example.org>",
])
def test_each_robot_header_alone_makes_a_mail_automatic(header):
    raw = header + b"\n" + eml("text_plain")

    assert adapter().parse(raw, mail_from=RESIDENT, rcpt_tos=[INBOX]).automatic is True


@pytest.mark.parametrize("mail_from", ["<>", "", "MAILER-DAEMON@mx.example.org", "postmaster@example.org"])
def test_a_null_or_robot_return_path_makes_a_mail_automatic(mail_from):
    assert received("text_plain", mail_from=mail_from).automatic is True


def test_auto_submitted_no_is_a_person():
    raw = b"Auto-Submitted: no\n" + eml("text_plain")

    assert adapter().parse(raw, mail_from=RESIDENT, rcpt_tos=[INBOX]).automatic is False


def test_list_mail_is_automatic():
    message = received("list_mail")

    assert message.automatic is True


def test_geotagged_photo_is_kept_with_its_bytes_and_the_html_text_is_read():
    message = received("photo_geotagged")

    [photo] = message.media
    assert (photo.content_type, photo.filename) == ("image/jpeg", "IMG_2041.jpg")
    assert photo.data == geotagged_jpeg()
    assert message.text == "Trou dans la chaussée\nBonjour,\n\nIl y a un gros nid de poule ici, voir la photo."


def test_the_committed_photo_fixture_is_what_the_builder_makes():
    assert (FIXTURES / "photo_geotagged.eml").read_bytes() == photo_geotagged()


def test_photo_gps_tags_point_at_14_rue_victor_hugo():
    from io import BytesIO

    from PIL import Image

    gps = Image.open(BytesIO(received("photo_geotagged").media[0].data)).getexif().get_ifd(0x8825)
    lat = sum(float(v) / 60**i for i, v in enumerate(gps[2]))
    lon = sum(float(v) / 60**i for i, v in enumerate(gps[4]))
    assert (gps[1], gps[3]) == ("N", "E")
    assert (round(lat, 4), round(lon, 4)) == (47.388, 0.6822)


def test_small_inline_logo_of_a_signature_is_not_a_photo():
    raw = (
        b"From: camille.martin@example.org\nTo: guichet@valmont.example\nSubject: Tag\n"
        b"Message-ID: <logo-1@example.org>\nMIME-Version: 1.0\n"
        b'Content-Type: multipart/related; boundary="rel"\n\n'
        b"--rel\nContent-Type: text/html; charset=utf-8\n\n"
        b'<p>Un tag sur le mur de la mairie.</p><img src="cid:logo@example.org">\n'
        b"--rel\nContent-Type: image/png\nContent-ID: <logo@example.org>\nContent-Transfer-Encoding: base64\n\n"
        b"iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==\n"
        b"--rel--\n"
    )
    message = adapter().parse(raw, mail_from=RESIDENT, rcpt_tos=[INBOX])

    assert message.media == ()
    assert message.text == "Tag\nUn tag sur le mur de la mairie."


def test_broken_mime_is_read_as_far_as_it_goes():
    message = received("broken_mime")

    assert message.sender == "ines.moreau@example.com"
    assert message.text == "Fuite d'eau rue Victor Hugo\nUne fuite d'eau inonde le trottoir au 20 rue Victor Hugo."
    # The "photo" is not base64 at all: passed on all the same, the gateway keeps it as a line saying why.
    assert [m.filename for m in message.media] == ["photo.jpg"]


def test_mail_without_any_sender_is_unreadable():
    with pytest.raises(BadPayload):
        received("unreadable_no_sender", mail_from="")


@pytest.mark.parametrize("raw", [b"", b"   \r\n", b"\x00\xff\xfe garbage without headers"])
def test_garbage_is_unreadable(raw):
    with pytest.raises(BadPayload):
        adapter().parse(raw, mail_from="", rcpt_tos=[INBOX])


def test_mail_without_message_id_gets_a_stable_id_from_its_bytes():
    raw = b"\n".join(line for line in eml("text_plain").split(b"\n") if not line.startswith(b"Message-ID"))

    first = adapter().parse(raw, mail_from=RESIDENT, rcpt_tos=[INBOX])
    again = adapter().parse(raw, mail_from=RESIDENT, rcpt_tos=[INBOX])
    assert first.provider_id == again.provider_id
    assert first.provider_id.startswith("sha256:")
    assert first.thread_id is None


def test_hyphen_lists_are_the_residents_words_not_a_signature():
    raw = eml("text_plain").replace(b"Il y a un nid", b"- un trou profond\n- de l'eau dedans\nIl y a un nid")

    assert "- un trou profond\n- de l'eau dedans" in adapter().parse(raw, mail_from=RESIDENT, rcpt_tos=[INBOX]).text


def test_an_absurdly_long_message_id_is_replaced_by_a_stable_digest():
    raw = eml("text_plain").replace(b"<20261103091240.4b1e@mail.example.org>", b"<" + b"x" * 5000 + b"@example.org>")

    message = adapter().parse(raw, mail_from=RESIDENT, rcpt_tos=[INBOX])
    assert message.provider_id == message.thread_id
    assert message.provider_id.startswith("<sha256.") and len(message.provider_id) < 100


def test_eight_bare_digits_in_a_subject_are_not_a_reference():
    raw = eml("text_plain").replace(b"Subject: Nid de poule", b"Subject: Facture 4827-3918")

    assert adapter().parse(raw, mail_from=RESIDENT, rcpt_tos=[INBOX]).thread_reference is None


@pytest.mark.parametrize("signed", ["Cordialement,\nLéa Martin\n06 12 34 56 78", "Léa Martin / 06 12 34 56 78",
                                    "Bien à vous\nLéa"])
def test_a_signature_typed_by_hand_with_the_senders_name_is_cut_with_its_closing(signed):
    from email.message import EmailMessage

    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = f"Léa Martin <{RESIDENT}>", INBOX, "Idée pour le quartier"
    mail.set_content(f"Bonjour,\n\nJe propose un marché de producteurs le samedi place de la gare.\n\n{signed}\n")
    message = adapter().parse(mail.as_bytes(), mail_from=RESIDENT, rcpt_tos=[INBOX])
    assert message.text.endswith("Je propose un marché de producteurs le samedi place de la gare.")
    assert "Martin" not in message.text and "Léa" not in message.text and "06" not in message.text


def test_the_senders_name_inside_a_sentence_is_not_a_signature():
    from email.message import EmailMessage

    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = f"Léa Martin <{RESIDENT}>", INBOX, "Trou"
    mail.set_content("Bonjour,\nLéa Martin a vu un trou devant le 3 rue Balzac, il s'agrandit.\n")
    message = adapter().parse(mail.as_bytes(), mail_from=RESIDENT, rcpt_tos=[INBOX])
    assert "Léa Martin a vu un trou devant le 3 rue Balzac" in message.text
