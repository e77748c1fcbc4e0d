"""Shared fixtures for routing tests: the demo config, loaded once."""

from __future__ import annotations

from pathlib import Path

import pytest

from routing import Router
from routing.geocoders import GazetteerGeocoder

CONFIG_DIR = Path(__file__).resolve().parents[2] / "config"


@pytest.fixture(scope="session")
def router() -> Router:
    """A Router on the demo territory, with the offline gazetteer."""
    return Router(CONFIG_DIR)


@pytest.fixture(scope="session")
def gazetteer(router: Router) -> GazetteerGeocoder:
    """The demo gazetteer."""
    return router.gazetteer
