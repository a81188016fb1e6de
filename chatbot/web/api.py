"""JSON API: ``POST /api/chat``, ``POST /api/feedback``, ``GET /api/health``."""

from __future__ import annotations

import json
import logging
import uuid
from typing import Any

from flask import Blueprint, Flask, Response, current_app, g, jsonify, request
from flask.typing import ResponseReturnValue

from chatbot.core import chars, ids, languages
from chatbot.knowledge import hours
from chatbot.search.versions import IndexFailure
from chatbot.serving.reply import Reply, ReplyKey
from chatbot.serving.respond import card_with_furigana, contact_card, respond, with_furigana
from chatbot.store.log import Turn
from chatbot.web.errors import ApiError
from chatbot.web.ratelimit import limiter, parse_rules

bp = Blueprint("api", __name__)
log = logging.getLogger(__name__)
MAX_COMMENT_CHARS = 1000
LIMITED = frozenset({"api.chat", "api.feedback"})


def init_limits(app: Flask, spec: str, storage: str) -> None:
    """Citizens' endpoints are rate limited per client address, each endpoint with its own budget (asking
    30 questions must not cost the rating of the last answer); CORS preflights, health and metrics are not."""
    rules = parse_rules(spec)
    if not rules:
        return
    counter = limiter(rules, storage)

    @app.before_request
    def limit() -> None:
        if request.endpoint not in LIMITED or request.method == "OPTIONS":
            return
        retry = counter.hit(f"{request.endpoint} {request.remote_addr or '-'}")
        if retry is not None:
            raise ApiError(429, "err_rate_limited", headers={"Retry-After": str(retry)})


def _state() -> Any:
    return current_app.extensions["chatbot"]


def _json_body() -> dict[str, Any]:
    if request.mimetype != "application/json":
        raise ApiError(415, "err_content_type")
    try:
        text = _body_bytes(current_app.config["MAX_CONTENT_LENGTH"]).decode("utf-8")
    except UnicodeDecodeError:
        raise ApiError(400, "err_invalid_utf8") from None
    try:
        body = json.loads(text)
    except (ValueError, RecursionError):  # RecursionError: arrays or objects nested about a thousand deep
        raise ApiError(400, "err_invalid_json") from None
    if not isinstance(body, dict):
        raise ApiError(400, "err_not_object")
    return body


def _body_bytes(limit: int) -> bytes:
    """The request body, at most ``limit`` bytes: a chunked body has no Content-Length for Flask to check,
    so one byte more is read to tell a body of exactly ``limit`` from a longer one cut short."""
    if request.content_length is not None and request.content_length > limit:
        raise ApiError(413, "err_too_large")
    try:
        data = request.environ["wsgi.input"].read(limit + 1)
    except Exception as exc:  # the server's own parse errors (a bad chunk size), or the client went away
        log.info("request body unreadable: %s: %s", type(exc).__name__, exc)
        raise ApiError(400, "err_bad_request") from None
    if len(data) > limit:
        raise ApiError(413, "err_too_large")
    return data


def _text_field(body: dict[str, Any], name: str) -> Any:
    """A field as sent, refused when it is a string no database or analyzer can take (a lone surrogate)."""
    value = body.get(name)
    if isinstance(value, str) and not chars.is_encodable(value):
        raise ApiError(400, "err_invalid_text", field=name)
    return value


@bp.post("/chat")
def chat() -> ResponseReturnValue:
    state = _state()
    body = _json_body()
    message = _text_field(body, "message")
    if message is None:
        raise ApiError(400, "err_missing_message")
    if not isinstance(message, str) or not chars.has_visible(message):
        raise ApiError(400, "err_empty_message")
    limit = state.settings.max_message_chars
    if len(message) > limit:
        raise ApiError(400, "err_message_too_long", limit=limit)
    lang = body.get("lang")
    if lang is not None and (not isinstance(lang, str) or lang not in languages.LANGUAGES):  # [] is unhashable
        raise ApiError(400, "err_bad_lang")
    faq_id = body.get("faq_id")
    if faq_id is not None and not isinstance(faq_id, str):
        raise ApiError(400, "err_bad_faq_id")
    previous = body.get("previous_faq_id")  # an id no longer published (a reindex in between) just starts afresh
    if previous is not None and not isinstance(previous, str):
        raise ApiError(400, "err_bad_previous_faq_id")
    department = body.get("previous_department")  # a key no longer in departments.yaml is the switchboard
    if department is not None and not isinstance(department, str):
        raise ApiError(400, "err_bad_previous_department")
    furigana = body.get("furigana", False)
    if not isinstance(furigana, bool):
        raise ApiError(400, "err_bad_furigana")
    try:
        index = state.live.get()  # one version for the whole request
    except IndexFailure:
        raise ApiError(503, "err_index_unavailable") from None
    now = state.clock()
    question = message.strip()
    settings = state.settings

    def drafted() -> tuple[Reply, bytes]:
        reply = respond(index, question, lang=lang, faq_id=faq_id, previous=previous, previous_department=department,
                        threshold=settings.answer_threshold, suggest_threshold=settings.suggest_threshold,
                        greeting_faqs=settings.greeting_faqs)
        if furigana:
            reply = with_furigana(reply, index.kb.readings)
        return reply, json.dumps(reply.to_json(), ensure_ascii=False).encode()

    def card() -> bytes:
        contact = contact_card(reply.department, index.kb.closures, minute, reply.lang)
        if furigana:
            contact = card_with_furigana(contact, index.kb.readings, reply.lang)
        return json.dumps(contact.to_json(), ensure_ascii=False).encode()

    # Citizens ask the same few questions: replies are memoised by everything they depend on, encoded once.
    key = ReplyKey(question, lang, faq_id, previous if previous in index.faqs else None, index.version, furigana,
                   department if department in index.kb.departments else None)
    reply, encoded = state.replies.get(key, drafted)
    minute = hours.to_minute(now)  # opening hours change on whole minutes only
    contact = state.cards.get((index.version, reply.department.key, reply.lang, minute, furigana), card)
    answer_id = ids.answer_id()
    state.log.record_turn(Turn(answer_id, now, message, reply.type, reply.faq.id if reply.faq else None,
                               reply.confidence, index.version, reply.lang))
    g.outcome, g.index_version = reply.type, index.version
    # {"answer_id": ..., **reply, "contact": ...} without re-encoding the memoised parts.
    body = b"".join((b'{"answer_id": "', answer_id.encode(), b'", ', encoded[1:-1], b', "contact": ', contact, b"}"))
    return Response(body, mimetype="application/json")


@bp.post("/feedback")
def feedback() -> ResponseReturnValue:
    state = _state()
    body = _json_body()
    answer_id = body.get("answer_id")
    if not isinstance(answer_id, str) or not _is_uuid(answer_id):
        raise ApiError(400, "err_bad_answer_id")
    helpful = body.get("helpful")
    if not isinstance(helpful, bool):
        raise ApiError(400, "err_bad_helpful")
    comment = _text_field(body, "comment")
    if comment is not None and (not isinstance(comment, str) or len(comment) > MAX_COMMENT_CHARS):
        raise ApiError(400, "err_comment_too_long", limit=MAX_COMMENT_CHARS)
    # Stored at once even when the rated turn still waits in another worker's queue: reports join them later.
    stored = state.log.record_feedback(answer_id, helpful, (comment or "").strip() or None, state.clock())
    g.outcome = "feedback_helpful" if helpful else "feedback_unhelpful"
    return jsonify({"ok": True, "stored": bool(stored)})


@bp.get("/health")
def health() -> ResponseReturnValue:
    state = _state()
    try:
        index = state.live.get()
    except IndexFailure as exc:
        return jsonify({"status": "unavailable", "reason": str(exc)}), 503
    return jsonify({
        "status": "ok",
        "index": {"version": index.version, "built_at": index.built_at, "faqs": len(index.faqs),
                  "model": index.manifest["model"]["name"]},
        "refused_versions": sorted(state.live.refused),
    })


def _is_uuid(value: str) -> bool:
    try:
        return str(uuid.UUID(value)) == value
    except ValueError:
        return False
