"""The staff console's FAQ editor at /staff/faqs/: find FAQs by words, department and staleness, and edit one.

The knowledge files stay the source of truth: the list is read from them (not from the index serving, so new
drafts and unpublished edits show), and the editor edits a file's front matter and body as text, so comments,
key order and quoting survive, and a save writes only what staff changed (chatbot.knowledge.edit.FaqSource).
While staff type, the file as it would be is checked with the validator of `chatbot validate` and the answer
previewed with the widget's own renderer (static/staff.js); a save checks the whole knowledge base again and
changes nothing on an error, as teaching does (`staff.write_validated`). Publishing is the console's usual
preview-then-publish.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import tempfile
import threading
import unicodedata
from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, abort, g, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException

from chatbot.core.settings import Settings
from chatbot.knowledge import FAQ, KnowledgeBase, Problem, files_stamp, load_knowledge
from chatbot.knowledge.edit import EditError, FaqSource
from chatbot.knowledge.faqs import parse_faq_file
from chatbot.web.staff import (
    app_state,
    editor_only,
    error_page,
    faq_file,
    login_required,
    public_session,
    write_validated,
)

bp = Blueprint("faqs", __name__, template_folder="templates", url_prefix="/staff/faqs")
bp.register_error_handler(HTTPException, error_page)
STATUSES = ("published", "draft")
# A whole FAQ file with its translations (the largest bundled one is 30 KB) is more than the API's 64 KiB
# once form-encoded; the editor sends multipart forms and may send this much.
EDITOR_MAX_BYTES = 1024 * 1024


@bp.before_request
def _room_for_a_file() -> None:
    request.max_content_length = EDITOR_MAX_BYTES
STATUSES = ("published", "draft")


def init_app(app: Flask, settings: Settings) -> None:
    """Part of the console: registered with it, unless ``CHATBOT_STAFF_ENABLED`` is off."""
    if settings.staff_enabled:
        app.extensions["chatbot"].knowledge = KnowledgeFiles(settings.knowledge_dir)
        app.register_blueprint(bp)


class KnowledgeFiles:
    """The knowledge as the files hold it now, loaded again only when a file changed (loading the bundled
    knowledge base takes seconds; noticing a change takes a directory walk)."""

    def __init__(self, root: Path):
        self.root = root
        self._lock = threading.Lock()
        self._loaded: tuple[str, KnowledgeBase, list[Problem]] | None = None

    def get(self) -> tuple[KnowledgeBase, list[Problem]]:
        stamp = files_stamp(self.root)
        with self._lock:
            if self._loaded is None or self._loaded[0] != stamp:
                self._loaded = (stamp, *load_knowledge(self.root))
            return self._loaded[1], self._loaded[2]


@bp.get("/")
@login_required
def faq_list() -> ResponseReturnValue:
    """Every FAQ matching all the words given (in its id, questions, tags or answer), of a department, a
    status, or older than ``CHATBOT_STALE_DAYS``; files with errors first, as they are served by no one."""
    state = app_state()
    kb, problems = state.knowledge.get()
    words = [_folded(w) for w in request.args.get("q", "").split()]
    department = request.args.get("department", "")
    status = request.args.get("status", "")
    stale = request.args.get("stale") == "1"
    cutoff = state.clock().date() - dt.timedelta(days=state.settings.stale_days)
    shown = [faq for faq in sorted(kb.faqs, key=lambda f: f.id)
             if all(w in _searchable(faq) for w in words)
             and (not department or faq.department == department)
             and (status not in STATUSES or faq.status == status)
             and (not stale or faq.updated < cutoff)]
    broken = sorted({p.path.stem for p in problems if p.severity == "error" and p.path.suffix == ".md"})
    return render_template("staff/faqs.html", faqs=shown, total=len(kb.faqs), broken=broken, kb=kb,
                           q=request.args.get("q", ""), department=department, status=status, stale=stale,
                           cutoff=cutoff, statuses=STATUSES, session=public_session(g.staff))


def _folded(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def _searchable(faq: FAQ) -> str:
    return _folded(" ".join((faq.id, faq.question, *faq.alt_questions, *faq.tags, faq.answer)))


@bp.get("/<faq_id>")
@login_required
def edit(faq_id: str) -> ResponseReturnValue:
    path, source = _source(faq_id)
    return _edit_page(faq_id, path, source.front_matter, source.body)


def _edit_page(faq_id: str, path: Path, front_matter: str, body: str, problems: list[str] | None = None,
               saved: bool = False, status: int = 200) -> ResponseReturnValue:
    relative = path.relative_to(app_state().settings.knowledge_dir)
    # Shown with LF line endings, as a browser reads them anyway; a save puts back the file's own.
    return render_template("staff/faq_edit.html", faq_id=faq_id, path=relative,
                           front_matter=front_matter.replace("\r\n", "\n"), body=body.replace("\r\n", "\n"),
                           problems=problems or [], saved=saved, session=public_session(g.staff)), status


def _source(faq_id: str) -> tuple[Path, FaqSource]:
    """The FAQ's file and its text, cut for editing; 404 without one, 422 when it has no front matter."""
    path = faq_file(faq_id)
    if path is None:
        abort(404)
    try:
        return path, FaqSource.parse(path.read_bytes().decode("utf-8-sig"))
    except (EditError, UnicodeDecodeError):
        abort(422)


@bp.post("/<faq_id>")
@login_required
@editor_only
def save(faq_id: str) -> ResponseReturnValue:
    """Write the edited front matter and body into the file; on a validation error nothing changes."""
    state = app_state()
    path, source = _source(faq_id)
    front_matter, body = request.form.get("front_matter", ""), request.form.get("body", "")
    original = path.read_bytes()
    text = source.with_text(front_matter, body)
    if text == original.decode("utf-8-sig"):
        return _edit_page(faq_id, path, front_matter, body, saved=True)
    errors = write_validated(path, original, text)
    if errors:
        return _edit_page(faq_id, path, front_matter, body, errors, status=422)
    state.accounts.record(g.staff.user.name, "edit_faq", faq_id, original.decode("utf-8-sig"), text)
    written = FaqSource.parse(text)  # what the file now holds, without reading it back
    return _edit_page(faq_id, path, written.front_matter, written.body, saved=True)


@bp.post("/<faq_id>/check")
@login_required
def check(faq_id: str) -> ResponseReturnValue:
    """The file as it would be, checked by the validator (this file alone; a save checks the whole knowledge
    base), and the answer citizens would read: for the editor's live validation and preview."""
    path, source = _source(faq_id)
    text = source.with_text(request.form.get("front_matter", ""), request.form.get("body", ""))
    state = app_state()
    kb, _ = state.knowledge.get()
    problems: list[Problem] = []
    with tempfile.TemporaryDirectory() as tmp:
        candidate = Path(tmp) / path.relative_to(state.settings.knowledge_dir)  # the id and category must match
        candidate.parent.mkdir(parents=True)
        candidate.write_text(text, encoding="utf-8")
        faq = parse_faq_file(candidate, set(kb.departments), problems)
    shown = [dataclasses.replace(p, path=path) for p in problems]
    result: dict[str, Any] = {"problems": [{"severity": p.severity, "text": p.format()} for p in shown],
                              "question": faq.question if faq else None, "answer": faq.answer if faq else None}
    return jsonify(result)
