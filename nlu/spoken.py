"""What speech recognition heard: a sentence ("Oui, c'est bien ça."), where a written answer is often one word.

A written yes or no is read whole, from the catalogue's `answers` (`Analysis.answer`); a caller's answer
also counts when its sentence says one of the words below. The phone line reads both (gateway/engine/ivr.py).
"""

from __future__ import annotations

from collections.abc import Iterable

from nlu.text import fold

# Folded. "no" is looked for first: "oui enfin non" is a no.
HEARD_YES = ("oui", "exact", "correct", "c'est ca", "d'accord", "ok", "tout a fait")
HEARD_NO = ("non", "pas ca", "faux", "recommencer", "erreur")


def heard(text: str) -> str:
    """The sentence folded, without the full stop or question mark speech recognition ends it with."""
    return fold(text).strip(" .!?")


def says(text: str, keys: Iterable[str], *, stems_from: int | None = None) -> bool:
    """Whether the sentence says one of the folded `keys`.

    A key of several words is looked for anywhere; a word as a whole word ("non" is not in "nonante"),
    or anywhere when it has `stems_from` letters or more ("operat" is in "opérateur").
    """
    said = heard(text)
    words = set(said.replace("'", "' ").split())
    return any(
        key in said if " " in key or (stems_from is not None and len(key) >= stems_from) else key in words
        for key in keys
    )


def heard_answer(text: str) -> str | None:
    """"no" or "yes" when the sentence says one of its words, else None."""
    if says(text, HEARD_NO):
        return "no"
    if says(text, HEARD_YES):
        return "yes"
    return None
