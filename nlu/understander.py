"""From a resident's message to an `Analysis`: intent, category, urgency, place, reference, language."""

from __future__ import annotations

import functools
import itertools
import logging
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from nlu.analysis import Analysis
from nlu.catalogue import Catalogue, load_catalogue
from nlu.communes import CommuneFinder, load_communes
from nlu.french import use_light_french_tokenizer
from nlu.learned import Guess, Learned
from nlu.lemmas import lemma_lookup
from nlu.phrases import (
    Forms,
    Match,
    PhraseIndex,
    Slot,
    Tag,
    drop_overridden_emergencies,
    select,
    unhidden,
)
from nlu.places import PlaceFinder, load_gazetteer_names
from nlu.references import find_references
from nlu.text import Word, fold, is_shouting, whole_message_key, words

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc, Token

logger = logging.getLogger(__name__)

MODEL = "fr_core_news_sm"
_HYPHEN_IN_WORD = re.compile(r"(?<=[^\W\d_])-(?=[^\W\d_])")
_CACHE_SIZE = 8192
# A message whose words, once its reference is removed, are no more than this asks about that case.
_MOSTLY_REFERENCE_WORDS = 4
_NER_LABELS = {"LOC", "ORG"}
# A message of more words is no bare answer, even when every word could be one.
_MAX_ANSWER_WORDS = 8
# Intent cues, and the words that say a danger is over or goes on ("il y a eu" is no "il y a"), are matched on
# their exact words, not on lemmas.
_SURFACE_KINDS = {
    "stop", "start", "erase", "help", "status", "idea", "idea_weak", "thanks", "thanks_strong", "greeting", "correction", "over",
    "still",
}
# How many words before an emergency a negation denies it ("pas de fumée"; not "pas mal de fumée").
_NEGATION_WINDOW = 2
# Punctuation that ends a sentence, and that ends a clause within one.
_SENTENCE_END = frozenset(".!?…")
_CLAUSE_END = frozenset(",;:()")
# An emergency hints at its own category, more than a context word does, less than a keyword.
_EMERGENCY_WEIGHT = 0.5
# A context word ("parc", "aire de jeux") says where more than what: it counts less than a keyword.
_CONTEXT_WEIGHT = 0.4
# The intents whose missing category the classifier may give (nlu/learned.py); for `other`, its intent too.
_LEARNED_FILLS = ("report", "idea", "status", "other")
# How far ahead of the runner-up the classifier's label must be (in mean feature weights) to be taken.
LEARNED_MARGIN = 0.5
# A message the rules understood nothing of is guessed only with this many words of three letters beside its place.
_LEARNED_WORDS = 3
# A learned category's confidence is at most this, under the engine's CONFIRM_BELOW: the resident confirms it.
LEARNED_CONFIDENCE = 0.45
# A rules' category under this confidence was found without one whole keyword (one keyword alone gives 0.70).
WEAK_RULE_CONFIDENCE = 0.6
# How far ahead the classifier must be to overrule the rules' intent (half of it for a weak category).
LEARNED_OVERRULES = 2.0
# How far ahead it must be to decide the intent wherever the rules read another (no STOP, no status, no reference).
LEARNED_DECIDES_INTENT = 1.0
# How far "someone can get hurt" must lead "normal" for the classifier to make a report high. Leaving v9 out of
# its training, 5.0 found 10 of the 15 high reports the rules missed there, and no normal report of v9 was over it.
# Over eleven blind corpora left out in turn: 5.0 gives high recall 86.9 %, urgency right 95.6 %; 4.0 gives 87.8 %
# and 95.7 %; 3.0 gives 89.7 % and 95.6 % (each high it adds costs a false one, which wakes the on-call team).
LEARNED_RISK = 4.0


def _learned_confidence(margin: float) -> float:
    return round(LEARNED_CONFIDENCE * (1 - math.exp(-margin)), 3)


@functools.cache
def load_model() -> Language:
    """The French model, once per process, without the parts the analysis does not use."""
    import spacy  # imported here: `import nlu` stays light for the commands that never analyse

    use_light_french_tokenizer()  # before spaCy's French is imported: see there why
    # The tokenizer comes from the language's defaults, not from the model's copy of its 1.45 MB pattern.
    # Messages are only tokenised: a word's lemmas come from the lemmatizer's lookup table, which scores the
    # corpora as the tagger and its rule lemmas did (v5: 92.7 % against 93.0 % in category, the same intents, places
    # and emergencies) at twice the speed, so the tagger and the vectors it runs on are left out. The recogniser
    # of named places (with its own vectors) runs only when rules find no place, and for the masking of names.
    # The lemmatizer's lookup table is read on its own (nlu/lemmas.py).
    return spacy.load(MODEL, exclude=["tokenizer", "parser", "senter", "tok2vec", "morphologizer", "attribute_ruler",
                                      "lemmatizer"], disable=["ner"])


# A report is a few lines: what is past this is kept for the agents, not read (spaCy refuses a million characters,
# and a pasted document would only slow every message behind it).
UNDERSTOOD_CHARS = 5000


# Control characters and lone surrogates (bytes that were not UTF-8, as Python hands them over from a command
# line): a space, so that « gaz\x07 » is still gas and spaCy is never handed what it cannot hash.
_UNWRITTEN = re.compile("[\x00-\x08\x0e-\x1f\x7f\ud800-\udfff]")
# Characters that take no room (a zero-width space inside « tr\u200bou », a byte-order mark): nothing.
_INVISIBLE = re.compile("[\u200b-\u200d\u2060\ufeff\u00ad]")


def _normalised(text: str) -> str:
    """One space between words, the first UNDERSTOOD_CHARS characters."""
    return " ".join(_UNWRITTEN.sub(" ", _INVISIBLE.sub("", text[:UNDERSTOOD_CHARS * 2])).split())[:UNDERSTOOD_CHARS]


def _prepare(text: str) -> str:
    """Text for spaCy, of the same length as the resident's so that offsets stay valid."""
    text = _HYPHEN_IN_WORD.sub(" ", text.translate(str.maketrans("’‘`´", "''''")))
    lowered = text.lower()
    return lowered if is_shouting(text) and len(lowered) == len(text) else text


@dataclass(frozen=True)
class _Scores:
    """What the phrases found in one message add up to."""

    category: str | None
    confidence: float
    emergencies: tuple[str, ...]  # names, in catalogue order
    high: bool
    kinds: frozenset[str]  # every tag kind found ("status", "idea", "problem"...)
    language: str
    idea_first: bool = False  # an idea said before any strong thanks ("j'ai une idée : … Merci de votre attention")


class Understander:
    """Understands messages with one town's catalogue and gazetteer."""

    def __init__(self, config_dir: Path, nlp: Language | None = None) -> None:
        self.config_dir = Path(config_dir)
        self.catalogue: Catalogue = load_catalogue(self.config_dir)
        self._nlp = nlp or load_model()
        self._tokenizer: Any = self._nlp.tokenizer  # spaCy's Tokenizer; its stubs say Callable
        self._lookup = lemma_lookup(Path(self._nlp.path))  # the model directory spaCy loaded
        self._lemmas = set(itertools.chain.from_iterable(self._lookup.values()))
        self._common: dict[str, bool] = {}  # a word -> whether French has it (the lookup table knows it)
        self._index = PhraseIndex()
        self._build_index()
        self._fillers = {fold(w) for w in self.catalogue.fillers}
        self._clause_breaks = {fold(w) for w in self.catalogue.clause_breaks}
        self._negations = {fold(w) for w in self.catalogue.emergency_negations}
        self._abbreviations = self._expansions()
        self._fuzzy_vocabulary: dict[str, list[str]] = {}
        for form in sorted(self._index.vocabulary):
            if len(form) >= 4 and form.isalpha():
                self._fuzzy_vocabulary.setdefault(form[0], []).append(form)
        self._corrections: dict[str, str | None] = {}
        landmarks, streets = load_gazetteer_names(self.config_dir)
        self._places = PlaceFinder(
            self.catalogue.places,
            is_keyword=self._is_keyword,
            is_common_word=self._is_common_word,
            gazetteer_landmarks=landmarks,
            gazetteer_streets=streets,
        )
        self._communes = CommuneFinder(
            load_communes(self.config_dir).communes,
            landmarks=(*self.catalogue.places.standalone_landmarks, *self.catalogue.places.named_landmarks, *landmarks),
        )
        self._prepositions = {fold(p) for p in self.catalogue.places.landmark_prepositions}
        self._destinations = {fold(p) for p in self.catalogue.places.destination_prepositions}
        self._language_words = {lang: {fold(w) for w in ws} for lang, ws in self.catalogue.languages.items()}
        self._whole = self._whole_message_forms()
        self._courtesy = {whole_message_key(w) for w in self.catalogue.intents.courtesy}
        self._answer_forms = {
            answer: {whole_message_key(form) for form in forms}
            for answer, forms in self.catalogue.answers.items()
        }
        self._cache: dict[str, Analysis] = {}
        self._word_forms: dict[str, Forms] = {}  # a word's forms and lemmas, as written
        logger.info(
            "understander ready",
            extra={"categories": len(self.catalogue.categories), "landmarks": len(landmarks), "streets": len(streets)},
        )

    # building ----------------------------------------------------------------------------------

    @functools.cached_property
    def _learned(self) -> Learned | None:
        """The classifier of the town's examples, trained (0.3 s) when a message first needs it."""
        return Learned.from_examples(self.config_dir / "examples", self.catalogue.categories)

    def _catalogue_phrases(self) -> Iterable[tuple[str, Tag]]:
        cat = self.catalogue
        for category in cat.categories.values():
            for lang, phrases in category.keywords.items():
                for phrase in phrases:
                    yield phrase, Tag("category", category.code, lang)
            for lang, phrases in category.context.items():
                for phrase in phrases:
                    yield phrase, Tag("context", category.code, lang)
            for lang, phrases in category.high.items():
                for phrase in phrases:
                    yield phrase, Tag("category", category.code, lang)
                    yield phrase, Tag("high", category.code, lang)
        for emergency in cat.emergencies:
            for lang, phrases in emergency.phrases.items():
                for phrase in phrases:
                    yield phrase, Tag("emergency", emergency.name, lang)
            for r, rule in enumerate(emergency.near):
                for g, group in enumerate(rule):
                    for phrase in group:
                        yield phrase, Tag("near", f"{emergency.name}|{r}|{g}")
            for phrase in emergency.over:
                yield phrase, Tag("over", emergency.name)
        for phrase in cat.neutral:
            yield phrase, Tag("neutral")
        for phrase in cat.figurative:
            yield phrase, Tag("figurative")
        for phrase in cat.emergency_over:
            yield phrase, Tag("over")
        for phrase in cat.emergency_still:
            yield phrase, Tag("still")
        for r, urgency_rule in enumerate(cat.urgency_rules):
            for g, group in enumerate(urgency_rule.groups):
                for phrase in group:
                    yield phrase, Tag("rule", f"{r}.{g}")
        intents = cat.intents
        for kind, phrases in (
            ("erase", intents.erase_phrases),
            ("stop", intents.stop_phrases),
            ("start", intents.start_phrases),
            ("help", intents.help_phrases),
            ("status", intents.status),
            ("idea", intents.idea),
            ("idea_weak", intents.idea_weak),
            ("problem", intents.problem_words),
            ("thanks", intents.thanks),
            ("thanks_strong", intents.thanks_strong),
            ("greeting", intents.greeting),
            ("correction", intents.correction),
        ):
            for phrase in phrases:
                yield phrase, Tag(kind)

    def _build_index(self) -> None:
        # Phrases are lemmatised with the lookup table alone: no context is needed to know that
        # "débordent" is "déborder", and it keeps the start-up fast. Intent cues keep their exact
        # words: "c'est bien" is no "ce serait bien".
        entries = list(self._catalogue_phrases())
        texts = sorted({phrase for phrase, _ in entries})
        tokens_of = {
            text: [t for t in doc if not t.is_space]
            for text, doc in zip(texts, self._tokenizer.pipe(_prepare(t) for t in texts), strict=True)
        }
        for phrase, tag in entries:
            tokens = tokens_of[phrase]
            if tokens:
                lemmas = tag.kind not in _SURFACE_KINDS
                words = tuple(self._phrase_forms(t.text, lemmas=lemmas) for t in tokens)
                weight = sum(0.4 if t.is_stop or t.is_punct else 1.0 for t in tokens)
                self._index.add(words, weight, tag)

    def _expansions(self) -> dict[str, list[Slot]]:
        abbreviations = self.catalogue.abbreviations
        keys = list(abbreviations)
        docs = self._tokenizer.pipe(_prepare(abbreviations[k]) for k in keys)
        return {
            fold(key): [
                Slot(t.lower_, self._phrase_forms(t.text, lemmas=True), filler=self._is_filler(t.lower_))
                for t in doc
                if not t.is_space
            ]
            for key, doc in zip(keys, docs, strict=True)
        }

    def _whole_message_forms(self) -> dict[str, tuple[str, str]]:
        """Whole-message forms of the commands and yes/no answers: key -> (kind, value)."""
        intents = self.catalogue.intents
        whole: dict[str, tuple[str, str]] = {}
        for answer, forms in self.catalogue.answers.items():
            for form in forms:
                whole[whole_message_key(form)] = ("answer", answer)
        for intent, forms in (("help", intents.help), ("start", intents.start), ("stop", intents.stop),
                              ("erase", intents.erase)):
            for form in forms:
                whole[whole_message_key(form)] = ("intent", intent)
        return whole

    def _command_said_politely(self, key: str) -> tuple[str, str] | None:
        """A whole-message command with courtesy words around it ("desabonnement svp", "bonjour AIDE")."""
        words = key.split()
        start, end = 0, len(words)
        changed = True
        while changed and start < end:
            changed = False
            for n in (3, 2, 1):
                if " ".join(words[start : start + n]) in self._courtesy and start + n < end:
                    start, changed = start + n, True
                    break
                if " ".join(words[end - n : end]) in self._courtesy and end - n > start:
                    end, changed = end - n, True
                    break
        if (start, end) == (0, len(words)):
            return None
        whole = self._whole.get(" ".join(words[start:end]))
        return whole if whole and whole[0] == "intent" else None

    def _several_answer_forms(self, key: str) -> tuple[str, str] | None:
        """A bare answer said in several of its forms ("ouais c'est ça", "non non pas du tout")."""
        words = key.split()
        if not 1 < len(words) <= _MAX_ANSWER_WORDS:
            return None
        for answer, forms in self._answer_forms.items():
            covered = [True] + [False] * len(words)  # covered[i]: words[:i] is a run of this answer's forms
            for end in range(1, len(words) + 1):
                covered[end] = any(
                    covered[start] and " ".join(words[start:end]) in forms for start in range(end)
                )
            if covered[-1]:
                return ("answer", answer)
        return None

    def leading_answer(self, text: str) -> str | None:
        """The yes or no that opens a longer message ("NON c'est un autre trou, plus loin"), if its first words
        are one of the answers' forms; None when the message is no more than the answer, or opens otherwise."""
        words = whole_message_key(text).split()
        for end in range(min(len(words) - 1, _MAX_ANSWER_WORDS), 0, -1):
            start = " ".join(words[:end])
            for answer, forms in self._answer_forms.items():
                if start in forms:
                    return answer
        return None

    def _phrase_forms(self, text: str, *, lemmas: bool) -> Forms:
        lower = text.lower()
        exact = {lower, *(self._lookup.get(lower) or ())} if lemmas else {lower}
        return Forms(frozenset(exact), frozenset(fold(f) for f in exact), surface_only=not lemmas)

    def _token_forms(self, token: Token) -> Forms:
        forms = self._word_forms.get(token.text)
        if forms is None:
            if len(self._word_forms) >= _CACHE_SIZE:
                self._word_forms.clear()
            forms = self._word_forms[token.text] = self._phrase_forms(token.text, lemmas=True)
        return forms

    def _is_filler(self, word: str) -> bool:
        return fold(word) in self._fillers

    def _is_common_word(self, word: str) -> bool:
        common = self._common.get(word)
        if common is None:
            if len(self._common) >= _CACHE_SIZE:
                self._common.clear()
            common = self._common[word] = word in self._lookup or word in self._lemmas
        return common

    def _is_keyword(self, word: str) -> bool:
        """Whether a word, maybe misspelt or abbreviated, is one of the catalogue's."""
        return word in self._index.vocabulary or word in self._abbreviations or self._correct(word) is not None

    # analysing ---------------------------------------------------------------------------------

    def analyze(self, text: str) -> Analysis:
        """Understand one message (its first UNDERSTOOD_CHARS characters)."""
        text = _normalised(text)
        known = self._cache.get(text)
        if known is None:
            known = self._remember(text, self._analysis(text, self._nlp.make_doc(_prepare(text))))
        return known

    def lemmas(self, text: str) -> frozenset[str]:
        """The folded lemmas of a text's content words, by the lookup table alone (fast: no pipeline), to compare
        two descriptions (gateway/ideas/similar.py)."""
        stop = self._nlp.Defaults.stop_words
        found = set()
        for word in words(text):
            lower = word.text.lower()
            if len(word.folded) < 3 or not word.folded.isalpha() or lower in stop or word.folded in self._fillers:
                continue
            found.add(fold(min(self._lookup.get(lower) or (lower,), key=len)))
        return frozenset(found)

    def analyze_many(self, texts: list[str]) -> list[Analysis]:
        """Understand a batch of messages; the same answers as `analyze`, faster."""
        normalised = [_normalised(t) for t in texts]
        results = {t: self._cache[t] for t in normalised if t in self._cache}
        todo = sorted(set(normalised) - set(results))
        docs = (self._nlp.make_doc(_prepare(t)) for t in todo)
        for text, doc in zip(todo, docs, strict=True):
            results[text] = self._remember(text, self._analysis(text, doc))
        return [results[t] for t in normalised]

    def _remember(self, text: str, analysis: Analysis) -> Analysis:
        if len(self._cache) >= _CACHE_SIZE:
            self._cache.clear()
        self._cache[text] = analysis
        return analysis

    def _analysis(self, text: str, doc: Doc) -> Analysis:
        key = whole_message_key(text)
        whole = self._whole.get(key) or self._several_answer_forms(key) or self._command_said_politely(key)
        if whole:
            kind, value = whole
            language = self._language(text, {}, range(0))
            if kind == "intent":
                return Analysis(intent=value, language=language)
            return Analysis(intent="other", language=language, answer=value)
        place = self._places.find(text)
        place_span = range(place.start, place.end) if place else range(0)
        slots = self._slots(doc, hidden=place.names if place else ())
        everything = drop_overridden_emergencies(self._index.find_all(slots))
        kept = select(everything)
        scores = self._score(text, slots, kept, everything, place_span)
        references = find_references(text, self.catalogue.reference_prefix)
        valid = next((r for r in references if r.valid), None)
        prefixed_wrong = next(
            (r for r in references if not r.valid and fold(r.written).startswith(fold(self.catalogue.reference_prefix))),
            None,
        )
        mostly_reference = bool(references) and self._mostly(text, references[0].written)
        any_wrong = next((r for r in references if not r.valid), None)
        mistyped = None
        if not valid:
            mistyped = prefixed_wrong or (any_wrong if mostly_reference or "status" in scores.kinds else None)
        has_reference = bool(valid or mistyped)
        intent = self._intent(scores, has_reference=has_reference, text=text)
        category = scores.category if intent not in ("stop", "start", "help", "erase") else None
        confidence = scores.confidence if category else 0.0
        guess = None
        if intent in _LEARNED_FILLS and not scores.emergencies and self._learned:
            guess = self._learned.guess(text)
            if category is None:
                intent, category, confidence = self._learned_guess(text, intent, place_span, guess)
            else:
                intent, category, confidence = self._learned_second_opinion(
                    intent, category, confidence, scores, guess, has_reference=has_reference,
                    asks="?" in text and place is None)
            if not has_reference and guess.intent not in ("stop", "status", "help") and guess.intent != intent \
                    and guess.intent_margin >= LEARNED_DECIDES_INTENT \
                    and (intent != "other" or self._says_more_than(text, place_span)):
                # the intent the examples are sure of, where the rules read another: on fresh corpora the classifier
                # alone names the intent more often than the rules (v9, v10, v11, v12 left out in turn: +1.4, +2.0,
                # +1.3, 0 points). Never a STOP (it cannot tell STOP from START), never a status question
                # (« toujours pas réparé » in a case's thread adds to it), never a help question (« il y a un
                # problème avec le feu rouge » is a report), never against a reference or an emergency.
                intent = guess.intent
                if intent in ("help", "other"):
                    category, confidence = None, 0.0
                elif category is None and guess.category and guess.category_margin >= LEARNED_MARGIN:
                    category, confidence = guess.category, _learned_confidence(guess.category_margin)
        emergency_numbers = self._numbers(scores.emergencies)
        if emergency_numbers:
            urgency = "emergency"
        elif intent == "status":
            urgency = "normal"  # « où en est l'arbre dangereux ? » follows a case; a danger said now is an emergency
        elif category and (scores.high or self.catalogue.categories[category].urgency == "high"):
            urgency = "high"
        elif category and intent == "report" and guess and guess.risk_margin >= LEARNED_RISK:
            # someone can get hurt, said in words no urgency rule holds (« it looks like half of it could come down
            # on the path where the joggers go »), where the classifier is sure of it: high, never an emergency
            urgency = "high"
        else:
            urgency = "normal"
        destination = category == "covoiturage"
        address = place.text if place else self._named_place(text, doc, destination=destination)
        if intent == "other" and address is None and not references and "?" in text \
                and len(self._said(text, place_span)) >= _LEARNED_WORDS - 1:
            # a question the rules and the classifier understood nothing of, about no place and no case (« vous
            # êtes ouverts le week-end ? », « Is this service free? »): what the service does answers it best.
            # In the labelled corpora before v9 such questions were help 36 times, other 20 and status 6; v9 had
            # 16 help questions of this kind.
            intent = "help"
        if intent in ("stop", "start", "help", "erase"):
            address = None  # « c'est la mairie ce numéro ? » asks about the service, not about a place
        commune = self._communes.find(text, streets=place.names if place and place.street else (),
                                      destination=destination)
        return Analysis(
            intent=intent,
            category=category,
            urgency=urgency,
            address=address,
            commune=commune.commune.code if commune else None,
            reference=valid.reference if valid else None,
            mistyped_reference=mistyped.written if mistyped else None,
            language=scores.language,
            confidence=confidence,
            emergency_numbers=emergency_numbers,
            emergencies=tuple(scores.emergencies) if emergency_numbers else (),
            corrects="correction" in scores.kinds,
        )

    def _learned_guess(self, text: str, intent: str, place: range, guess: Guess) -> tuple[str, str | None, float]:
        """The classifier's category where the rules found none (nlu/learned.py), and for a message the rules
        understood nothing of, its intent; its confidence stays under the engine's bar, so the resident is asked.

        A bare place ("à Saumur rue d'Orléans") stays a bare place: a message of `other` is guessed only when it says
        something beside its place. A question about the service or about a case in words no rule holds (« c'est
        un robot qui répond ? », « et alors ?? toujours pas de réponse ») is taken from the classifier when it is
        sure; a STOP never is (the classifier cannot tell STOP from START)."""
        said = self._said(text, place)
        if intent == "other" and guess.intent in ("help", "status") and guess.intent_margin >= LEARNED_OVERRULES \
                and len(said) >= _LEARNED_WORDS - 1:
            if guess.intent == "help":
                return "help", None, 0.0
            intent = "status"
        if guess.category is None or guess.category_margin < LEARNED_MARGIN:
            return intent, None, 0.0
        if intent == "other":
            if guess.intent not in _LEARNED_FILLS or guess.intent == "other" or guess.intent_margin < LEARNED_MARGIN \
                    or len(said) < _LEARNED_WORDS:
                return intent, None, 0.0
            intent = guess.intent
        return intent, guess.category, _learned_confidence(guess.category_margin)

    @staticmethod
    def _said(text: str, place: range) -> list[Word]:
        """The words of three letters or more outside the place."""
        return [w for w in words(text) if w.start not in place and w.folded.isalpha() and len(w.folded) > 2]

    def _says_more_than(self, text: str, place: range) -> bool:
        """A message says something beside its place ("à Saumur rue d'Orléans" alone does not)."""
        return len(self._said(text, place)) >= _LEARNED_WORDS

    @staticmethod
    def _learned_second_opinion(intent: str, category: str, confidence: float, scores: _Scores, guess: Guess, *,
                                has_reference: bool, asks: bool) -> tuple[str, str | None, float]:
        """Where the rules decided on weak evidence, the classifier's label when it is sure of another.

        Measured leaving each blind corpus out of the training in turn (v4–v8, tests/nlu/README.md), each of these
        gains several times what it loses:
        - a category the rules found without one whole keyword (a context word such as « la nuit », a fuzzy
          spelling, two categories tied: confidence under `WEAK_RULE_CONFIDENCE`) gives way to the classifier's
          when that one is ahead by half of `LEARNED_OVERRULES`; its confidence is then the classifier's, under the
          engine's bar, so the resident confirms it. A keyword the town wrote in the catalogue always decides;
        - a report the rules read from its category alone (no problem word such as « cassé », « signaler »), that
          the classifier is sure is an idea (« des récupérateurs d'eau de pluie pour les massifs ? »), is an idea,
          and an idea read from a weak sign alone (« mettre des… ») that it is sure is a report is a report (a
          report is never made a status question: « toujours pas réparé » in a case's thread adds to that case);
        - a status question without a reference that it is sure is a question about the service (« comment je
          fais pour suivre ma demande ? ») is a help question, and so is a report that asks (a question about no
          place: `asks`) when it is sure of it (« on peut signaler quoi ici, les voisins bruyants ça compte ? »).
        """
        kinds = scores.kinds
        if intent == "report" and "problem" not in kinds and "idea_weak" not in kinds \
                and guess.intent == "idea" and guess.intent_margin >= LEARNED_OVERRULES:
            intent = "idea"
        elif intent == "idea" and "idea" not in kinds and guess.intent == "report" \
                and guess.intent_margin >= LEARNED_OVERRULES:
            intent = "report"
        elif intent == "status" and not has_reference and guess.intent == "help" \
                and guess.intent_margin >= LEARNED_MARGIN * 3:
            return "help", None, 0.0
        elif intent == "report" and asks and guess.intent == "help" and guess.intent_margin >= LEARNED_OVERRULES:
            return "help", None, 0.0  # « What kind of things can I report here? Just potholes or anything? »
        if confidence < WEAK_RULE_CONFIDENCE and guess.category and guess.category != category \
                and guess.lead_over(category) >= LEARNED_OVERRULES / 2:
            return intent, guess.category, _learned_confidence(guess.lead_over(category))
        return intent, category, confidence

    def _slots(self, doc: Doc, hidden: tuple[range, ...]) -> list[Slot]:
        """The words to match; a street's own name ("rue de la Fontaine", "parc des Tilleuls") is no keyword."""
        slots: list[Slot] = []
        for token in doc:
            if token.is_space:
                continue
            if any(token.idx in span for span in hidden):
                slots.append(Slot("", Forms(frozenset(), frozenset())))
                continue
            lower = token.text.lower()
            expansion = self._abbreviations.get(fold(lower))
            if expansion:
                slots.extend(expansion)
                continue
            forms = self._token_forms(token)
            if forms.folded.isdisjoint(self._index.vocabulary):
                corrected = self._correct(lower)
                if corrected:
                    slots.append(Slot(lower, Forms(forms.exact, forms.folded | {corrected}), fuzzy=True))
                    continue
            # a function word's accent is often left out ("arrive pas a se relever"): only a content
            # word's accents count ("gare" is no "garé")
            strict = self._is_common_word(lower) and not token.is_stop
            slots.append(Slot(lower, forms, strict=strict, filler=self._is_filler(lower)))
        return slots

    def _correct(self, word: str) -> str | None:
        """The catalogue word `word` is a typo of, if it is not a word of its own."""
        if word in self._corrections:
            return self._corrections[word]
        corrected = None
        # An English -ing form is a word of its own, never a typo of another ("checking" is not "choking").
        if len(word) >= 5 and word.isalpha() and not self._is_common_word(word) and not word.endswith("ing"):
            folded = fold(word)
            candidates = self._fuzzy_vocabulary.get(folded[0], [])
            best = process.extractOne(
                folded, candidates, scorer=Levenshtein.distance, score_cutoff=1 if len(folded) < 8 else 2
            )
            corrected = best[0] if best else None
        self._corrections[word] = corrected
        return corrected

    def _score(self, text: str, slots: list[Slot], kept: list[Match], everything: list[Match], place: range) -> _Scores:
        by_span: dict[tuple[str, int, int], float] = {}  # several spellings of one word count once
        kinds: set[str] = set()
        first: dict[str, int] = {}  # where each kind is first said
        high = False
        voters: set[tuple[str, int, int]] = set()
        for match in kept:
            for tag in match.phrase.tags:
                kinds.add(tag.kind)
                first[tag.kind] = min(first.get(tag.kind, match.start), match.start)
                if tag.kind in ("category", "context"):
                    weight = _CONTEXT_WEIGHT if tag.kind == "context" else match.weight
                    key = (tag.key, match.start, match.end)
                    by_span[key] = max(by_span.get(key, 0.0), weight)
                elif tag.kind == "high":
                    high = True
                if tag.language:
                    voters.add((tag.language, match.start, match.end))
        kinds -= {"near", "over", "still", "emergency"}
        emergencies = self._emergencies(slots, kept, everything, named="category" in kinds)
        if emergencies:
            kinds.add("emergency")
        for emergency in self.catalogue.emergencies:
            if emergency.name in emergencies:
                if emergency.category:
                    by_span[(emergency.category, -1, -1)] = _EMERGENCY_WEIGHT
                for code in emergency.mutes:
                    by_span = {k: w for k, w in by_span.items() if k[0] != code}
        by_category: dict[str, float] = {}
        for (code, _, _), weight in by_span.items():
            by_category[code] = by_category.get(code, 0.0) + weight
        ranked = sorted(by_category.items(), key=lambda kv: -kv[1])
        category, confidence = None, 0.0
        if ranked:
            best = ranked[0][1]
            second = ranked[1][1] if len(ranked) > 1 else 0.0
            category = ranked[0][0]
            confidence = round((1 - math.exp(-1.2 * best)) * best / (best + second), 3)
        ordered = tuple(e.name for e in self.catalogue.emergencies if e.name in emergencies)
        if category and not high:
            high = self._rule_fires(category, everything)
        votes = {"fr": 0.0, "en": 0.0}
        for language, _, _ in voters:
            votes[language] = votes.get(language, 0.0) + 1.0
        idea_first = "idea" in first and first["idea"] < first.get("thanks_strong", len(slots))
        return _Scores(category, confidence, ordered, high, frozenset(kinds), self._language(text, votes, place),
                       idea_first)

    def _emergencies(self, slots: list[Slot], kept: list[Match], everything: list[Match], *, named: bool) -> set[str]:
        """The emergencies said now: a phrase, or words close together, with no sign the danger is over.

        An emergency is dropped when a phrase of its clause says it is past ("la semaine dernière", "les
        pompiers sont passés") and none says it goes on ("encore", "still"); an idiom ("ça brûle les
        yeux") hides the emergency word inside it; an emergency marked `alone` ("au secours") counts only
        in a message that names no category ("au secours on en peut plus de cette alarme" is about noise).
        """
        sentence, clause = self._clauses(slots)
        found: list[tuple[str, int, int]] = [
            (tag.key, m.start, m.end)
            for m in unhidden(everything, kept, "emergency")
            for tag in m.phrase.tags
            if tag.kind == "emergency"
        ]
        found.extend(self._near(unhidden(everything, kept, "near"), sentence))
        if not found:
            return set()
        over = [(tag.key, m.start) for m in unhidden(everything, kept, "over") for tag in m.phrase.tags if tag.kind == "over"]
        still = {clause[m.start] for m in unhidden(everything, kept, "still")}
        alone = {e.name for e in self.catalogue.emergencies if e.alone}
        names = set()
        for name, start, end in found:
            clauses = set(clause[start:end])
            if any(key in ("", name) and clause[at] in clauses for key, at in over) and not clauses & still:
                continue
            if self._negated(slots, clause, start):
                continue
            if name in alone and named:
                continue
            names.add(name)
        return names

    def _negated(self, slots: list[Slot], clause: list[int], start: int) -> bool:
        """A negation among the two words before `start`, in its clause: « pas de fumée », « aucune odeur de gaz »,
        « c'était pas un incendie », « no sparks » (« pas mal de fumée » is a lot of it: « pas » is three words
        before)."""
        return any(
            clause[k] == clause[start] and fold(slots[k].text) in self._negations
            for k in range(max(0, start - _NEGATION_WINDOW), start)
        )

    def _clauses(self, slots: list[Slot]) -> tuple[list[int], list[int]]:
        """The sentence and the clause of every slot, as running numbers."""
        sentence, clause = [], []
        s = c = 0
        for slot in slots:
            text = slot.text
            if text and all(ch in _SENTENCE_END for ch in text):
                s += 1
                c += 1
            elif (text and all(ch in _CLAUSE_END for ch in text)) or fold(text) in self._clause_breaks:
                c += 1
            sentence.append(s)
            clause.append(c)
        return sentence, clause

    def _near(self, matches: list[Match], sentence: list[int]) -> list[tuple[str, int, int]]:
        """Emergencies said in words close together: every group of a rule within the window of the first."""
        groups: dict[tuple[str, int], dict[int, list[Match]]] = {}
        for m in matches:
            for tag in m.phrase.tags:
                if tag.kind == "near":
                    name, rule_no, group_no = tag.key.split("|")
                    groups.setdefault((name, int(rule_no)), {}).setdefault(int(group_no), []).append(m)
        window = self.catalogue.near_window
        found = []
        for (name, r), by_group in groups.items():
            size = len(next(e for e in self.catalogue.emergencies if e.name == name).near[r])
            if len(by_group) < size:
                continue
            for first in by_group[0]:
                chosen = [first]
                for g in range(1, size):
                    close = [
                        m
                        for m in by_group.get(g, ())
                        if sentence[m.start] == sentence[first.start]
                        and (m.start >= first.end or m.end <= first.start)
                        and max(m.start - first.end, first.start - m.end) < window
                    ]
                    if not close:
                        break
                    chosen.append(close[0])
                else:
                    found.append((name, min(m.start for m in chosen), max(m.end for m in chosen)))
        return found

    def _rule_fires(self, category: str, everything: list[Match]) -> bool:
        groups = {tag.key for m in everything for tag in m.phrase.tags if tag.kind == "rule"}
        for r, rule in enumerate(self.catalogue.urgency_rules):
            if rule.category in (None, category) and all(f"{r}.{g}" in groups for g in range(len(rule.groups))):
                return True
        return False

    def language_said(self, text: str) -> str | None:
        """The language a message is written in when a word of its own tells ("yes", "oui", "soutien", "rue"),
        else None ("+1", "2", "OK"): a short answer then keeps the conversation's language."""
        place = self._places.find(text)
        counts = self._language_counts(text, {}, range(place.start, place.end) if place else range(0))
        return self._language_of(counts) if counts else None

    def _language(self, text: str, votes: dict[str, float], place: range) -> str:
        """The language with the most of its words (a street name's words do not count)."""
        return self._language_of(self._language_counts(text, votes, place))

    def _language_counts(self, text: str, votes: dict[str, float], place: range) -> dict[str, float]:
        counts = dict(votes)
        for word in words(text):
            if word.start in place:
                continue
            for lang, vocabulary in self._language_words.items():
                if word.folded in vocabulary:
                    counts[lang] = counts.get(lang, 0.0) + 1
        return counts

    @staticmethod
    def _language_of(counts: dict[str, float]) -> str:
        return "en" if counts.get("en", 0) > counts.get("fr", 0) else "fr"

    def _intent(self, scores: _Scores, *, has_reference: bool, text: str) -> str:
        kinds = scores.kinds
        question = "?" in text
        if "erase" in kinds:
            return "erase"
        if "stop" in kinds:
            return "stop"
        if "start" in kinds:
            return "start"
        if "status" in kinds:
            return "status"
        if has_reference:
            thanking = ("thanks" in kinds or "thanks_strong" in kinds) and not question
            return "thanks" if thanking else "status"
        if "thanks_strong" in kinds and not scores.idea_first:
            return "thanks"  # "j'ai une idée : … Merci de votre attention": that thanks only closes the letter
        if "help" in kinds and not scores.category and not scores.emergencies:
            return "help"
        if "idea" in kinds or ("idea_weak" in kinds and "problem" not in kinds):
            return "idea"
        if scores.category or scores.emergencies or "problem" in kinds:
            return "report"

        if "thanks" in kinds or "thanks_strong" in kinds:
            return "thanks"
        if "greeting" in kinds:
            return "greeting"
        return "other"

    def _mostly(self, text: str, written: str) -> bool:
        rest = [w for w in words(text.replace(written, " ")) if w.folded[:1].isalnum()]
        return len(rest) <= _MOSTLY_REFERENCE_WORDS

    def _numbers(self, emergencies: tuple[str, ...]) -> tuple[str, ...]:
        numbers: list[str] = []
        for emergency in self.catalogue.emergencies:
            if emergency.name in emergencies:
                numbers.extend(n for n in emergency.numbers if n not in numbers)
        return tuple(numbers)

    def _named_place(self, text: str, doc: Doc, *, destination: bool = False) -> str | None:
        """A place spaCy recognises by name ("devant Monoprix"), right after a preposition.

        In a car-pooling message, a town named after "à" or "vers" is where people go, not the case's place.
        """
        if is_shouting(text) or not any(t.text[:1].isupper() for t in doc[1:]):
            return None
        doc = self._nlp.get_pipe("ner")(doc)
        for ent in doc.ents:
            before = doc[ent.start - 1] if ent.start > 0 else None
            if ent.label_ in _NER_LABELS and before is not None and fold(before.text) in self._prepositions:
                if destination and fold(before.text) in self._destinations:
                    continue
                return text[ent.start_char : ent.end_char]
        return None
