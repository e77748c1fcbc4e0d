"""The gateway's WSGI app plus a bare Flask endpoint, so both are measured on the same gunicorn server."""

from flask import Response

from gateway.app import create_app

app = create_app()


@app.post("/bench/bare")
def bare():
    """A Flask endpoint that does nothing: the floor the webhook is compared with."""
    return Response('<?xml version="1.0" encoding="UTF-8"?><Response/>', mimetype="text/xml")
