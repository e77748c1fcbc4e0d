"""The Twilio stand-in's phone (channels/standins/twilio.py `call_step`, what `guichet call` and the simulator use)
calls the real gateway as Twilio's phone side would: voicemail with a recording, keys ended by #, the hang-up."""

from __future__ import annotations

import requests
from sqlmodel import select

from channels.standins.twilio import CallStep, call_step, hang_up
from store.models import Case
from tests.conftest import ACCOUNT_SID, AUTH_TOKEN, GATEWAY_NUMBER, PUBLIC_URL

LANDLINE = "+33247000003"


class StandinPhone:
    """One call through the stand-in's phone, each move a `call_step` as the demo makes it."""

    def __init__(self, gateway, twilio, caller: str = LANDLINE):
        self.gateway, self.twilio, self.caller = gateway, twilio, caller
        self.step: CallStep | None = None
        self.heard: list[str] = []

    def move(self, entry: str | None = None) -> CallStep:
        step = self.step
        self.step = call_step(self.gateway.url, caller=self.caller, to=GATEWAY_NUMBER, auth_token=AUTH_TOKEN,
                              account_sid=ACCOUNT_SID, public_url=PUBLIC_URL, entry=entry,
                              recordings=self.twilio.url,
                              **({} if step is None else dict(call_sid=step.call_sid, gather=step.gather,
                                                               redirect=step.redirect, record=step.record,
                                                               if_silent=step.if_silent)))
        self.heard.extend(self.step.says)
        return self.step

    def hang_up(self) -> requests.Response:
        assert self.step is not None
        return hang_up(self.gateway.url, caller=self.caller, to=GATEWAY_NUMBER, auth_token=AUTH_TOKEN,
                       account_sid=ACCOUNT_SID, call_sid=self.step.call_sid, public_url=PUBLIC_URL)


def cases(rt) -> list[Case]:
    with rt.db.session() as session:
        return list(session.exec(select(Case).order_by(Case.id)).all())


def to_the_voicemail(phone: StandinPhone) -> CallStep:
    phone.move()
    phone.move("")
    beep = phone.move("")
    assert beep.record is not None and not beep.ended
    return beep


def test_words_said_at_the_beep_become_a_voicemail_case_whose_recording_holds_them(gateway, twilio):
    phone = StandinPhone(gateway, twilio)
    beep = to_the_voicemail(phone)
    assert "laisser un message après le bip" in " ".join(beep.says)
    assert "Nous n'avons pas reçu de message" not in " ".join(beep.says)  # heard only if nothing is recorded

    answer = phone.move("Un arbre est tombé devant le 14 rue Victor Hugo")

    assert "Merci, votre message est enregistré sous la référence" in " ".join(answer.says)
    [case] = cases(gateway.rt)
    assert case.category == "autre" and case.channel == "voice"
    url = case.description.removeprefix("Message vocal : ")
    assert url.startswith(f"{twilio.url}/2010-04-01/Accounts/{ACCOUNT_SID}/Recordings/RE")
    assert requests.get(url, timeout=5).text == "Un arbre est tombé devant le 14 rue Victor Hugo"
    assert answer.ended


def test_silence_at_the_beep_is_told_once_and_the_line_hangs_up_without_a_case(gateway, twilio):
    phone = StandinPhone(gateway, twilio)
    to_the_voicemail(phone)

    after = phone.move("")

    assert after.ended and after.says == [
        "Nous n'avons pas reçu de message. Vous pouvez nous rappeler à tout moment. Au revoir."]
    assert phone.heard.count(after.says[0]) == 1
    assert cases(gateway.rt) == [] and twilio.recordings == {}


def test_keys_ended_by_hash_reach_the_line_without_the_hash(gateway, twilio):
    phone = StandinPhone(gateway, twilio)
    phone.move()
    phone.move("5")

    answer = phone.move("48273918#")

    assert "Je ne trouve aucun dossier sous la référence G U, 4 8 2 7, 3 9 1 8." in answer.says


def test_hanging_up_at_the_place_read_back_still_files_the_report(gateway, twilio):
    phone = StandinPhone(gateway, twilio)
    phone.move()
    phone.move("1")
    readback = phone.move("Lampadaire éteint devant le 14 rue Victor Hugo")
    assert "J'ai compris : 14 Rue Victor Hugo, à Valmont" in " ".join(readback.says)

    assert phone.hang_up().status_code == 200

    [case] = cases(gateway.rt)
    assert (case.category, case.address) == ("eclairage", "14 Rue Victor Hugo, Valmont")
