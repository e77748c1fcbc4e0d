"""The WSGI entry point for gunicorn (the Procfile's `web`): webhooks and pages, no worker inside."""

from gateway.app import create_app
from gateway.logs import configure
from gateway.settings import Settings

configure()  # gunicorn sets up its own loggers only: the app's lines go out in the gateway's format too
settings = Settings.from_env()
settings.refuse_published_secrets()  # the repository's demo secrets would let anyone sign webhooks and sessions
app = create_app(settings)
