"""Telegram's webhook (being built: see channels/telegram.py)."""

from flask import Blueprint

bp = Blueprint("telegram", __name__, url_prefix="/webhooks")
