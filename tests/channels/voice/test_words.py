"""What the phone line says comes from config/messages.*.yaml (`voice.`), as the chat's words do."""

from gateway.engine.messages import Messages
from gateway.settings import REPO


def spoken(language: str) -> set[str]:
    return {key for key in Messages(REPO / "config").flat(language, spoken=True) if key.startswith("voice.")}


def test_every_spoken_prompt_has_its_english_words():
    assert spoken("en") == spoken("fr")


def test_the_spoken_prompts_are_no_sms_template():
    written = Messages(REPO / "config").flat("fr")
    assert spoken("fr") and not spoken("fr") & set(written)
