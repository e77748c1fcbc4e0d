"""SMS encoding: what a text costs in segments (GSM-7 or UCS-2, 3GPP TS 23.038)."""

from __future__ import annotations

GSM7_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = set("\f^{}\\[~]|€")


# Look-alikes that keep a French SMS in GSM-7 (as courier's gsm7.ReplaceSubstitutions does):
# one "ê" in a street name would otherwise double the price of the whole message.
GSM7_SUBSTITUTES = str.maketrans({
    "ç": "c", "â": "a", "ê": "e", "î": "i", "ô": "o", "û": "u", "ë": "e", "ï": "i", "ÿ": "y", "œ": "oe",
    "À": "A", "Â": "A", "È": "E", "Ê": "E", "Ë": "E", "Î": "I", "Ï": "I", "Ô": "O", "Ù": "U", "Û": "U",
    "Ÿ": "Y", "Œ": "OE", "á": "a", "í": "i", "ó": "o", "ú": "u",
    "’": "'", "‘": "'", "‚": "'", "“": '"', "”": '"', "«": '"', "»": '"', "–": "-", "—": "-", "…": "...",
    "°": "o", "\u00a0": " ", "\u202f": " ", "\t": " ",
})


def to_gsm7(text: str) -> str:
    """The text with French look-alikes substituted when that makes it GSM-7; else unchanged (emoji, other scripts)."""
    if is_gsm7(text):
        return text
    substituted = text.translate(GSM7_SUBSTITUTES)
    return substituted if is_gsm7(substituted) else text


def is_gsm7(text: str) -> bool:
    """Whether every character fits GSM-7; one that does not switches the whole SMS to UCS-2."""
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text)


def segments(text: str) -> int:
    """How many SMS a text is billed as: 160/153 units in GSM-7, 70/67 in UCS-2."""
    if is_gsm7(text):
        sizes = [2 if ch in GSM7_EXTENSION else 1 for ch in text]
        single, multi = 160, 153
    else:
        # UTF-16 code units: a character outside the BMP (most emoji) takes two.
        sizes = [len(ch.encode("utf-16-le")) // 2 for ch in text]
        single, multi = 70, 67
    if sum(sizes) <= single:
        return 1
    # An escape pair or a surrogate pair is never split across two segments.
    count, used = 1, 0
    for size in sizes:
        if used + size > multi:
            count, used = count + 1, 0
        used += size
    return count


def encoding(text: str) -> str:
    """`GSM-7` or `UCS-2`."""
    return "GSM-7" if is_gsm7(text) else "UCS-2"
