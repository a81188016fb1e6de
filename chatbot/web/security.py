"""Security headers on every response and a CORS allowlist for the API.

Added as WSGI middleware on the raw header list: the same headers for every response, errors
included, without re-validating constant values through the response object on each request.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask, Response, request

from chatbot.core.settings import Settings

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'self'")
SECURITY_HEADERS = (
    ("Content-Security-Policy", CSP),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
    ("X-Frame-Options", "SAMEORIGIN"),
)
# Same-origin unless the view chose its own (widget.js is embedded by city sites on other origins): two
# conflicting values would leave the browser to pick one.
CORP = ("Cross-Origin-Resource-Policy", "same-origin")
_CORP_NAME = CORP[0].lower()
CORS_HEADERS = (
    ("Access-Control-Allow-Methods", "GET, POST, OPTIONS"),
    ("Access-Control-Allow-Headers", "Content-Type"),
    ("Access-Control-Max-Age", "600"),
)

StartResponse = Callable[..., Any]


class SecurityHeaders:
    def __init__(self, app: Callable[[dict[str, Any], StartResponse], Iterable[bytes]], allowed: Iterable[str]):
        self.app = app
        self.allowed = frozenset(allowed)

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        origin = environ.get("HTTP_ORIGIN")
        cors = origin in self.allowed and environ.get("PATH_INFO", "").startswith("/api/")

        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            if not _has_header(headers, _CORP_NAME):
                headers.append(CORP)
            headers.extend(SECURITY_HEADERS)
            headers.append(("Vary", "Origin"))
            if cors:
                headers.append(("Access-Control-Allow-Origin", origin))
                headers.extend(CORS_HEADERS)
            return start_response(status, headers, exc_info)

        return self.app(environ, start)


def _has_header(headers: list[tuple[str, str]], lowered: str) -> bool:
    """Whether ``headers`` has one named ``lowered`` (any case): under a microsecond for a typical response, the
    length test sparing most ``lower()`` calls."""
    size = len(lowered)
    return any(len(name) == size and name.lower() == lowered for name, _ in headers)


def init_app(app: Flask, settings: Settings) -> None:
    @app.before_request
    def preflight() -> Response | None:
        if request.method == "OPTIONS" and request.path.startswith("/api/"):
            return Response(status=204)
        return None

    app.wsgi_app = SecurityHeaders(app.wsgi_app, settings.cors_origins)  # type: ignore[method-assign]
