"""Masking personal data in residents' text before it is shown on public pages or APIs (SPEC "Users").

Residents write licence plates ("une voiture AB-123-CD garée…"), phone numbers, e-mail addresses and
names ("c'est M. Dupont qui…") in their reports; the public sees the report, never those.
"""

from __future__ import annotations

import re

PHONE = "[téléphone masqué]"
EMAIL = "[e-mail masqué]"
PLATE = "[immatriculation masquée]"
NAME = "[nom masqué]"

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)

# 06 12 34 56 78, 06.12.34.56.78, 0612345678, +33 6 12 34 56 78, +33 (0)6…, 0033 6…, then any
# other international number written with a leading +.
_PHONE = re.compile(
    r"(?<![\w+])(?:(?:\+|00)33[\s.-]?(?:\(0\)[\s.-]?)?|0)[1-9](?:[\s.-]?\d{2}){4}(?!\d)"
    r"|(?<![\w+])\+\d{1,3}(?:[\s.-]?\d){7,13}(?!\d)"
)

# Current plates (SIV, since 2009): AB-123-CD. With dashes the shape is unmistakable in any case;
# with spaces or nothing between the parts, only capitals count ("au 123 ru…" is an address).
_PLATE_SIV_DASHED = re.compile(r"\b[A-Z]{2}-\d{3}-[A-Z]{2}\b", re.IGNORECASE)
_PLATE_SIV = re.compile(r"\b[A-Z]{2} ?\d{3} ?[A-Z]{2}\b")
# Older plates (FNI): 1234 AB 56, 123 ABC 75, 12 AB 2A, 123 AB 971.
_PLATE_FNI = re.compile(r"\b\d{1,4}[ -]?[A-Z]{1,3}[ -]?(?:97[1-6]|2[AB]|\d{2})\b")

# A name follows a civility or an introduction: "M. Dupont", "Mme Anne Martin", "je m'appelle paul".
_NAME_TRIGGER = re.compile(
    r"(?:(?<!\w)(?:M\.|MM\.|Mr\.?|[Mm]mes?\.?|MMES?\.?|[Mm]lles?|MLLES?)(?!\w)"
    r"|\b(?:[Mm]onsieur|[Mm]adame|[Mm]ademoiselle|MONSIEUR|MADAME|MADEMOISELLE)"
    r"|\b(?:je m['’]appelle|Je m['’]appelle|JE M['’]APPELLE|moi c['’]est|Moi c['’]est))"
    r"[ \t]+"
)
_WORD = re.compile(r"[^\W\d_][\w'’-]*")
# Words after a civility that are not a name: "Monsieur le maire", "Madame la directrice".
_NOT_NAMES = {
    "le", "la", "les", "l", "un", "une", "et", "ou", "de", "du", "des", "qui", "que", "a", "à", "est",
    "maire", "adjoint", "adjointe", "directeur", "directrice", "conseiller", "conseillère", "je",
    "j", "il", "elle", "on", "nous", "vous", "habite", "suis", "mais", "donc", "car", "votre", "mon",
    "ma", "mes", "son", "sa", "ses", "au", "aux", "en", "dans", "sur", "pour", "par", "avec",
}
_MAX_NAME_WORDS = 3


def mask_personal(text: str) -> str:
    """`text` with licence plates, phone numbers, e-mail addresses and people's names masked."""
    if not text:
        return text
    text = _EMAIL.sub(EMAIL, text)
    text = _PHONE.sub(PHONE, text)
    text = _PLATE_SIV_DASHED.sub(PLATE, text)
    text = _PLATE_SIV.sub(PLATE, text)
    text = _PLATE_FNI.sub(PLATE, text)
    return _mask_names(text)


def _mask_names(text: str) -> str:
    pieces: list[str] = []
    position = 0
    for trigger in _NAME_TRIGGER.finditer(text):
        if trigger.start() < position:
            continue
        end = _name_end(text, trigger.end())
        if end is None:
            continue
        pieces += [text[position:trigger.end()], NAME]
        position = end
    pieces.append(text[position:])
    return "".join(pieces)


def _name_end(text: str, start: int) -> int | None:
    """Where the name that begins at `start` ends (one to three words), or None when no name is there."""
    end = None
    cursor = start
    lowercase = False  # "je m'appelle jean dupont": typed without capitals, the next words count too
    for count in range(_MAX_NAME_WORDS):
        word = _WORD.match(text, cursor)
        if word is None or word.group().lower().rstrip("'’") in _NOT_NAMES:
            break
        if count == 0:
            lowercase = word.group()[0].islower()
        elif not (lowercase or word.group()[0].isupper()):
            break  # "M. Dupont habite…": the name ends with the capitals
        end = word.end()
        gap = re.match(r"[ \t]+", text[end:])
        if gap is None:
            break
        cursor = end + gap.end()
    return end
