"""The town's catalogue (`config/catalogue.yaml`): categories, their words, urgencies and intents."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from nlu.analysis import URGENCIES
from nlu.references import DEFAULT_PREFIX

LANGUAGES = ("fr", "en")


class CatalogueError(ValueError):
    """The catalogue file cannot be used as it is."""


@dataclass(frozen=True)
class Category:
    """One kind of report or idea, routed to one service."""

    code: str
    label: dict[str, str]  # {"fr": ..., "en": ...}
    urgency: str  # default urgency of its reports
    delay_days: int  # expected resolution delay
    keywords: dict[str, tuple[str, ...]]  # per language, words and phrases
    context: dict[str, tuple[str, ...]]  # per language, places that hint at it ("parc"), counting less
    high: dict[str, tuple[str, ...]]  # per language, phrases that make a report of it high urgency


@dataclass(frozen=True)
class Emergency:
    """A life at risk now, and the numbers to give, in order."""

    name: str
    numbers: tuple[str, ...]
    category: str | None  # the category when no keyword names one
    phrases: dict[str, tuple[str, ...]]
    # Words found close together, each group's in the same sentence, within `near_window` words: "une odeur
    # bizarre comme le gaz" is a gas smell though no phrase says it in one piece.
    near: tuple[tuple[tuple[str, ...], ...], ...] = ()
    # Phrases that say this danger is over ("éteint", "carcasse"), besides the catalogue's `emergency_over`.
    over: tuple[str, ...] = ()
    alone: bool = False  # an emergency only when no category keyword is found ("au secours" about noise is none)
    mutes: tuple[str, ...] = ()  # categories whose keywords describe the emergency itself (a gas "pipe leaking")


@dataclass(frozen=True)
class UrgencyRule:
    """High urgency when every group has a match (and the category is `category`, if set)."""

    category: str | None
    groups: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Intents:
    """Phrases that tell a report from an idea, a status question, a greeting, thanks or a command."""

    stop: tuple[str, ...]  # whole message
    stop_phrases: tuple[str, ...]  # anywhere ("arrêtez de m'envoyer des messages")
    start: tuple[str, ...]  # whole message
    start_phrases: tuple[str, ...]  # anywhere ("reprendre les notifications")
    help: tuple[str, ...]  # whole message
    help_phrases: tuple[str, ...]  # anywhere, when the message names no problem ("comment ça marche ?")
    status: tuple[str, ...]
    idea: tuple[str, ...]
    idea_weak: tuple[str, ...]  # an idea only when no problem word is present
    problem_words: tuple[str, ...]
    thanks: tuple[str, ...]
    thanks_strong: tuple[str, ...]  # thanks even when a category is named ("merci pour la réparation")
    greeting: tuple[str, ...]
    courtesy: tuple[str, ...] = ()  # words around a whole-message command ("desabonnement svp")
    erase: tuple[str, ...] = ()  # whole message: the resident asks for their data to be erased
    erase_phrases: tuple[str, ...] = ()  # anywhere ("je veux que vous effaciez mes données")
    correction: tuple[str, ...] = ()  # anywhere: the resident corrects what they just wrote ("je voulais dire")


@dataclass(frozen=True)
class Places:
    """Words that shape an address, an intersection or a landmark."""

    street_types: tuple[str, ...]
    trailing_street_types: tuple[str, ...]  # written after the name, in English: "21 Victor Hugo street"
    ambiguous_types: tuple[str, ...]
    capitalised_types: tuple[str, ...]  # English types written first need a capitalised name: "Road surface" is none
    type_blockers: tuple[str, ...]  # words after which an ambiguous type is an ordinary word ("en place")
    number_suffixes: tuple[str, ...]
    number_words: tuple[str, ...]
    name_connectors: tuple[str, ...]
    intersection_markers: tuple[str, ...]
    intersection_joiners: tuple[str, ...]
    landmark_prepositions: tuple[str, ...]
    landmark_links: tuple[str, ...]  # "the playground next to the town hall": the second locates the first
    destination_prepositions: tuple[str, ...]  # "bosser à Tours": in a car-pooling idea, a destination
    standalone_landmarks: tuple[str, ...]
    named_landmarks: tuple[str, ...]
    trailing_heads: tuple[str, ...]  # English names a landmark before its head: "Chateau park", "station underpass"
    name_stop_words: tuple[str, ...]
    months: tuple[str, ...]


@dataclass(frozen=True)
class Catalogue:
    """Everything a town can tune about understanding messages."""

    reference_prefix: str
    categories: dict[str, Category]
    emergencies: tuple[Emergency, ...]
    neutral: tuple[str, ...]
    figurative: tuple[str, ...]  # idioms with an emergency word in them ("ça brûle les yeux"): no emergency
    emergency_over: tuple[str, ...]  # the danger is past ("la semaine dernière", "hier"): in the same clause
    emergency_still: tuple[str, ...]  # ...unless it goes on ("encore", "toujours", "still")
    emergency_negations: tuple[str, ...]  # a word just before that says it is not there ("pas de fumée", "no sparks")
    clause_breaks: tuple[str, ...]  # words that begin a new clause ("mais", "et")
    near_window: int
    fillers: tuple[str, ...]  # words a phrase may skip: "très", "vraiment"
    urgency_rules: tuple[UrgencyRule, ...]
    intents: Intents
    answers: dict[str, tuple[str, ...]]  # "yes" / "no" -> whole-message forms
    abbreviations: dict[str, str]
    languages: dict[str, tuple[str, ...]]
    places: Places


def _strings(value: object, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str | int | float) for v in value):
        raise CatalogueError(f"{where} must be a list of words or phrases")
    if any(isinstance(v, bool) for v in value):  # YAML reads bare yes, no, on, off as booleans
        raise CatalogueError(f"{where}: write yes, no, on and off in quotes")
    return tuple(str(v) for v in value)


def _per_language(value: object, where: str) -> dict[str, tuple[str, ...]]:
    if value is None:
        return {}
    if isinstance(value, list):  # a plain list is French
        return {"fr": _strings(value, where)}
    if not isinstance(value, dict) or set(value) - set(LANGUAGES):
        raise CatalogueError(f"{where} must map {' and '.join(LANGUAGES)} to lists of words or phrases")
    return {lang: _strings(words, f"{where}.{lang}") for lang, words in value.items()}


def _flat(value: object, where: str) -> tuple[str, ...]:
    """A per-language list (or a plain one) as one list."""
    return tuple(p for phrases in _per_language(value, where).values() for p in phrases)


def _near(value: object, where: str) -> tuple[tuple[str, ...], ...]:
    if not isinstance(value, list) or len(value) < 2:
        raise CatalogueError(f"{where} must be a list of at least two groups of words")
    return tuple(_strings(group, f"{where}[{g}]") for g, group in enumerate(value))


def _category(raw: dict, where: str) -> Category:
    code = raw.get("code")
    if not code:
        raise CatalogueError(f"{where} needs a `code`")
    urgency = raw.get("urgency", "normal")
    if urgency not in URGENCIES:
        raise CatalogueError(f"{where}.urgency must be one of {', '.join(URGENCIES)}, not {urgency!r}")
    label = raw.get("label") or {}
    if isinstance(label, str):
        label = {"fr": label, "en": label}
    return Category(
        code=str(code),
        label={"fr": label.get("fr", str(code)), "en": label.get("en", label.get("fr", str(code)))},
        urgency=urgency,
        delay_days=int(raw.get("delay_days", 15)),
        keywords=_per_language(raw.get("keywords"), f"{where}.keywords"),
        context=_per_language(raw.get("context"), f"{where}.context"),
        high=_per_language(raw.get("high"), f"{where}.high"),
    )


def _intents(raw: dict) -> Intents:
    def section(name: str) -> dict:
        return raw.get(name) or {}

    return Intents(
        stop=_strings(section("stop").get("exact"), "intents.stop.exact"),
        stop_phrases=_strings(section("stop").get("phrases"), "intents.stop.phrases"),
        start=_strings(section("start").get("exact"), "intents.start.exact"),
        start_phrases=_strings(section("start").get("phrases"), "intents.start.phrases"),
        help=_strings(section("help").get("exact"), "intents.help.exact"),
        help_phrases=_strings(section("help").get("phrases"), "intents.help.phrases"),
        status=_strings(section("status").get("phrases"), "intents.status.phrases"),
        idea=_strings(section("idea").get("phrases"), "intents.idea.phrases"),
        idea_weak=_strings(section("idea").get("weak"), "intents.idea.weak"),
        problem_words=_strings(section("idea").get("problem_words"), "intents.idea.problem_words"),
        thanks=_strings(section("thanks").get("phrases"), "intents.thanks.phrases"),
        thanks_strong=_strings(section("thanks").get("strong"), "intents.thanks.strong"),
        greeting=_strings(section("greeting").get("phrases"), "intents.greeting.phrases"),
        courtesy=_strings(raw.get("courtesy"), "intents.courtesy"),
        erase=_strings(section("erase").get("exact"), "intents.erase.exact"),
        erase_phrases=_strings(section("erase").get("phrases"), "intents.erase.phrases"),
        correction=_strings(section("correction").get("phrases"), "intents.correction.phrases"),
    )


def _places(raw: dict) -> Places:
    landmarks = raw.get("landmarks") or {}
    return Places(
        street_types=_strings(raw.get("street_types"), "places.street_types"),
        trailing_street_types=_strings(raw.get("trailing_street_types"), "places.trailing_street_types"),
        ambiguous_types=_strings(raw.get("ambiguous_types"), "places.ambiguous_types"),
        capitalised_types=_strings(raw.get("capitalised_types"), "places.capitalised_types"),
        type_blockers=_strings(raw.get("type_blockers"), "places.type_blockers"),
        number_suffixes=_strings(raw.get("number_suffixes"), "places.number_suffixes"),
        number_words=_strings(raw.get("number_words"), "places.number_words"),
        name_connectors=_strings(raw.get("name_connectors"), "places.name_connectors"),
        intersection_markers=_strings(raw.get("intersection_markers"), "places.intersection_markers"),
        intersection_joiners=_strings(raw.get("intersection_joiners"), "places.intersection_joiners"),
        landmark_prepositions=_strings(raw.get("landmark_prepositions"), "places.landmark_prepositions"),
        landmark_links=_strings(raw.get("landmark_links"), "places.landmark_links"),
        destination_prepositions=_strings(raw.get("destination_prepositions"), "places.destination_prepositions"),
        standalone_landmarks=_strings(landmarks.get("standalone"), "places.landmarks.standalone"),
        named_landmarks=_strings(landmarks.get("named"), "places.landmarks.named"),
        trailing_heads=_strings(landmarks.get("trailing_heads"), "places.landmarks.trailing_heads"),
        name_stop_words=_strings(raw.get("name_stop_words"), "places.name_stop_words"),
        months=_strings(raw.get("months"), "places.months"),
    )


def load_catalogue(config_dir: Path) -> Catalogue:
    """Read `catalogue.yaml` from the town's config directory."""
    path = Path(config_dir) / "catalogue.yaml"
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as err:
        raise CatalogueError(f"cannot read the catalogue {path}: {err}") from err
    categories = [_category(c, f"categories[{i}]") for i, c in enumerate(raw.get("categories") or [])]
    if not categories:
        raise CatalogueError(f"{path} defines no category: add at least one under `categories:`")
    emergencies = tuple(
        Emergency(
            name=str(e.get("name", f"emergency {i}")),
            numbers=_strings(e.get("numbers"), f"emergencies[{i}].numbers"),
            category=e.get("category"),
            phrases=_per_language(e.get("phrases"), f"emergencies[{i}].phrases"),
            near=tuple(_near(rule, f"emergencies[{i}].near[{r}]") for r, rule in enumerate(e.get("near") or [])),
            over=_flat(e.get("over"), f"emergencies[{i}].over"),
            alone=bool(e.get("alone", False)),
            mutes=_strings(e.get("mutes"), f"emergencies[{i}].mutes"),
        )
        for i, e in enumerate(raw.get("emergencies") or [])
    )
    rules = tuple(
        UrgencyRule(
            category=r.get("category"),
            groups=tuple(_strings(g, f"urgency_rules[{i}].all") for g in r.get("all") or []),
        )
        for i, r in enumerate(raw.get("urgency_rules") or [])
    )
    neutral = _per_language(raw.get("neutral"), "neutral")
    window = raw.get("near_window", 6)
    if not isinstance(window, int) or isinstance(window, bool) or window < 1:
        raise CatalogueError("near_window must be a positive whole number of words")
    fillers = _per_language(raw.get("fillers"), "fillers")
    answers = raw.get("answers") or {}
    return Catalogue(
        reference_prefix=str(raw.get("reference_prefix") or DEFAULT_PREFIX),
        categories={c.code: c for c in categories},
        emergencies=emergencies,
        neutral=tuple(p for phrases in neutral.values() for p in phrases),
        figurative=_flat(raw.get("figurative"), "figurative"),
        emergency_over=_flat(raw.get("emergency_over"), "emergency_over"),
        emergency_still=_flat(raw.get("emergency_still"), "emergency_still"),
        emergency_negations=_flat(raw.get("emergency_negations", []), "emergency_negations"),
        clause_breaks=_flat(raw.get("clause_breaks"), "clause_breaks"),
        near_window=window,
        fillers=tuple(w for words in fillers.values() for w in words),
        urgency_rules=rules,
        intents=_intents(raw.get("intents") or {}),
        answers={key: _strings(answers.get(key), f"answers.{key}") for key in ("yes", "no")},
        abbreviations={str(k): str(v) for k, v in (raw.get("abbreviations") or {}).items()},
        languages={lang: _strings(w, f"languages.{lang}") for lang, w in (raw.get("languages") or {}).items()},
        places=_places(raw.get("places") or {}),
    )
