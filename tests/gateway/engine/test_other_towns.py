"""Reports placed in other towns get told which town hall to contact, and no case; streets of ours named after a
town, a mistyped street and "garé" still go where they should. Through the real webhooks and stand-ins."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from channels.standins.telegram import location_update, text_update
from channels.standins.twilio import inbound_whatsapp_params
from gateway.outbound.worker import Worker
from routing.standins import GeocoderStandin
from tests.conftest import ACCOUNT_SID, GATEWAY_NUMBER, serve_app
from tests.gateway.inbound.test_sms_flow import RESIDENT, all_cases, answers
from tests.routing.test_other_towns import ban_config

CHAT = 73737373
TOURS = ("Cet endroit est à Tours, hors de Valmont et Saint-Aubin-sur-Loire. "
         "Contactez la mairie de Tours : 02 47 21 60 00, tours.fr")
MONTLOUIS_NEAR = ("Cet endroit est hors de Valmont et Saint-Aubin-sur-Loire, près de Montlouis-des-Prés. "
                  "Mairie de Montlouis-des-Prés : 02 47 00 30 30, mairie@montlouis-des-pres.fr")


def told_in_sms(gateway, worker, twilio, text: str) -> list[str]:
    gateway.sms(RESIDENT, text)
    worker.run_once()
    return answers(twilio, RESIDENT)


def telegram_answers(front) -> list[str]:
    return [m["text"] for m in front.telegram.sent if m["chat_id"] == str(CHAT)]


def test_a_pothole_rue_nationale_in_tours_is_told_to_call_tours_and_no_case_opens(gateway, worker, twilio):
    told = told_in_sms(gateway, worker, twilio, "nid de poule énorme rue nationale à Tours devant la FNAC")

    assert told == [TOURS]
    assert all_cases(gateway.rt) == []


@pytest.mark.parametrize(
    "text, town",
    [
        ("lampadaire éteint Tours 37000", "Tours"),
        ("trou énorme dans la chaussée 37100", "Tours"),
        ("à Saumur rue d'Orléans", "Saumur"),
        ("place de la Bastille à Paris", "Paris"),
        ("dépôt sauvage a paris", "Paris"),
        ("tag sur le mur de l'école sur Angers", "Angers"),
    ],
)
def test_a_place_named_in_another_town_is_told_that_town_hall_at_once(gateway, worker, twilio, text, town):
    [told] = told_in_sms(gateway, worker, twilio, text)

    assert told.startswith(f"Cet endroit est à {town}, hors de Valmont et Saint-Aubin-sur-Loire.")
    assert f"Contactez la mairie de {town} : " in told
    assert all_cases(gateway.rt) == []


def test_a_place_named_in_paris_after_the_question_what_is_told_to_call_paris(gateway, worker, twilio):
    told_in_sms(gateway, worker, twilio, "il y a un problème")
    told = told_in_sms(gateway, worker, twilio, "nid de poule devant le 14 rue de Rivoli à Paris")

    assert told[-1] == ("Cet endroit est à Paris, hors de Valmont et Saint-Aubin-sur-Loire. "
                        "Contactez la mairie de Paris : 3975, paris.fr")
    assert all_cases(gateway.rt) == []


@pytest.mark.parametrize(
    "text, label",
    [
        ("nid de poule 12 route d'Orléans", "12 Route d'Orléans, Valmont"),
        ("nid de poule avenue de Tours", None),
        ("poubelle renversée place de Saumur", "Place de Saumur, Valmont"),
        ("nid de poule 3 route de Tours", "3 Route de Tours, Valmont"),
    ],
)
def test_a_street_of_ours_named_after_a_town_opens_a_case_here(gateway, worker, twilio, text, label):
    told = told_in_sms(gateway, worker, twilio, text)

    if label is None:  # no Avenue de Tours in Valmont: asked where, never sent to Tours
        assert all_cases(gateway.rt) == [] and "Tours" not in told[-1]
        return
    [case] = all_cases(gateway.rt)
    assert (case.territory, case.address) == ("valmont", label)
    assert case.reference in told[-1]


def test_devant_la_mairie_de_saint_aubin_is_saint_aubin_s_town_hall(gateway, worker, twilio):
    told = told_in_sms(gateway, worker, twilio, "lampadaire éteint devant la mairie de saint aubin")

    [case] = all_cases(gateway.rt)
    assert (case.territory, case.address) == ("saint-aubin", "Mairie, Saint-Aubin-sur-Loire")
    assert "Mairie, Saint-Aubin-sur-Loire" in told[-1]


def test_a_car_parked_on_the_pavement_is_asked_where_not_sent_to_the_station(gateway, worker, twilio):
    [told] = told_in_sms(gateway, worker, twilio, "voiture garé sur le trottoir")

    assert "Où se trouve le problème" in told
    assert all_cases(gateway.rt) == []


def test_rue_des_lila_is_rue_des_lilas(gateway, worker, twilio):
    told = told_in_sms(gateway, worker, twilio, "nid de poule 8 rue des lila")

    [case] = all_cases(gateway.rt)
    assert (case.territory, case.address) == ("valmont", "8 Rue des Lilas, Valmont")
    assert "8 Rue des Lilas, Valmont" in told[-1]


def test_a_telegram_location_near_a_neighbour_names_its_town_hall_and_opens_no_case(front):
    front.telegram_update(text_update(CHAT, "Nid de poule"))
    front.settle()
    front.telegram_update(location_update(CHAT, 47.3885, 0.7990))
    front.settle()

    assert telegram_answers(front)[-1] == MONTLOUIS_NEAR
    assert all_cases(front.rt) == []


def test_a_telegram_location_far_from_every_known_town_gets_the_general_answer(front):
    front.telegram_update(text_update(CHAT, "Nid de poule"))
    front.settle()
    front.telegram_update(location_update(CHAT, 48.0, 3.0))
    front.settle()

    assert telegram_answers(front)[-1] == ("Cet endroit est hors de Valmont et Saint-Aubin-sur-Loire. "
                                           "Merci de contacter la mairie de la commune concernée.")
    assert all_cases(front.rt) == []


def test_a_whatsapp_pin_in_paris_with_the_report_names_the_town_hall_of_paris(front):
    params = inbound_whatsapp_params(from_=RESIDENT, to=GATEWAY_NUMBER, body="Nid de poule énorme",
                                     account_sid=ACCOUNT_SID, location=(48.8530, 2.3499))
    front.http.post_signed("/webhooks/twilio/messages", params)
    front.settle()

    assert front.twilio.texts_to(RESIDENT, channel="whatsapp") == [
        "Cet endroit est hors de Valmont et Saint-Aubin-sur-Loire, près de Paris. Mairie de Paris : 3975, paris.fr"]
    assert all_cases(front.rt) == []


def test_a_telegram_message_naming_tours_is_told_to_call_tours(front):
    front.telegram_update(text_update(CHAT, "Lampadaire cassé rue Nationale à Tours"))
    front.settle()

    assert telegram_answers(front) == [TOURS]
    assert all_cases(front.rt) == []


@pytest.fixture
def with_ban(make_runtime, rt, tmp_path) -> Iterator[tuple]:
    """The gateway with GUICHET_GEOCODER_FALLBACK=ban, asking a BAN stand-in that knows a few more streets."""
    with GeocoderStandin(ban_config(tmp_path)) as ban:
        runtime = make_runtime(geocoder_fallback="ban", geocoder_fallback_url=ban.url)
        del runtime.__dict__["router"]  # built from the settings, with the fallback
        with serve_app(runtime) as served:
            yield served, Worker(runtime), ban


def test_a_street_only_the_ban_knows_opens_a_case_here(with_ban, twilio):
    gateway, worker, ban = with_ban
    told = told_in_sms(gateway, worker, twilio, "nid de poule devant le 5 rue Ossip Zadkine")

    [case] = all_cases(gateway.rt)
    assert (case.territory, case.address) == ("valmont", "5 Rue Ossip Zadkine 37150 Valmont")
    assert case.reference in told[-1]
    assert ban.queries == ["5 rue Ossip Zadkine"]


def test_an_address_the_ban_finds_outside_names_the_nearest_town_hall(with_ban, twilio):
    gateway, worker, _ = with_ban
    told = told_in_sms(gateway, worker, twilio, "nid de poule devant le 12 rue de Brocéliande")

    assert told == [MONTLOUIS_NEAR]
    assert all_cases(gateway.rt) == []


def test_without_the_fallback_that_street_is_asked_again(gateway, worker, twilio):
    told = told_in_sms(gateway, worker, twilio, "nid de poule devant le 5 rue Ossip Zadkine")

    assert all_cases(gateway.rt) == []
    assert "Nous n'avons pas reconnu cet endroit" in told[-1]
