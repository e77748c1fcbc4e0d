"""The WSGI entry point for gunicorn (the Procfile's `web`): webhooks and pages, no worker inside."""

from gateway.app import create_app

app = create_app()
