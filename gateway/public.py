"""The public pages (being built)."""

from flask import Blueprint

bp = Blueprint("public", __name__)
