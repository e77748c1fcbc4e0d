"""Whether a message says that something reported as fixed is not: "c pas reglé", "ça recommence", "the problem is back"."""

from __future__ import annotations

import re

from nlu.text import fold

_FIXED = r"(regle|reglee|regles|repare|reparee|repares|resolu|resolue|arrange|arrangee|fini|finie|termine|fait)"
NOT_FIXED = re.compile(
    r"\b(?:"
    rf"(?:pas|jamais|point|rien)\s+(?:du\s+tout\s+|encore\s+|vraiment\s+|ete\s+)?{_FIXED}"  # pas réglé, rien réparé
    r"|(?:ca|c|cela|ils?|elles?)?\s*(?:a\s+)?recommence"  # ça recommence, ça a recommencé
    r"|(?:est|sont|c'est|cest)\s+(?:de\s+)?(?:revenue?s?|retour)"  # la voiture est revenue, c'est de retour
    r"|toujours\s+(?:la|casse|cassee|en\s+panne|pareil|le\s+meme\s+probleme)"
    r"|(?:not|never)\s+(?:been\s+)?(?:fixed|solved|resolved|repaired|done)"
    r"|(?:is|are|it's|its)\s+back|still\s+(?:broken|there|not)|happening\s+again"
    r")\b"
)


def says_not_fixed(text: str) -> bool:
    """Whether the text says a problem is not fixed, or is back."""
    return bool(NOT_FIXED.search(fold(text)))
