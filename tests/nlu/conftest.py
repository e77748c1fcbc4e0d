"""One understander for every NLU test: the French model loads once per run."""

from pathlib import Path

import pytest

import nlu

CONFIG_DIR = Path(__file__).resolve().parents[2] / "config"


@pytest.fixture(scope="session")
def understander() -> nlu.Understander:
    """The understander of the repository's own catalogue and gazetteer."""
    return nlu.Understander(CONFIG_DIR)
