"""The demo page and the widget script."""

from __future__ import annotations

import hashlib
import json
from functools import cache
from importlib import resources

from flask import Blueprint, Response, current_app, render_template, request, url_for
from flask.typing import ResponseReturnValue

from chatbot.core import languages, messages

bp = Blueprint("pages", __name__, static_folder="static", static_url_path="/static", template_folder="templates")
TEXTS_TOKEN = "__CHATBOT_TEXTS__"
LANGUAGES_TOKEN = "__CHATBOT_LANGUAGES__"
WIDGET_PREFIX = "widget_"


@bp.get("/")
def demo() -> ResponseReturnValue:
    """The sample page; its embed code names the server from ``CHATBOT_PUBLIC_URL``, never the request's Host.

    A Host header is whatever the client sends: echoed into the code staff copy onto the city's site, a forged
    one (or a poisoned cache) would have them load the widget from someone else's server.
    """
    src = url_for("pages.widget")
    public_url = current_app.extensions["chatbot"].settings.public_url
    return render_template("demo.html", widget_src=src, embed_src=public_url + src)


@bp.get("/widget.js")
def widget() -> ResponseReturnValue:
    """Kept 5 minutes by browsers, then asked for again with its ETag: a phone on a slow line gets a 304
    instead of the script, and a new version reaches everyone within minutes of a deploy."""
    response = Response(widget_source(), mimetype="text/javascript")
    response.headers["Cache-Control"] = "public, max-age=300"
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"  # city sites embed it from another origin
    response.set_etag(widget_etag())
    return response.make_conditional(request)


@cache
def widget_etag() -> str:
    return hashlib.sha256(widget_source().encode()).hexdigest()[:32]


@cache
def widget_source() -> str:
    """widget.js with its UI text filled in from messages.yaml and its language menu from the registry, so all
    wording and every language stay in one place."""
    source = resources.files("chatbot.web").joinpath("static/widget.js").read_text(encoding="utf-8")
    keys = [key for key in messages.catalogue() if key.startswith(WIDGET_PREFIX)]
    texts = {lang: {key.removeprefix(WIDGET_PREFIX): messages.template(key, lang) for key in keys}
             for lang in languages.CODES}
    menu = [{"code": lang.code, "name": lang.name, "voice": lang.voice or lang.code, "japanese": lang.japanese}
            for lang in languages.LANGUAGES.values()]
    return (source.replace(TEXTS_TOKEN, json.dumps(texts, ensure_ascii=False))
            .replace(LANGUAGES_TOKEN, json.dumps(menu, ensure_ascii=False)))
