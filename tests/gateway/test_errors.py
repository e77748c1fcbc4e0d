"""Each error of gateway/errors.py answers with its HTTP status on every surface, in that surface's format."""

from __future__ import annotations

import pytest
from flask import Flask

from channels.telegram import SECRET_HEADER
from gateway.app import create_app
from gateway.cases.agents import ActionError
from gateway.cases.flows import CaseError
from gateway.errors import Conflict, Forbidden, Invalid, NotFound, Unauthorized, Unavailable
from gateway.inbound.accept import verified

SECRET = "errors-webhook-secret"
STATUSES = {Invalid: 422, Unauthorized: 401, Forbidden: 403, NotFound: 404, Conflict: 409, Unavailable: 503,
            CaseError: 409, ActionError: 422}
ERRORS = {error.__name__: error for error in STATUSES}
every_error = pytest.mark.parametrize("error", list(STATUSES), ids=lambda error: error.__name__)


def refuse(name: str, **_) -> None:
    raise ERRORS[name]("refused for the test")


@pytest.fixture
def app(make_runtime) -> Flask:
    """The gateway's app with one more route on each surface, raising the error its path names."""
    app = create_app(runtime=make_runtime(telegram_bot_token="123456:TEST", telegram_webhook_secret=SECRET))
    # An endpoint named after a blueprint gets that blueprint's error handlers.
    app.add_url_rule("/api/v1/refuse/<name>", endpoint="api.refuse", view_func=refuse)
    app.add_url_rule("/open311/v2/refuse/<name>.<fmt>", endpoint="open311.refuse", view_func=refuse)
    app.add_url_rule("/webhooks/refuse/<name>", endpoint="telegram.refuse", methods=["POST"],
                     view_func=verified("telegram")(lambda adapter, name: refuse(name)))
    return app


@every_error
def test_the_api_answers_a_json_problem_with_the_errors_status(app, error):
    response = app.test_client().get(f"/api/v1/refuse/{error.__name__}")

    assert (response.status_code, response.json) == (STATUSES[error],
                                                     {"error": "refused for the test", "status": STATUSES[error]})


def test_the_api_asks_for_a_bearer_token_with_a_401(app):
    response = app.test_client().get("/api/v1/refuse/Unauthorized")

    assert response.headers["WWW-Authenticate"] == 'Bearer realm="guichet"'


@every_error
def test_open311_answers_the_specs_error_list_with_403_404_or_else_400(app, error):
    expected = STATUSES[error] if STATUSES[error] in (403, 404) else 400

    response = app.test_client().get(f"/open311/v2/refuse/{error.__name__}.json")

    assert (response.status_code, response.json) == (expected, [{"code": expected,
                                                                 "description": "refused for the test"}])


@every_error
def test_a_webhook_answers_the_provider_in_plain_text_with_the_errors_status(app, error):
    response = app.test_client().post(f"/webhooks/refuse/{error.__name__}", headers={SECRET_HEADER: SECRET})

    assert (response.status_code, response.mimetype, response.text) == (STATUSES[error], "text/plain",
                                                                        "refused for the test")


def test_a_forged_webhook_gets_403_before_the_view_runs(app):
    response = app.test_client().post("/webhooks/refuse/Conflict", headers={SECRET_HEADER: "forged"})

    assert response.status_code == 403
