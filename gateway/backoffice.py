"""The agents' back office (being built)."""

from flask import Blueprint

bp = Blueprint("backoffice", __name__, url_prefix="/agents")
