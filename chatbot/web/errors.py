"""One JSON error shape for every failure: ``{"error": {"code", "messages": {language: text}}}``, never HTML."""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify
from werkzeug.exceptions import HTTPException

from chatbot.core import messages

log = logging.getLogger(__name__)

_BY_STATUS = {400: "err_bad_request", 404: "err_not_found", 405: "err_method_not_allowed", 413: "err_too_large",
              415: "err_content_type", 429: "err_rate_limited", 503: "err_index_unavailable"}


class ApiError(Exception):
    def __init__(self, status: int, code: str, headers: dict[str, str] | None = None, **values: object):
        super().__init__(code)
        self.status, self.code, self.values, self.headers = status, code, values, headers or {}


def error_response(status: int, code: str, **values: object) -> Response:
    body = {"error": {"code": code.removeprefix("err_"), "messages": messages.texts(code, **values)}}
    response = jsonify(body)
    response.status_code = status
    return response


def init_app(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def api_error(exc: ApiError) -> Response:
        response = error_response(exc.status, exc.code, **exc.values)
        response.headers.update(exc.headers)
        return response

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Response:
        status = exc.code or 500
        response = error_response(status, _BY_STATUS.get(status, "err_bad_request" if status < 500 else "err_internal"))
        if status == 405 and exc.valid_methods:  # type: ignore[attr-defined]
            response.headers["Allow"] = ", ".join(exc.valid_methods)  # type: ignore[attr-defined]
        return response

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> Response:
        log.exception("unhandled error")  # full trace in the server log, never to the client
        return error_response(500, "err_internal")
