"""The 24/7 phone line's webhooks (being built)."""

from flask import Blueprint

bp = Blueprint("voice", __name__, url_prefix="/webhooks/twilio")
