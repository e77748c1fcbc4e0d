"""Understanding residents' messages: `nlu.analyze(text) -> Analysis`, pure and French first."""

from __future__ import annotations

import functools
import importlib
import os
from pathlib import Path
from typing import TYPE_CHECKING

from nlu.analysis import INTENTS, URGENCIES, Analysis
from nlu.catalogue import Catalogue, CatalogueError, load_catalogue

if TYPE_CHECKING:
    from nlu.evaluation import EvalReport, evaluate
    from nlu.understander import Understander

# spaCy (80 MB once imported) comes with the understander, on first use: a process that only reads the
# catalogue or the communes (the web's gunicorn workers, see README "Speed") never pays for it.
_LAZY = {"Understander": "nlu.understander", "EvalReport": "nlu.evaluation", "evaluate": "nlu.evaluation"}


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    if name in ("evaluation", "understander"):  # `nlu.evaluation.read_corpus` after a bare `import nlu`
        return importlib.import_module(f"nlu.{name}")
    raise AttributeError(f"module 'nlu' has no attribute {name!r}")

__all__ = [
    "INTENTS",
    "URGENCIES",
    "Analysis",
    "Catalogue",
    "CatalogueError",
    "EvalReport",
    "Understander",
    "analyze",
    "analyze_many",
    "default_config_dir",
    "default_understander",
    "evaluate",
    "load_catalogue",
]


def default_config_dir() -> Path:
    """`GUICHET_CONFIG_DIR` when set, else the repository's `config/`."""
    configured = os.environ.get("GUICHET_CONFIG_DIR")
    return Path(configured) if configured else Path(__file__).resolve().parents[1] / "config"


@functools.cache
def default_understander() -> Understander:
    """The understander of the default config, built on first use and then reused."""
    from nlu.understander import Understander

    return Understander(default_config_dir())


def analyze(text: str) -> Analysis:
    """Understand one message with the default catalogue."""
    return default_understander().analyze(text)


def analyze_many(texts: list[str]) -> list[Analysis]:
    """Understand a batch of messages with the default catalogue."""
    return default_understander().analyze_many(texts)
