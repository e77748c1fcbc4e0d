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
    """The idea command a whole message says ("support", "implique", "informe", "name_me", "new"), else None."""
    words = _NOT_WORD.sub(" ", fold(_REFERENCE.sub(" ", text))).strip(" '")
    words = " ".join(words.split())
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
