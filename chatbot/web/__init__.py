"""The citizen-facing web service: chat API, widget and demo page.

``create_app()`` is the gunicorn entry point (``'chatbot.web:create_app()'``). With
gunicorn's ``preload_app`` the index is loaded once in the master and shared by the
forked workers; each worker then watches for newly published versions on its own.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from chatbot.core import languages
from chatbot.core.logs import configure_logging
from chatbot.core.memo import BoundedMemo
from chatbot.core.settings import Settings
from chatbot.knowledge.hours import TOKYO
from chatbot.search.live import LiveIndex
from chatbot.search.versions import IndexFailure
from chatbot.serving import respond
from chatbot.serving.reply import Reply
from chatbot.store.log import ConversationLog
from chatbot.web import api, errors, framing, pages, security, staff, staff_editor
from chatbot.web.metrics import Metrics

MEMO_SIZE = 4096  # distinct recent questions (and department-minute cards) kept encoded


def create_app(settings: Settings | None = None, clock: Callable[[], dt.datetime] | None = None) -> Flask:
    settings = settings or Settings.from_env()
    configure_logging(settings.log_level, settings.log_dir)
    app = Flask(__name__)
    app.config.update(MAX_CONTENT_LENGTH=framing.MAX_BODY_BYTES, JSON_AS_ASCII=False)
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.json.sort_keys = False  # type: ignore[attr-defined]  # replies keep the order they are built in
    app.extensions["chatbot"] = state = AppState(settings, clock or (lambda: dt.datetime.now(TOKYO)))
    languages.preload()  # as the index: loaded once in a preloading master, shared by its workers
    try:
        state.live.get()  # load now so a preloading master shares it with its workers
    except IndexFailure as exc:
        app.logger.error("no index to serve yet: %s", exc)
    api.init_limits(app, settings.rate_limit, settings.rate_limit_storage)
    app.register_blueprint(api.bp, url_prefix="/api")
    app.register_blueprint(pages.bp)
    staff.init_app(app, settings)
    staff_editor.init_app(app, settings)
    security.init_app(app, settings)
    errors.init_app(app)
    state.metrics.init_app(app)
    if settings.forwarded_hops:
        # The citizen's own address for rate limits and logs, from the headers the trusted proxies set;
        # without proxies configured the headers are ignored, so nobody can choose their own address.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.forwarded_hops,  # type: ignore[method-assign]
                                x_proto=settings.forwarded_hops)
    return app


class AppState:
    """What the views share: settings, the live index, the log, metrics and the clock."""

    def __init__(self, settings: Settings, clock: Callable[[], dt.datetime]):
        self.settings = settings
        self.clock = clock
        self.live = LiveIndex(settings.index_dir, settings.reload_seconds, prepare=respond.learned_talk)
        self.metrics = Metrics(self.live, settings.metrics_allow)
        self.log = ConversationLog(settings.db_url, lost=self.metrics.log_lost, waiting=self.metrics.log_waiting)
        # Encoded replies by ReplyKey, encoded contact cards by (index version, department, language, minute, furigana).
        self.replies: BoundedMemo[tuple[Reply, bytes]] = BoundedMemo(MEMO_SIZE)
        self.cards: BoundedMemo[bytes] = BoundedMemo(MEMO_SIZE)
