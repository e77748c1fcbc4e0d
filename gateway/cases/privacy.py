"""Personal data in residents' text: found, then masked before it is shown on public pages, APIs or to strangers.

Residents write licence plates ("une voiture AB-123-CD garée…"), phone numbers (in figures or in words),
e-mail addresses (also written `paul[at]gmail.com` or "paul arobase gmail point com") and names ("chez Jean
Dupont", "la famille Girard", "c'est M. Dupont qui…") in their reports; the public sees the report, never those.
Names come from spaCy's French recogniser (PER entities) and from patterns (a civility, "chez", "mon voisin",
"je m'appelle"); the town's gazetteer and the words that make a place ("rue", "école", "place") are an
allow-list, so that "rue Victor Hugo" or "école Jules Ferry" stay readable.
tests/gateway/cases/fixtures/personal_data.tsv is the labelled corpus; bench/masking.py prints its figures.
"""

from __future__ import annotations

import functools
import json
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from gateway.runtime import Runtime
from gateway.settings import REPO
from nlu.catalogue import load_catalogue
from nlu.places import load_gazetteer_names

PHONE = "[téléphone masqué]"
EMAIL = "[e-mail masqué]"
PLATE = "[immatriculation masquée]"
NAME = "[nom masqué]"
LABELS = {"phone": PHONE, "email": EMAIL, "plate": PLATE, "name": NAME}
KINDS = tuple(LABELS)

# ---- e-mail addresses --------------------------------------------------------------------------------------
_LOCAL = r"[\w.+-]*\w"
_AT_SIGN = r"\s?@\s?"
_AT_HIDDEN = r"\s?[\[({<]\s?(?:at|@|arobase|arrobase|arobas)\s?[\])}>]\s?|\s(?:arobase|arrobase|arobas|arobace)\s"
_AT_WORD = r"\s(?:at|AT)\s"  # "paul at gmail dot com": only with a domain that ends like one
_DOT = r"(?:\.|\s?[\[({<]\s?(?:dot|point|\.)\s?[\])}>]\s?|\s(?:dot|point|DOT|POINT)\s)"
_TLD = r"(?:com|fr|net|org|eu|info|io|be|ch|de|uk|es|it|biz|me|COM|FR|NET|ORG|EU)"
_EMAIL = re.compile(
    rf"(?<![\w.+-])(?:{_LOCAL}(?:{_AT_SIGN}|{_AT_HIDDEN})(?:[\w-]+(?:{_DOT}[\w-]+)*)?"
    rf"|{_LOCAL}{_AT_WORD}[\w-]+(?:{_DOT}[\w-]+)*{_DOT}{_TLD})(?![\w-])"
)

# ---- phone numbers -----------------------------------------------------------------------------------------
# 06 12 34 56 78, 06.12.34.56.78, 0612345678, 06 123 45 678, +33 6 12 34 56 78, +33 (0)6…, 0033 6…; the leading
# zero forgotten ("6 12 34 56 78", in pairs); then any other international number written with a leading +.
_PHONE = re.compile(
    r"(?<![\w+])(?:(?:\+|00)\s?33[\s.-]?(?:\(0\)[\s.-]?)?|0)[1-9](?:[\s./-]?\d){8}(?!\d)"
    r"|(?<![\w+.,/])[67](?:[\s.]\d{2}){4}(?![\d.,/]\d)"
    r"|(?<![\w+])\+\d{1,3}(?:[\s.-]?\d){7,13}(?!\d)"
)
# Numbers in words: "zéro six douze trente-quatre…", as speech turns into text on the phone line.
_NUMBER_WORDS = (
    "zéro|zero|un|une|deux|trois|quatre|cinq|six|sept|huit|neuf|dix|onze|douze|treize|quatorze|quinze|seize"
    "|vingts?|trente|quarante|cinquante|soixante|cent|et"
)
_NUMBER_WORD = rf"(?:{_NUMBER_WORDS})(?:-(?:{_NUMBER_WORDS}))*"
_PHONE_WORDS = re.compile(
    rf"\b(?:z[ée]ro|(?:plus |\+ ?)trente-trois)(?:[\s,]+{_NUMBER_WORD}){{4,}}\b", re.IGNORECASE
)

# ---- licence plates ----------------------------------------------------------------------------------------
# Current plates (SIV, since 2009): AB-123-CD; older ones (FNI): 1234 AB 56, 123 ABC 75, 12 AB 2A, 123 AB 971.
# Neither uses I, O or U; spaced and lower-case forms must not be words ("le 123 de", "12 mai 24").
_PLATE_SIV = re.compile(r"\b([A-Z]{2})(-|\s?)(\d{3})\2([A-Z]{2})\b", re.IGNORECASE)
_PLATE_FNI = re.compile(r"\b(\d{1,4})([\s-]?)([A-Z]{1,3})\2(97[1-6]|2[AB]|\d{2})\b", re.IGNORECASE)
_NOT_PLATE_LETTERS = {
    "le", "la", "de", "et", "en", "ce", "ma", "sa", "ta", "me", "se", "te", "ne", "je", "es", "as", "ca", "ya", "bd",
    "av", "st", "ch", "dr", "mr", "km", "cm", "mm", "kg", "pm", "am", "rd", "nd", "er", "re", "h", "m", "x", "ex", "pl",
    "rte", "ter", "bis", "mai", "avr", "dec", "fev", "mar", "sep", "nov", "nb", "kms", "ans", "an", "mn", "min", "sem",
    "gr", "ttc", "ht", "pr", "ds", "ps", "pv", "cb", "tel", "tl", "n", "c", "l", "d", "j", "a", "s", "t", "y", "r",
}

# ---- names -------------------------------------------------------------------------------------------------
# What announces a name: a civility or a title ("M. Dupont", "Dr Bernard"), an introduction ("je m'appelle
# paul"), "chez", or a relation ("mon voisin Pierre Durand", "la famille Girard").
_CIVILITY = (
    r"(?<!\w)(?:M\.|MM\.|[Mm][Rr]\.?|Mrs\.?|Ms\.?|[Mm]mes?\.?|MMES?\.?|[Mm]lles?\.?|MLLES?\.?|Dr\.?|DR\.?|Pr\.?)(?!\w)"
    r"|\b(?:[Mm]onsieur|[Mm]adame|[Mm]ademoiselle|MONSIEUR|MADAME|MADEMOISELLE|[Dd]octeur|DOCTEUR|[Pp]rofesseur|"
    r"[Mm]a[iî]tre)\b"
)
_INTRODUCTION = r"\b(?:[Jj]e m['’]appelle|JE M['’]APPELLE|[Mm]oi c['’]est|MOI C['’]EST|[Mm]on nom est|[Mm]y name is)"
_RELATION = (
    r"\b(?:[Cc]hez|CHEZ|(?:[Vv]oisin|VOISIN|[Ff]amille|FAMILLE|[Ff]ils|[Ff]ille|[Mm]ari|[Ff]emme|[ÉéEe]poux|[ÉéEe]pouse"
    r"|[Ff]r[èe]re|[Ss]œur|[Ss]oeur|[Nn]eveu|[Nn]i[èe]ce|[Cc]opain|[Cc]opine|[Aa]mie?|[Pp]ropri[ée]taire|[Pp]roprio"
    r"|[Ll]ocataire|[Gg]ardien|[Cc]oncierge|[Pp]atron|[Cc]oll[èe]gue|[Nn]eighbou?r|[Ff]amily)(?:ne|e)?s?)"
)
_NAME_TRIGGER = re.compile(rf"(?:(?P<civility>{_CIVILITY})|(?P<intro>{_INTRODUCTION})|(?P<relation>{_RELATION}))"
                           r"[ \t]+")
_WORD = re.compile(r"[^\W\d_][\w'’-]*")
_LEADING_CIVILITY = re.compile(rf"(?:(?:{_CIVILITY})[ \t]+(?:et[ \t]+)?)+")
# Words after a trigger that are not a name: "Monsieur le maire", "chez moi", "mon voisin du dessus".
_NOT_NAMES = {
    "le", "la", "les", "l", "un", "une", "et", "ou", "de", "du", "des", "qui", "que", "a", "à", "est", "sont",
    "maire", "adjoint", "adjointe", "directeur", "directrice", "conseiller", "conseillère", "je", "d", "s", "n",
    "j", "il", "elle", "on", "nous", "vous", "habite", "suis", "mais", "donc", "car", "votre", "mon", "ton", "ta",
    "ma", "mes", "son", "sa", "ses", "au", "aux", "en", "dans", "sur", "pour", "par", "avec", "moi", "toi", "lui",
    "eux", "elles", "ils", "leur", "leurs", "notre", "nos", "vos", "ce", "cet", "cette", "ces", "y", "ne", "pas",
    "fait", "font", "laisse", "laissent", "se", "dessus", "dessous", "face", "côté", "the", "my", "his", "her",
    "depuis", "devant", "derrière", "près", "ont", "avait", "encore", "toujours", "ici", "là", "mairie",
    "propriétaire", "proprio", "voisin", "voisine", "voisins", "gardien", "syndic", "président", "présidente",
    "m", "mm", "mme", "mmes", "mlle", "mr", "dr", "monsieur", "madame", "mademoiselle", "docteur",
}
_MAX_NAME_WORDS = 3
# Common first names: a lower-case word after a relation counts as a name only when it is one ("chez jean
# dupont", not "chez carrefour"); a capitalised first name and its surname count anywhere.
_FIRST_NAMES = frozenset("""
jean pierre marie michel philippe alain nicolas christophe patrick daniel bernard david eric frédéric frederic
laurent stéphane stephane olivier sébastien sebastien thierry pascal julien françois francois jacques thomas
antoine mathieu matthieu kevin kévin romain vincent guillaume maxime alexandre jérôme jerome sylvain yannick
bruno didier franck gilles christian cédric cedric fabrice arnaud benoît benoit damien ludovic hugo lucas
louis léo leo gabriel raphaël raphael arthur jules adam paul enzo nathan théo theo mohamed mehdi karim samir
rachid youssef ahmed ali omar hamid ibrahim moussa mamadou luc marc yves rené rene andré andre claude serge
henri georges roger robert gérard gerard dominique joël joel hervé herve denis emmanuel fabien jonathan anthony
nathalie isabelle sylvie catherine françoise francoise sandrine valérie valerie christine véronique veronique
céline celine sophie stéphanie stephanie martine nicole sabine émilie emilie aurélie aurelie julie laura camille
léa lea manon chloé chloe emma inès ines sarah sara louise jade alice lina zoé zoe anna eva clara lucie pauline
marine laetitia élodie elodie audrey mélanie melanie caroline virginie delphine florence karine patricia
monique brigitte chantal annie jacqueline danielle michèle michele christiane josiane colette fatima aïcha aicha
khadija amina samira nadia leila leïla yasmine myriam anne hélène helene agnès agnes claire charlotte margaux
océane oceane justine morgane marion mathilde juliette elise élise jeanne rose louna ambre
""".split())


@dataclass(frozen=True)
class Found:
    """One piece of personal data in a text: where it is and what it is (phone, email, plate, name)."""

    start: int
    end: int
    kind: str


class PersonalData:
    """Finds personal data in residents' text, with one town's gazetteer as the allow-list of places."""

    def __init__(self, config_dir: Path):
        landmarks, streets = load_gazetteer_names(config_dir)
        places = load_catalogue(config_dir).places
        self._place_words = {_fold(w) for w in (*places.street_types, *places.named_landmarks,
                                                *places.standalone_landmarks) if " " not in w}
        names = {_fold(n) for n in (*landmarks, *streets, *_territory_names(config_dir)) if n}
        # A street's name without its type ("Victor Hugo" of "Rue Victor Hugo") is a place too.
        names |= {bare for n in names if (bare := n.split(" ", 1)[-1]) != n and " " in bare}
        names = {n for n in names if len(n) > 3}
        self._places = re.compile(r"\b(?:" + "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
                                  + r")\b") if names else None

    def find(self, text: str) -> list[Found]:
        """Every piece of personal data in `text`, in order, none overlapping another."""
        if not text:
            return []
        found = [Found(m.start(), m.end(), "email") for m in _EMAIL.finditer(text)]
        found += [Found(m.start(), m.end(), "phone") for m in _PHONE.finditer(text)]
        found += [Found(m.start(), m.end(), "phone") for m in _PHONE_WORDS.finditer(text)]
        found += [Found(m.start(), m.end(), "plate") for m in _PLATE_SIV.finditer(text) if _is_plate(m, 1, 4)]
        found += [Found(m.start(), m.end(), "plate") for m in _PLATE_FNI.finditer(text) if _is_plate(m, 3)]
        protected = self._protected(text)
        names = [n for n in self._patterned_names(text) + self._recognised_names(text)
                 if not self._is_place(text, n, protected)]
        return _without_overlaps(found + names)

    def mask(self, text: str) -> str:
        """`text` with every piece of personal data replaced by what it is ("[nom masqué]")."""
        pieces, position = [], 0
        for item in self.find(text):
            pieces += [text[position:item.start], LABELS[item.kind]]
            position = item.end
        pieces.append(text[position:])
        return "".join(pieces)

    # -- names -------------------------------------------------------------------------------------------

    def _patterned_names(self, text: str) -> list[Found]:
        found = []
        for trigger in _NAME_TRIGGER.finditer(text):
            kind = trigger.lastgroup or "civility"
            end = _name_end(text, trigger.end(), lower_case=kind != "relation")
            if end is None and kind == "relation":
                end = _first_name_end(text, trigger.end())
            if end is not None:
                found.append(Found(trigger.end(), end, "name"))
        # "Pierre Durand" with no word before it: a capitalised first name and its surname.
        for word in _WORD.finditer(text):
            if word.group()[0].isupper() and word.group().lower() in _FIRST_NAMES and not _shouting(text):
                surname = re.match(r"[ \t]+([A-ZÀ-Ý][\w'’-]+)", text[word.end():])
                if surname and surname.group(1).lower() not in _NOT_NAMES:
                    found.append(Found(word.start(), word.end() + surname.end(), "name"))
        return found

    def _recognised_names(self, text: str) -> list[Found]:
        """People spaCy's French recogniser finds (PER), when the text has capitals to go by."""
        if _shouting(text) or not any(c.isupper() for c in text[1:]):
            return []
        found = []
        for ent in _recognise(text):
            if ent[2] != "PER":
                continue
            start, end = ent[0], ent[1]
            civility = _LEADING_CIVILITY.match(text, start, end)
            if civility:  # "Mme Durand": the civility stays readable, as after the patterns
                start = civility.end()
            words = _WORD.findall(text[start:end])
            if not words or any(w[0].islower() for w in words[:1]) or \
                    all(w.lower() in _NOT_NAMES or w.lower() in self._place_words for w in words):
                continue
            sentence_start = start == 0 or text[:start].rstrip(" \t").endswith(("\n", ".", "!", "?", ":"))
            if sentence_start and len(words) == 1 and words[0].lower() not in _FIRST_NAMES:
                continue  # "Lampadaire éteint…", "Objet\nNid de poule…": a capital because a sentence starts there
            found.append(Found(start, end, "name"))
        return found

    def _protected(self, text: str) -> list[range]:
        """The spans of `text` that name a place of the town's gazetteer."""
        if self._places is None:
            return []
        return [range(m.start(), m.end()) for m in self._places.finditer(_fold(text))]

    def _is_place(self, text: str, name: Found, protected: list[range]) -> bool:
        """Whether a name is part of a place: in the gazetteer, or after "rue", "école", "place du Général"…"""
        if any(name.start >= r.start and name.end <= r.stop for r in protected):
            return True
        before = [_fold(w) for w in _WORD.findall(text[max(0, name.start - 60):name.start])]
        while before and before[-1] in _PLACE_LINKS:
            before.pop()
        return bool(before) and before[-1] in self._place_words


# Between a place's type and the person it is named after: "place du Général Leclerc", "rue du Docteur Roux".
_PLACE_LINKS = {"de", "du", "des", "d", "la", "l", "le", "les", "general", "marechal", "president", "docteur",
                "dr", "professeur", "abbe", "saint", "sainte", "st", "ste", "commandant", "colonel", "capitaine",
                "lieutenant", "amiral", "pere", "mere", "soeur", "frere", "mgr", "monseigneur", "maitre", "madame",
                "monsieur", "pasteur", "chanoine", "jean", "pierre", "marie", "jeanne"}


def _territory_names(config_dir: Path) -> list[str]:
    """The communes and districts of the town's territories.geojson ("Valmont", "Les Tilleuls"): places, not people."""
    path = Path(config_dir) / "territories.geojson"
    try:
        features = json.loads(path.read_text(encoding="utf-8")).get("features", [])
    except (OSError, ValueError):
        return []
    return [str(f.get("properties", {}).get("name") or "") for f in features if isinstance(f, dict)]


@functools.cache
def finder(config_dir: Path | None = None) -> PersonalData:
    """The finder of a town's config (the shipped one by default), built once per process."""
    return PersonalData(config_dir or REPO / "config")


# What a public surface shows of one text at most: a report says what and where in far less, and the patterns'
# cost grows with the length (a 70,000-character word mailed in took 50 s to mask).
PUBLIC_TEXT_CHARS = 2000


@functools.lru_cache(maxsize=8192)
def mask_personal(text: str, *, config_dir: Path | None = None) -> str:
    """`text` with licence plates, phone numbers, e-mail addresses and people's names masked, cut to
    PUBLIC_TEXT_CHARS (with " […]")."""
    if not text:
        return text
    if len(text) > PUBLIC_TEXT_CHARS:
        text = text[:PUBLIC_TEXT_CHARS].rstrip() + " […]"
    return finder(config_dir).mask(text)


# What the public sees of an emergency, in place of the resident's words: they tell of a person hurt, fallen or in
# danger, someone's health (a third party's, data the GDPR protects most), and the on-call team has them already.
EMERGENCY_WITHHELD = ("Urgence signalée, transmise à l'équipe d'astreinte. Le message n'est pas publié : il peut "
                      "parler de la santé d'une personne.")


def public_description(description: str | None, urgency: str | None) -> str:
    """A case's description as public pages, feeds and Open311 show it: masked (`mask_personal`), and an
    emergency's withheld (`EMERGENCY_WITHHELD`)."""
    if urgency == "emergency":
        return EMERGENCY_WITHHELD
    return mask_personal(description or "")


def mask_contacts(text: str) -> str:
    """`text` with phone numbers and e-mail addresses masked: the patterns alone, fast enough for every log line."""
    if not text:
        return text
    text = _EMAIL.sub(EMAIL, text)
    text = _PHONE_WORDS.sub(PHONE, text)
    return _PHONE.sub(PHONE, text)


def public_place(rt: Runtime, *, address: str | None, territory: str | None, language: str = "fr") -> str:
    """Where a case is, as its public page says it: the masked address and its commune."""
    communes = {c.code: c.name for c in rt.router.territories.communes()}
    commune = communes.get(territory or "", "")
    if not address:
        return commune or rt.messages.text("unknown_place", language)
    shown = mask_personal(address, config_dir=rt.settings.config_dir)
    return shown if not commune or commune in shown else f"{shown}, {commune}"


# ---- helpers ----------------------------------------------------------------------------------------------


def _is_plate(match: re.Match, *groups: int) -> bool:
    letters = [match.group(g) for g in groups]
    if any(set(part.upper()) & {"I", "O", "U"} for part in letters):
        return False
    separator = match.group(2)
    if separator in ("-", ""):
        return True  # AB-123-CD, AB123CD: no word is written so
    # Spaced, each part may be a word ("ck 265 me"), not all of them ("le 123 de", "12 mai 24").
    return not all(part.lower() in _NOT_PLATE_LETTERS for part in letters)


def _name_end(text: str, start: int, *, lower_case: bool) -> int | None:
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
            if lowercase and not lower_case:
                return None
        elif not (lowercase or word.group()[0].isupper()):
            break  # "M. Dupont habite…": the name ends with the capitals
        end = word.end()
        gap = re.match(r"[ \t]+", text[end:])
        if gap is None:
            break
        cursor = end + gap.end()
    return end


def _first_name_end(text: str, start: int) -> int | None:
    """After "chez" or "mon voisin" in lower case: a first name, and the surname after it, or None."""
    word = _WORD.match(text, start)
    if word is None or word.group().lower() not in _FIRST_NAMES:
        return None
    surname = re.match(r"[ \t]+([^\W\d_][\w'’-]*)", text[word.end():])
    if surname and surname.group(1).lower() not in _NOT_NAMES:
        return word.end() + surname.end()
    return word.end()


def _without_overlaps(found: list[Found]) -> list[Found]:
    """The pieces in order; of two that overlap, the first found (the longer at one start) is kept."""
    kept: list[Found] = []
    for item in sorted(found, key=lambda f: (f.start, -(f.end - f.start))):
        if kept and item.start < kept[-1].end:
            if item.end > kept[-1].end and item.kind == kept[-1].kind:
                kept[-1] = Found(kept[-1].start, item.end, item.kind)
            continue
        kept.append(item)
    return kept


def _shouting(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 8 and sum(c.isupper() for c in letters) > 0.7 * len(letters)


def _fold(text: str) -> str:
    """Lower case without accents, of the same length as `text` (so that offsets stay valid)."""
    return "".join(unicodedata.normalize("NFD", c)[0] for c in text.lower()) if text else text


def _recognise(text: str) -> list[tuple[int, int, str]]:
    """spaCy's named entities in `text`: (start, end, label)."""
    from nlu.understander import load_model  # loads the model (seconds): only when a text has capitals

    nlp = load_model()
    doc = nlp.get_pipe("ner")(nlp.make_doc(text))
    return [(ent.start_char, ent.end_char, ent.label_) for ent in doc.ents]
