"""Whether an agent's message already says when the work will be done ("sous 5 jours", "jeudi", "le 12/12").

Pure: the flows use it so that an update never gives both the category's delay and the agent's own date.
"""

from __future__ import annotations

import re

from nlu.text import fold

_UNITS = r"(?:h|heures?|jours?|semaines?|mois|days?|weeks?|months?|hours?)"
_MONTHS = (r"(?:janvier|fevrier|mars|avril|mai|juin|juillet|aout|septembre|octobre|novembre|decembre|"
           r"january|february|march|april|may|june|july|august|september|october|november|december)")
_DAYS = r"(?:lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
_WHEN = re.compile(
    rf"\b(?:sous|d'ici|dans|within|in)\s+(?:\d+|un|une|deux|trois|quatre|cinq|six|sept|huit|dix|quinze|a|one|two|three)\s+{_UNITS}\b"
    rf"|\b\d{{1,2}}(?:er)?\s+{_MONTHS}\b|\b{_MONTHS}\s+\d{{1,2}}\b|\b\d{{1,2}}/\d{{1,2}}(?:/\d{{2,4}})?\b"
    rf"|\b{_DAYS}\b|\b(?:demain|apres-demain|cette semaine|semaine prochaine|tomorrow|next week|this week)\b"
)


def mentions_when(text: str | None) -> bool:
    """Whether `text` gives a delay or a date of its own."""
    return bool(text) and _WHEN.search(fold(text or "")) is not None
