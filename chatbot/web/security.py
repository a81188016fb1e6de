"""Security headers on every response and a CORS allowlist for the API."""

from __future__ import annotations

from flask import Flask, Response, request

from chatbot.settings import Settings

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'self'")


def init_app(app: Flask, settings: Settings) -> None:
    allowed = set(settings.cors_origins)

    @app.before_request
    def preflight() -> Response | None:
        if request.method == "OPTIONS" and request.path.startswith("/api/"):
            return Response(status=204)
        return None

    @app.after_request
    def headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
        response.headers["X-Frame-Options"] = "SAMEORIGIN"
        response.headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        origin = request.headers.get("Origin")
        if request.path.startswith("/api/") and origin and origin in allowed:
            response.headers["Access-Control-Allow-Origin"] = origin
            response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
            response.headers["Access-Control-Allow-Headers"] = "Content-Type"
            response.headers["Access-Control-Max-Age"] = "600"
        response.vary.add("Origin")
        return response
