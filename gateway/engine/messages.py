"""The templates residents receive, read from config/messages.<lang>.yaml; the phone line's words under `voice.`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

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
                self.templates[language] = yaml.safe_load(path.read_text(encoding="utf-8"))

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
