"""The templates residents receive, read from config/messages.<lang>.yaml; the phone line's words under `voice.`."""

from __future__ import annotations

from pathlib import Path
from string import Formatter
from typing import Any

from routing.services import read_yaml

LANGUAGES = ("fr", "en")
# The phone line's section: spoken by text-to-speech, never sent by SMS, so it has no SMS cost.
SPOKEN = "voice"


class Messages:
    """Renders a template by key (dotted for nested ones: `update.problem.resolved`)."""

    def __init__(self, config_dir: Path):
        self.templates: dict[str, dict[str, Any]] = {}
        for language in LANGUAGES:
            path = config_dir / f"messages.{language}.yaml"
            if path.exists():
                self.templates[language] = _read(path)

    def problems(self, shipped: Messages) -> list[str]:
        """What keeps these French templates from standing in for the `shipped` ones, a sentence each: a
        key the code speaks that is missing, or a `{placeholder}` it never fills. Checked at start-up, so
        that a town's edited copy fails there rather than in the middle of a resident's conversation."""
        mine, theirs = self.flat(spoken=True), shipped.flat(spoken=True)
        found = []
        for key, text in theirs.items():
            if key not in mine:
                found.append(f"messages.fr.yaml has no template {key}: copy it from the shipped "
                             f"config/messages.fr.yaml and reword it (it reads \"{text}\")")
                continue
            try:
                unknown = _placeholders(mine[key]) - _placeholders(text)
            except ValueError:
                found.append(f"messages.fr.yaml template {key} has a lone {{ or }}: write {{{{ or }}}} for a brace")
                continue
            if unknown:
                known = sorted(_placeholders(text))
                found.append(f"messages.fr.yaml template {key} uses {', '.join(sorted(unknown))}, which Guichet "
                             f"does not fill: " + (f"use only {', '.join(known)}" if known else "it takes no placeholder"))
        return found

    def text(self, key: str, language: str = "fr") -> str:
        """The raw template, in `language` when there is one, else in French."""
        for lang in (language, "fr"):
            node: Any = self.templates.get(lang, {})
            for part in key.split("."):
                node = node.get(part) if isinstance(node, dict) else None
            if isinstance(node, str):
                return node
        raise KeyError(f"no message template {key!r}")

    def render(self, key: str, language: str = "fr", **values: Any) -> str:
        """The template filled with `values`."""
        return self.text(key, language).format(**values)

    def flat(self, language: str = "fr", *, spoken: bool = False) -> dict[str, str]:
        """Every written template of a language by dotted key (for `guichet templates` and its GSM-7 test).

        The phone line's prompts (`voice.`) are left out unless `spoken`: they are never an SMS, and may say
        « problème » with the letters and quotes that would make an SMS cost double.
        """
        out: dict[str, str] = {}

        def walk(prefix: str, node: Any) -> None:
            if isinstance(node, dict):
                for key, child in node.items():
                    walk(f"{prefix}.{key}" if prefix else key, child)
            else:
                out[prefix] = str(node)

        walk("", self.templates.get(language, {}))
        if spoken:
            return out
        return {key: text for key, text in out.items() if not key.startswith(f"{SPOKEN}.")}


def _placeholders(template: str) -> set[str]:
    """The `{names}` a template expects; ValueError for a lone brace."""
    return {"{" + name + "}" for _, name, _, _ in Formatter().parse(template) if name}


def _read(path: Path) -> dict[str, Any]:
    """A templates file; ValueError naming the file, the line and the problem when it is not YAML mapping keys to texts."""
    templates = read_yaml(path)
    if not isinstance(templates, dict):
        raise ValueError(f"{path} must map template names to texts (`welcome: \"Bonjour…\"`)")
    return templates
