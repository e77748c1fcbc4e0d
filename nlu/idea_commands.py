"""The one-word answers about ideas: SOUTIEN, +1, IMPLIQUÉ, INFORMÉ, NOMMEZ-MOI, NOUVELLE (French and English)."""

from __future__ import annotations

import re

from nlu.text import fold

# A reference anywhere in the message ("je soutiens GU-1234-5678") is taken out before the words are read.
_REFERENCE = re.compile(r"\bgu[\s-]*\d{4}[\s-]*\d{4}\b", re.IGNORECASE)
_NOT_WORD = re.compile(r"[^\w+']+")

# Whole messages only (folded, without punctuation): a sentence that merely contains "soutien" is no command.
COMMANDS: dict[str, frozenset[str]] = {
    "support": frozenset({
        "soutien", "soutiens", "je soutiens", "je la soutiens", "je soutiens cette idee", "je soutiens l'idee",
        "soutenir", "je veux soutenir", "+1", "+ 1", "plus un", "moi aussi", "i support", "support", "i support it",
        "i support this", "i support this idea", "support it",
        # as residents type them: "je soutien", "jsoutiens", "je soutient", "j'soutiens"
        "je soutien", "je soutient", "soutient", "jsoutiens", "jsoutien", "j'soutiens", "j'soutien",
        "je la soutien", "je soutien cette idee", "mon soutien", "tout mon soutien", "je suis pour",
    }),
    "implique": frozenset({
        "implique", "impliquee", "impliques", "impliquees", "je veux etre implique", "je veux etre impliquee",
        "implique moi", "impliquez moi", "involved", "i want to be involved", "involve me",
    }),
    "informe": frozenset({
        "informe", "informee", "informes", "informees", "juste informe", "juste informee", "informed",
        "just informed", "keep me informed",
    }),
    "name_me": frozenset({
        "nommez moi", "nommez-moi", "nommer moi", "vous pouvez me citer", "vous pouvez me nommer", "citez moi",
        "citez-moi", "name me", "you can name me",
    }),
    "new": frozenset({"nouvelle", "nouvelle idee", "nouveau", "new", "new idea", "ma nouvelle idee"}),
}
_BY_FORM = {form: command for command, forms in COMMANDS.items() for form in forms}


def idea_command(text: str) -> str | None:
    """The idea command a whole message says ("support", "implique", "informe", "name_me", "new"), else None.
    A message of several lines (an e-mail: its subject, then its body) says it when one of its first three lines
    is the command and nothing else: « SOUTIEN GU-1234-5678 » under the subject « Re: Une idée proche existe »."""
    command = _command(text)
    if command is not None or "\n" not in text:
        return command
    lines = [line for line in text.split("\n") if line.strip()][:3]
    return next((found for found in map(_command, lines) if found is not None), None)


def _words(text: str) -> str:
    return " ".join(_NOT_WORD.sub(" ", fold(_REFERENCE.sub(" ", text))).strip(" '").split())


def _command(text: str) -> str | None:
    words = _words(text)
    for greeting in ("bonjour ", "bonsoir ", "salut ", "hello ", "hi "):
        # « Bonjour, je soutiens GU-… »: a greeting in front does not change the command either.
        words = words.removeprefix(greeting)
    if words in _BY_FORM:
        return _BY_FORM[words]
    # "+1 !" or "soutien :)": a trailing courtesy does not change the command.
    for courtesy in (" merci", " svp", " s'il vous plait", " please", " thanks"):
        if words.endswith(courtesy) and words[: -len(courtesy)] in _BY_FORM:
            return _BY_FORM[words[: -len(courtesy)]]
    return None


def choice_number(text: str) -> int | None:
    """The number of an offered option when the whole message is one ("1", "2", "le 2"), else None."""
    found = re.fullmatch(r"\s*(?:le |la |n°|no )?([1-9])\s*[.)!]?\s*", fold(text))
    return int(found.group(1)) if found else None


def references_in(text: str) -> bool:
    """Whether the text carries a reference-looking string."""
    return bool(_REFERENCE.search(text))
