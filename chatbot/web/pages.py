"""The demo page and the widget script."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

from flask import Blueprint, Response, render_template, url_for
from flask.typing import ResponseReturnValue

from chatbot.core import languages, messages

bp = Blueprint("pages", __name__, static_folder="static", static_url_path="/static", template_folder="templates")
TEXTS_TOKEN = "__CHATBOT_TEXTS__"
WIDGET_PREFIX = "widget_"


@bp.get("/")
def demo() -> ResponseReturnValue:
    return render_template("demo.html", widget_src=url_for("pages.widget"))


@bp.get("/widget.js")
def widget() -> ResponseReturnValue:
    response = Response(widget_source(), mimetype="text/javascript")
    response.headers["Cache-Control"] = "public, max-age=300"
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"  # city sites embed it from another origin
    return response


@cache
def widget_source() -> str:
    """widget.js with its UI text filled in from messages.yaml, so all wording stays in one place."""
    source = resources.files("chatbot.web").joinpath("static/widget.js").read_text(encoding="utf-8")
    keys = [key for key in messages.catalogue() if key.startswith(WIDGET_PREFIX)]
    texts = {lang: {key.removeprefix(WIDGET_PREFIX): messages.template(key, lang) for key in keys}
             for lang in languages.CODES}
    return source.replace(TEXTS_TOKEN, json.dumps(texts, ensure_ascii=False))
