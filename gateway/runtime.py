"""Everything a process builds once from its settings: database, channels, understanding, places, templates."""

from __future__ import annotations

from functools import cached_property

from flask import current_app

from channels import build_channels
from channels.base import ChannelAdapter, ChannelSettings
from gateway.cases.directory import Directory, OnCallTeams
from gateway.engine.messages import Messages
from gateway.errors import ConfigurationError
from gateway.identity import Identity, load_identity
from gateway.settings import REPO, Settings
from nlu import Catalogue, load_catalogue
from routing.services import Services
from store.db import Database

EXTENSION = "guichet"  # where the app keeps its Runtime, in `app.extensions`


SHIPPED_CONFIG = REPO / "config"  # the templates the code is written against


class Runtime:
    """The shared objects of one process (web, worker or CLI).

    Templates, the catalogue and every channel adapter are built here, so that a malformed setting stops
    the process at start-up (ConfigurationError); spaCy's model and the places load on first use.
    `catalogue` lets a caller share one already loaded.
    """

    def __init__(self, settings: Settings, *, catalogue: Catalogue | None = None):
        self.settings = settings
        self.db = Database(settings.database_url)
        try:  # a malformed config file (CatalogueError among them) or what an adapter refuses is a ValueError
            self.messages = Messages(settings.config_dir)
            self.identity: Identity = load_identity(settings.config_dir)
            Services.load(settings.config_dir)  # read again by the router, which loads the places on first use
            self.catalogue: Catalogue = catalogue or load_catalogue(settings.config_dir)
            self.oncall = OnCallTeams.load(settings.config_dir)
            self.directory = Directory.load(settings.config_dir,
                                            emergencies={e.name for e in self.catalogue.emergencies},
                                            categories=set(self.catalogue.categories))
            # One name for the town: config/town.yaml's, unless GUICHET_TOWN_NAME says another for the sender
            # of e-mails and the phone line's greeting.
            self.town_name = settings.town_name or self.identity.name
            self.channel_settings: ChannelSettings = settings.for_channels(
                reference_prefix=self.reference_prefix, town=self.town_name,
                update_call=tuple(self.messages.render(f"voice.update_call.{part}", town=self.town_name)
                                  for part in ("greeting", "repeat", "goodbye")))
            self.channels: dict[str, ChannelAdapter] = build_channels(self.channel_settings)
        except ValueError as err:
            raise ConfigurationError(str(err)) from err
        if settings.config_dir.resolve() != SHIPPED_CONFIG.resolve():
            problems = self.messages.problems(Messages(SHIPPED_CONFIG))
            if problems:
                raise ConfigurationError("\n".join(problems))

    @cached_property
    def understander(self):
        """The message understanding pipeline (loads spaCy's model: seconds)."""
        from nlu import Understander

        return Understander(self.settings.config_dir)

    @cached_property
    def router(self):
        """Places, territories and services."""
        from routing import Router
        from routing.geocoders import GeopyGeocoder, make_geocoder

        geocoder = make_geocoder(self.settings.geocoder, self.settings.geocoder_url or None, self.settings.config_dir)
        fallback = None
        if self.settings.geocoder_fallback == "ban":
            fallback = GeopyGeocoder("ban", self.settings.geocoder_fallback_url or None)
        return Router(self.settings.config_dir, geocoder=geocoder, fallback=fallback)

    @property
    def reference_prefix(self) -> str:
        """The prefix of case references (`GU`)."""
        return self.catalogue.reference_prefix

    def delay_days(self, category: str) -> int:
        """Expected resolution delay of a category, in days."""
        entry = self.catalogue.categories.get(category)
        return int(entry.delay_days) if entry else 15

    def category_label(self, category: str | None, language: str = "fr") -> str:
        """A category's label for residents."""
        entry = self.catalogue.categories.get(category or "autre") or self.catalogue.categories["autre"]
        return entry.label.get(language) or entry.label["fr"]

    def service_name(self, code: str | None) -> str:
        """A service's name for residents."""
        if not code:
            return "accueil de la mairie"
        try:
            return self.router.services.get(code).name
        except KeyError:
            return code


def current_runtime() -> Runtime:
    """The Runtime of the app serving the current request."""
    return current_app.extensions[EXTENSION]
