"""spaCy's French language without its 1.45 MB tokenizer pattern, so that the first answer comes fast."""

from __future__ import annotations

import importlib.metadata
import logging
import sys
import threading
import types

logger = logging.getLogger(__name__)

# The workaround below relies on how spaCy 3.8 lays out its French language (pyproject pins spaCy 3.8).
SPACY_SERIES = "3.8."
_EXCEPTIONS_MODULE = "spacy.lang.fr.tokenizer_exceptions"
# The few French exceptions that matter for residents' messages: "aujourd'hui" is one word, and an
# abbreviation keeps its dot ("av.", "Mme."). Hyphenated exceptions ("peut-être", "a-t-il") are left out:
# nlu splits every hyphenated word into its parts before spaCy sees it (`understander._prepare`).
_FRENCH_WORDS = ["aujourd'hui", "Aujourd'hui", "aujourd’hui", "Aujourd’hui", "n°", "d°"]
_FRENCH_ABBREVIATIONS = (
    "av. janv. févr. avr. juill. sept. oct. nov. déc. apr. "
    "Dr. M. Mr. Mme. Mlle. St. Ste. cf. etc. MM. No. pp. Vol."
).split()
_lock = threading.Lock()
_decided: bool | None = None


def use_light_french_tokenizer() -> bool:
    """Make spaCy's French language skip its big pattern of hyphenated words; True when it does.

    Why: importing `spacy.lang.fr` compiles `TOKEN_MATCH`, a 1.45 MB regular expression of hyphenated
    and elided French words ("saut-de-ski", "entr'ouvert"): about 2.2 s on one core, more than half of
    the first answer. The model's serialized tokenizer holds the same pattern once more.

    How: before spaCy's French is first imported, a light `spacy.lang.fr.tokenizer_exceptions` module is
    put in `sys.modules`, with spaCy's language-independent exceptions plus the few French ones above
    and no `TOKEN_MATCH`; `load_model` then excludes the model's own tokenizer, so the tokenizer is built
    from these light defaults (the model's prefixes, suffixes and infixes are the defaults' own).

    What changes: a hyphenated word such as "nid-de-poule" or "Saint-Aubin" is split into its parts by
    spaCy's rules instead of being kept whole by the pattern, which nlu did anyway. Lemmas do not change.

    Done once per process, and only when it is safe: with spaCy 3.8 (whose layout it relies on), and not
    once spaCy's French is imported (something else paid for the full pattern: it is used as it is).
    Every French pipeline later created in this process gets the light tokenizer too.
    """
    global _decided
    with _lock:
        if _decided is None:
            _decided = _install()
        return _decided


def _install() -> bool:
    if "spacy.lang.fr" in sys.modules or _EXCEPTIONS_MODULE in sys.modules:
        return False
    try:
        version = importlib.metadata.version("spacy")
    except importlib.metadata.PackageNotFoundError:
        return False
    if not version.startswith(SPACY_SERIES):
        logger.warning(
            "spaCy %s is not %sx: French loads with its full tokenizer pattern", version, SPACY_SERIES
        )
        return False
    from spacy.lang.tokenizer_exceptions import BASE_EXCEPTIONS  # imports no language
    from spacy.symbols import ORTH
    from spacy.util import update_exc

    light = types.ModuleType(
        _EXCEPTIONS_MODULE, "spaCy's French tokenizer exceptions, light (see nlu.french)."
    )
    light.TOKENIZER_EXCEPTIONS = update_exc(  # type: ignore[attr-defined]  # a module built here
        BASE_EXCEPTIONS, {orth: [{ORTH: orth}] for orth in _FRENCH_WORDS + _FRENCH_ABBREVIATIONS}
    )
    light.TOKEN_MATCH = None  # type: ignore[attr-defined]
    sys.modules[_EXCEPTIONS_MODULE] = light
    return True
