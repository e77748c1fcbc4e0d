"""The WSGI entry point for gunicorn (the Procfile's `web`): webhooks and pages, no worker inside."""

from gateway.app import create_app
from gateway.logs import configure

configure()  # gunicorn sets up its own loggers only: the app's lines go out in the gateway's format too
app = create_app()
