"""The scripted conversation corpus: residents of the demo town writing as residents write, on every channel.

Each conversation of `tests/gateway/conversations/*.yaml` is one test. The runner posts each turn through the
real entry points (signed Twilio webhooks, the Telegram webhook with its secret, the SMTP server, the phone
line's voice webhooks), lets the worker settle, reads what the resident received from the provider stand-ins,
checks it against the turn's expectations, and at the end checks the stored cases the resident follows.
The corpus was written blind to the engine: see README.md beside this file. Conversations listed in
`known_failures.txt` are expected to fail today (xfail, strict: the lead sees them turn green).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml
from sqlmodel import select

from channels.standins.telegram import location_update, text_update
from channels.standins.twilio import inbound_sms_params, inbound_whatsapp_params
from store.models import Case, Follower, Identity
from tests.conftest import ACCOUNT_SID, GATEWAY_NUMBER
from tests.gateway.conftest import INBOX, Front
from tests.images import image_bytes

HERE = Path(__file__).parent
REFERENCE = re.compile(r"\b[A-Z]{2}-\d{4}-\d{4}\b")
CHANNELS = ("sms", "whatsapp", "telegram", "email", "voice")


def _load() -> list[dict[str, Any]]:
    conversations: list[dict[str, Any]] = []
    for path in sorted(HERE.glob("*.yaml")):
        for item in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            item["_file"] = path.name
            conversations.append(item)
    return conversations


def _known_failures() -> dict[str, str]:
    known: dict[str, str] = {}
    path = HERE / "known_failures.txt"
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            line = line.strip()
            if line and not line.startswith("#"):
                ident, _, reason = line.partition(" ")
                known[ident] = reason.strip() or "known failure"
    return known


CONVERSATIONS = _load()
KNOWN = _known_failures()


def _params() -> list:
    seen: set[str] = set()
    params = []
    for conversation in CONVERSATIONS:
        ident = conversation["id"]
        assert ident not in seen, f"two conversations are named {ident}"
        seen.add(ident)
        marks = [pytest.mark.xfail(reason=KNOWN[ident], strict=True)] if ident in KNOWN else []
        params.append(pytest.param(conversation, id=ident, marks=marks))
    return params


def fold(text: str) -> str:
    """Lower case, without accents, typographic apostrophes plain: expectations are loose facts."""
    text = unicodedata.normalize("NFKD", text.replace("\u2019", "'").replace("\u00a0", " "))
    return "".join(c for c in text if not unicodedata.combining(c)).lower()


@dataclass
class Resident:
    """One person on one channel: how they write, and what they have received so far."""

    front: Front
    channel: str
    sender: str
    thread: list[str] = field(default_factory=list)  # e-mail: the Message-IDs written so far
    phone: Any = None
    last_heard: str = ""

    @property
    def address(self) -> str:
        """The identity's address as the gateway stores it."""
        return self.sender

    def received(self) -> list[str]:
        """Everything this resident has received so far, oldest first."""
        f = self.front
        if self.channel in ("sms", "voice"):
            return [m["body"] or f"[modele] {m.get('content_variables') or ''}"
                    for m in f.twilio.messages if m["to"] == self.sender]
        if self.channel == "whatsapp":
            return [m["body"] or f"[modele] {m.get('content_variables') or ''}"
                    for m in f.twilio.messages if m["to"] == f"whatsapp:{self.sender}"]
        if self.channel == "telegram":
            texts = []
            for m in f.telegram.sent:
                if str(m["chat_id"]) == str(self.sender):
                    buttons = m.get("reply_markup") or {}
                    texts.append(m["text"] + (" " + str(buttons) if buttons else ""))
            return texts
        if self.channel == "email":
            out = []
            for mail in f.relay.to(self.sender):
                body = mail.get_body(preferencelist=("plain", "html"))
                out.append(f"{mail['Subject']}\n{body.get_content() if body else ''}")
            return out
        raise AssertionError(f"unknown channel {self.channel}")

    def write(self, turn: dict[str, Any]) -> list[str]:
        """Send one turn as this resident; the replies it got (voice: what was heard, then any SMS)."""
        before = len(self.received())
        heard = self._send(turn)
        self.front.settle()
        replies = ([heard] if heard else []) + self.received()[before:]
        return replies

    def _send(self, turn: dict[str, Any]) -> str:
        f, text = self.front, turn.get("say", "")
        if self.channel == "sms":
            response = f.http.post_signed("/webhooks/twilio/messages", inbound_sms_params(
                from_=self.sender, to=GATEWAY_NUMBER, body=text, account_sid=ACCOUNT_SID))
        elif self.channel == "whatsapp":
            media = [(f.twilio.add_media(image_bytes()), "image/jpeg")] if turn.get("photo") else []
            location = tuple(turn["location"]) if turn.get("location") else None
            response = f.http.post_signed("/webhooks/twilio/messages", inbound_whatsapp_params(
                from_=self.sender, to=GATEWAY_NUMBER, body=text, account_sid=ACCOUNT_SID,
                location=location, media=media))  # type: ignore[arg-type]
        elif self.channel == "telegram":
            chat = int(self.sender)
            if turn.get("location"):
                update = location_update(chat, *turn["location"])
            elif turn.get("photo"):
                update = f.telegram.photo_update(chat, image_bytes(), caption=text)
            else:
                update = text_update(chat, text)
            response = f.telegram_update(update)
        elif self.channel == "email":
            return self._mail(turn)
        elif self.channel == "voice":
            return self._call(turn)
        else:
            raise AssertionError(f"unknown channel {self.channel}")
        assert response.status_code < 300, f"the webhook answered {response.status_code}: {response.text[:200]}"
        return ""

    def _mail(self, turn: dict[str, Any]) -> str:
        mail = EmailMessage()
        mail["From"], mail["To"] = self.sender, INBOX
        mail["Subject"] = turn.get("subject", "")
        mail["Message-ID"] = msgid = make_msgid(domain=self.sender.split("@")[-1])
        if self.thread:
            mail["In-Reply-To"] = self.thread[-1]
            mail["References"] = " ".join(self.thread)
        mail.set_content(turn.get("say", ""))
        if turn.get("photo"):
            mail.add_attachment(image_bytes(), maintype="image", subtype="jpeg", filename="photo.jpg")
        self.thread.append(msgid)
        code, answer = self.front.mail(mail.as_bytes(), mail_from=self.sender)
        assert code == 250, f"the SMTP server answered {code} {answer}"
        return ""

    def _call(self, turn: dict[str, Any]) -> str:
        from tests.channels.voice.conftest import Phone

        if turn.get("dial"):
            self.phone = Phone(self.front.http, self.sender)
            heard = self.phone.dial()
        elif "press" in turn:
            heard = self.phone.press(str(turn["press"]))
        elif "speak" in turn:
            heard = self.phone.say(turn["speak"])
        else:
            raise AssertionError("a phone turn is dial, press or speak")
        assert heard.status == 200, f"the phone line answered {heard.status}"
        self.last_heard = heard.text
        return "[au telephone] " + heard.text


def _matches(pattern: str, text: str) -> bool:
    return re.search(fold(pattern), fold(text)) is not None


def check_replies(expect: dict[str, Any], replies: list[str], where: str) -> None:
    """The loose facts a turn's replies must show."""
    text = "\n".join(replies)
    shown = f"{where}: the resident received {replies!r}"
    if expect.get("no_reply"):
        assert not replies, shown
        return
    if expect.get("reply", True):
        assert replies, f"{where}: the resident received no reply at all"
    for wanted in expect.get("contains", []):
        assert fold(wanted) in fold(text), f"{shown}; expected it to contain {wanted!r}"
    for group in expect.get("any_of", []):
        assert any(fold(w) in fold(text) for w in group), f"{shown}; expected one of {group!r}"
    for pattern in expect.get("regex", []):
        assert _matches(pattern, text), f"{shown}; expected /{pattern}/"
    for unwanted in expect.get("not_contains", []):
        assert fold(unwanted) not in fold(text), f"{shown}; expected no {unwanted!r}"
    for pattern in expect.get("not_regex", []):
        assert not _matches(pattern, text), f"{shown}; expected no /{pattern}/"
    if "first_contains" in expect:
        first = replies[0]
        assert any(fold(w) in fold(first) for w in expect["first_contains"]), \
            f"{where}: the first reply was {first!r}; expected it to name one of {expect['first_contains']!r}"
    if expect.get("reference"):
        assert REFERENCE.search(text), f"{shown}; expected a reference GU-dddd-dddd"
    if expect.get("no_reference"):
        assert not REFERENCE.search(text), f"{shown}; expected no reference"
    if "max_chars" in expect:
        for reply in replies:
            assert len(reply) <= expect["max_chars"], f"{where}: a reply of {len(reply)} characters: {reply!r}"


def followed(front: Front, resident: Resident) -> list[tuple[Case, str]]:
    """The cases this resident follows (as reporter or follower), with their role."""
    # A caller who asked for the reference by SMS may follow the case by SMS from the same number.
    channels = ["voice", "sms"] if resident.channel == "voice" else [resident.channel]
    with front.rt.db.session() as session:
        rows = session.exec(
            select(Case, Follower.role).join(Follower, Follower.case_id == Case.id)  # type: ignore[arg-type]
            .join(Identity, Identity.id == Follower.identity_id)  # type: ignore[arg-type]
            .where(Identity.channel.in_(channels),  # type: ignore[attr-defined]
                   Identity.address.in_(_addresses(resident)))  # type: ignore[attr-defined]
        ).all()
        for case, _ in rows:
            session.expunge(case)
    return [(case, role) for case, role in rows]


def _addresses(resident: Resident) -> list[str]:
    s = resident.sender
    return [s, f"whatsapp:{s}", s.lower(), str(s)]


def any_case_at(front: Front) -> list[Case]:
    with front.rt.db.session() as session:
        cases = list(session.exec(select(Case)).all())
        for case in cases:
            session.expunge(case)
    return cases


class Agent:
    """The town's agent, through the agents' JSON API with a supervisor's token."""

    def __init__(self, front: Front):
        from tests.gateway.web.backoffice.conftest import make_agent

        self.front = front
        self.token = make_agent(front.rt, "corpus-superviseur@valmont.example", role="supervisor", token=True)

    def _post(self, path: str, data: dict) -> requests.Response:
        return requests.post(self.front.url + "/api/v1" + path, json=data, timeout=10,
                             headers={"Authorization": f"Bearer {self.token}"})

    def act(self, reference: str, step: dict[str, Any]) -> None:
        if "ask" in step:
            response = self._post(f"/cases/{reference}/messages", {"text": step["ask"]})
        else:
            data = {"status": step["status"]}
            if step.get("message"):
                data["message"] = step["message"]
            response = self._post(f"/cases/{reference}/status", data)
        assert response.status_code < 300, f"the API answered {response.status_code}: {response.text[:300]}"
        self.front.settle()

    def case(self, reference: str) -> dict[str, Any]:
        response = requests.get(self.front.url + f"/api/v1/cases/{reference}", timeout=10,
                                headers={"Authorization": f"Bearer {self.token}"})
        assert response.status_code == 200, response.text[:300]
        return response.json()


def _fill(value: Any, refs: dict[str, str]) -> Any:
    """`{name}` in a turn or its expectations: the reference named so; `{name_typo}`: it with one digit wrong."""
    if isinstance(value, dict):
        return {k: _fill(v, refs) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, refs) for v in value]
    if isinstance(value, str):
        for name, ref in refs.items():
            typo = ref[:-1] + str((int(ref[-1]) + 1) % 10)
            value = value.replace("{" + name + "_typo}", typo).replace("{" + name + "}", ref)
    return value


@pytest.mark.parametrize("conversation", _params())
def test_conversation(front: Front, conversation: dict[str, Any]) -> None:
    refs: dict[str, str] = {}
    residents: dict[tuple[str, str], Resident] = {}
    agent: Agent | None = None

    def resident(channel: str, sender: str) -> Resident:
        assert channel in CHANNELS, channel
        key = (channel, str(sender))
        if key not in residents:
            residents[key] = Resident(front, channel, str(sender))
        return residents[key]

    # Setup: other residents (or this one, earlier) whose cases the conversation needs; `ref` names the
    # reference their first reply gave, for later turns to quote as {name}.
    for n, step in enumerate(conversation.get("setup", [])):
        who = resident(step["channel"], step["sender"])
        replies = who.write(_fill(step, refs))
        if step.get("ref"):
            found = REFERENCE.search("\n".join(replies))
            assert found, f"setup {n}: no reference in {replies!r}; the setup itself did not open a case"
            refs[step["ref"]] = found.group(0)
        if step.get("agent"):
            agent = agent or Agent(front)
            agent.act(refs[step["agent"]], step)

    me = resident(conversation["channel"], conversation["sender"])
    before = {case.id for case, _ in followed(front, me)}
    transcript: list[str] = []
    for n, turn in enumerate(conversation["turns"]):
        if "agent" in turn:
            agent = agent or Agent(front)
            reference = refs.get(turn["agent"]) or turn["agent"]
            before_agent = len(me.received())
            agent.act(reference, turn)
            replies = me.received()[before_agent:]
        else:
            turn = _fill(turn, refs)
            replies = me.write(turn)
        transcript.append(f"> {turn.get('say') or turn.get('speak') or turn.get('ask') or turn.get('press') or ''}")
        transcript.extend(f"< {r}" for r in replies)
        where = f"{conversation['id']} turn {n + 1} ({turn.get('say') or turn.get('speak') or turn.get('ask') or turn})"
        check_replies(_fill(turn.get("expect", {}), refs), replies, where)
        if turn.get("ref"):
            found = REFERENCE.search("\n".join(replies))
            assert found, f"{where}: no reference in {replies!r}"
            refs[turn["ref"]] = found.group(0)

    try:
        check_case(front, me, conversation, before, agent, refs)
    except AssertionError as err:
        raise AssertionError(f"{err}\ntranscript:\n" + "\n".join(transcript)) from None


def check_case(front: Front, me: Resident, conversation: dict[str, Any], before: set, agent: Agent | None,
               refs: dict[str, str]) -> None:
    expected = conversation.get("case")
    if not expected:
        return
    mine = [(case, role) for case, role in followed(front, me) if case.id not in before]
    name = conversation["id"]
    if expected.get("resident_message"):
        agent = agent or Agent(front)
        # YAML 1.1 reads a bare `on:` key as the boolean True: `{on: first}` arrives as {True: "first"}.
        on = expected.get("on", expected.get(True))
        reference = refs[on] if on else next(c.reference for c, _ in mine)
        shown = agent.case(reference)
        words = " ".join(str(m.get("message") or "") for m in shown.get("resident_messages", []))
        assert fold(expected["resident_message"]) in fold(words), \
            f"{name}: the resident's answer is not among the case's messages: {words!r}"
    opened = str(expected.get("opened", "yes")).lower()
    if opened in ("no", "false"):
        assert not mine, f"{name}: expected no case, the resident follows {[(c.reference, c.category) for c, _ in mine]}"
        if expected.get("none_at_all"):
            assert not any_case_at(front), f"{name}: expected no case at all, found {len(any_case_at(front))}"
        return
    assert mine, f"{name}: expected a case (opened: {opened}); the resident follows none"
    roles = {role for _, role in mine}
    # A caller who took the reference by SMS follows their call's case from that number.
    own = [c for c, role in mine if role == "reporter" or (me.channel == "voice" and c.channel == "voice")]
    if opened in ("yes", "true"):
        assert own, f"{name}: expected their own case; roles {roles}"
        case = own[0]
    elif opened == "joined":
        assert not own, f"{name}: expected to join the existing case, opened their own"
        case = mine[0][0]
        if expected.get("joins"):
            assert case.reference == refs[expected["joins"]], f"{name}: joined {case.reference}"
    else:
        raise AssertionError(f"{name}: opened must be yes, no or joined")
    facts = {"category": case.category, "territory": case.territory, "district": case.district,
             "urgency": case.urgency, "kind": case.kind}
    for key in ("category", "territory", "district", "urgency", "kind"):
        if key in expected:
            want = expected[key]
            allowed = want if isinstance(want, list) else [want]
            assert facts[key] in allowed, f"{name}: the case's {key} is {facts[key]!r}, expected {want!r}; {facts}"
    for wanted in expected.get("address_contains", []):
        assert case.address and fold(wanted) in fold(case.address), \
            f"{name}: the case's address is {case.address!r}, expected it to mention {wanted!r}"
