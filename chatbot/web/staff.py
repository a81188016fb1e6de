"""The staff console at /staff/: login, a dashboard of what citizens asked, and teaching the bot.

Every page needs a session (chatbot.store.accounts: server-side, shared by all servers); without one a
page redirects to the login and anything else is refused. Every state-changing request carries the session's
CSRF token in a form field; the login form, before any session exists, carries a token matching a cookie of
its own (double submit). The session cookie is HttpOnly, SameSite=Strict, Secure over TLS, scoped to
/staff, replaced at each login and dead after ``CHATBOT_STAFF_IDLE`` without a request. Failed and
successful login attempts alike count against ``CHATBOT_STAFF_LOGIN_LIMIT``, per account and per address:
past it, 429. The console is in Japanese (staff_messages.yaml), as the staff who use it.

Teaching changes the Markdown file in place (chatbot.knowledge.edit), checks the whole knowledge base with the
same validator as `chatbot validate`, puts the file back byte for byte if that finds an error in it, records
the change in the audit log, and publishes through the same pipeline as `chatbot reindex`, in the background
(the running index keeps serving until the new one is swapped in) or at the nightly run.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hmac
import json
import logging
import secrets
import threading
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    after_this_request,
    current_app,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException

from chatbot.core import languages, messages
from chatbot.core.settings import Settings
from chatbot.knowledge import files_stamp, load_knowledge
from chatbot.knowledge.edit import EditError, add_alt_questions
from chatbot.knowledge.faqs import ID_PATTERN
from chatbot.reports import preview
from chatbot.reports.build import Report, build_report
from chatbot.reports.charts import daily_chart
from chatbot.reports.drafts import draft_for
from chatbot.reports.groups import QuestionGroup
from chatbot.reports.guess import index_guess
from chatbot.search import publish, versions
from chatbot.search.decision import CANDIDATES, decide
from chatbot.search.foreign import own_analyzer
from chatbot.search.versions import BuildSpec, IndexFailure, ServingIndex
from chatbot.serving.respond import respond
from chatbot.store.accounts import Accounts, Session
from chatbot.store.db import Database
from chatbot.web.ratelimit import limiter, parse_rules

bp = Blueprint("staff", __name__, template_folder="templates", url_prefix="/staff")
SESSION_COOKIE = "staff_session"
LOGIN_CSRF_COOKIE = "staff_login_csrf"
PERIODS = (7, 30, 90)  # days the dashboard can show
LANG = "ja"
CANDIDATE_FAQS = 8  # FAQs offered for a group: its likeliest, or those matching the words searched
log = logging.getLogger(__name__)


def init_app(app: Flask, settings: Settings) -> None:
    """Register the console unless ``CHATBOT_STAFF_ENABLED`` is off (then /staff/ is a plain 404)."""
    if not settings.staff_enabled:
        return
    state = app.extensions["chatbot"]
    state.accounts = Accounts(Database(settings.db_url))
    state.login_limiter = limiter(parse_rules(settings.staff_login_limit), settings.rate_limit_storage)
    state.publisher = Publisher(settings)
    app.register_blueprint(bp)
    app.jinja_env.globals["staff_text"] = lambda key, **values: messages.text(key, LANG, **values)


def error_page(exc: HTTPException) -> ResponseReturnValue:
    """A console error as a page staff can read (in Japanese, with the way back), not the API's JSON."""
    status = exc.code or 500
    key = f"staff_error_{status}"
    message = messages.text(key if key in messages.catalogue() else "staff_error_other", LANG, status=status)
    return render_template("staff/error.html", status=status, message=message), status


bp.register_error_handler(HTTPException, error_page)


def app_state() -> Any:
    return current_app.extensions["chatbot"]


def _cookie(response: Response, name: str, value: str, path: str = "/staff") -> None:
    response.set_cookie(name, value, path=path, httponly=True, samesite="Strict", secure=request.is_secure)


def login_required(view: Callable[..., ResponseReturnValue]) -> Callable[..., ResponseReturnValue]:
    """A page with a session; a GET without one goes to the login, anything else is refused (401)."""
    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> ResponseReturnValue:
        token = request.cookies.get(SESSION_COOKIE, "")
        session = app_state().accounts.session(token, dt.timedelta(seconds=app_state().settings.staff_idle)) \
            if token else None
        if request.method == "GET":
            session = _signed_on(session)
        if session is None:
            if request.method == "GET":
                return redirect(url_for("staff.login", next=request.path))
            abort(401)
        if request.method != "GET" and not _same(request.form.get("csrf_token", ""), session.csrf_token):
            abort(403)
        g.staff = session
        return view(*args, **kwargs)
    return wrapped


def _signed_on(session: Session | None) -> Session | None:
    """With ``CHATBOT_STAFF_AUTH_HEADER`` set, the account the single sign-on proxy names is the one signed in:
    a page opens a session for it (the cookie then carries the CSRF token as after a login), replacing one of
    another account. Only a GET does, so a state-changing request still needs the session and its token.
    A name with no account ends any session the browser had (someone else's on a shared PC) and shows the
    login form."""
    header = app_state().settings.staff_auth_header
    name = request.headers.get(header, "") if header else ""
    if not name or (session is not None and session.user.name == name):
        return session
    accounts: Accounts = app_state().accounts
    if session is not None:
        accounts.close_session(session.token)
    user = accounts.user(name)
    if user is None:
        log.warning("single sign-on header names no staff account; the login form is shown")
        return None
    opened = accounts.open_session(user)

    @after_this_request
    def set_cookie(response: Response) -> Response:
        _cookie(response, SESSION_COOKIE, opened.token)
        return response

    return opened


def _same(given: str, expected: str) -> bool:
    return bool(given) and hmac.compare_digest(given.encode(), expected.encode())


def _client() -> str:
    return request.remote_addr or "unknown"


@bp.get("/login")
def login() -> ResponseReturnValue:
    return _login_form()


def _login_form(error: str | None = None, status: int = 200) -> ResponseReturnValue:
    """The form with a fresh double-submit token, also set as a cookie (there is no session to hold it yet)."""
    token = secrets.token_urlsafe(32)
    response = Response(render_template("staff/login.html", csrf_token=token, error=error,
                                        next=_safe_next(request.values.get("next"))), status=status)
    _cookie(response, LOGIN_CSRF_COOKIE, token)
    return response


@bp.post("/login")
def login_submit() -> ResponseReturnValue:
    if not _same(request.form.get("csrf_token", ""), request.cookies.get(LOGIN_CSRF_COOKIE, "")):
        abort(403)
    name, password = request.form.get("username", ""), request.form.get("password", "")
    limiter_ = app_state().login_limiter
    waits = [wait for key in (f"staff-login:user:{name}", f"staff-login:addr:{_client()}")
             if (wait := limiter_.hit(key)) is not None]
    if waits:
        response = _login_form(messages.text("staff_login_throttled", LANG, seconds=max(waits)), 429)
        response.headers["Retry-After"] = str(max(waits))  # type: ignore[union-attr]
        return response
    accounts: Accounts = app_state().accounts
    user = accounts.verify(name, password) if name and password else None
    if user is None:
        return _login_form(messages.text("staff_login_failed", LANG), 401)
    old = request.cookies.get(SESSION_COOKIE)
    if old:
        accounts.close_session(old)  # a login never keeps the session it came with
    session = accounts.open_session(user)
    response = redirect(_safe_next(request.form.get("next")) or url_for("staff.dashboard"))
    _cookie(response, SESSION_COOKIE, session.token)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/staff")
    return response


def _safe_next(target: str | None) -> str | None:
    """Only a path inside the console: a ``next`` pointing elsewhere would make the login an open redirect."""
    if target and target.startswith("/staff/") and not target.startswith("//") and "\\" not in target:
        return target
    return None


@bp.post("/logout")
@login_required
def logout() -> ResponseReturnValue:
    app_state().accounts.close_session(g.staff.token)
    response = redirect(url_for("staff.login"))
    response.delete_cookie(SESSION_COOKIE, path="/staff")
    return response


@bp.get("/")
@login_required
def dashboard() -> ResponseReturnValue:
    """Questions per day, answer rate and ratings over the chosen period, answers per department, the top FAQs
    and the largest groups of unanswered and 👎 questions (of one department when one is chosen): the same
    report `chatbot report` prints, from the same log."""
    state = app_state()
    days = request.args.get("days", type=int)
    days = days if days in PERIODS else PERIODS[0]
    report = _report(days)
    department = request.args.get("department", "")
    if department in report.department_names:  # the lists of one department; the figures stay the city's
        report = dataclasses.replace(
            report, faqs=tuple(f for f in report.faqs if f.department == department),
            unanswered=tuple(g_ for g_ in report.unanswered if g_.department == department),
            unhelpful=tuple(g_ for g_ in report.unhelpful if g_.department == department))
    else:
        department = ""
    return render_template("staff/dashboard.html", report=report, days=days, periods=PERIODS,
                           department=department, chart=daily_chart(report.days), session=public_session(g.staff),
                           publishing=state.publisher.status())


def _report(days: int) -> Report:
    state = app_state()
    now = state.clock()
    start = now - dt.timedelta(days=days)
    index = _index()
    report = build_report(state.log.turns(start), index.kb, now, state.settings.stale_days,
                          guess_department=index_guess(index), start=start)
    dismissed = state.accounts.dismissed()
    return dataclasses.replace(report,
                               unanswered=tuple(g_ for g_ in report.unanswered if g_.representative not in dismissed),
                               unhelpful=tuple(g_ for g_ in report.unhelpful if g_.representative not in dismissed))


def _index() -> Any:
    try:
        return app_state().live.get()
    except IndexFailure:
        abort(503)


def editor_only(view: Callable[..., ResponseReturnValue]) -> Callable[..., ResponseReturnValue]:
    """After `login_required`: viewers look, they never change anything."""
    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> ResponseReturnValue:
        if not g.staff.user.can_edit:
            abort(403)
        return view(*args, **kwargs)
    return wrapped


@bp.get("/teach")
@login_required
def teach() -> ResponseReturnValue:
    """One group of unanswered or 👎 questions: pick the FAQ that answers them and the phrasings to add."""
    return _teach_page(request.args.get("q", ""), request.args.get("days", PERIODS[-1], type=int),
                       request.args.get("find", ""))


def _teach_page(representative: str, days: int, find: str, problems: list[str] | None = None,
                status: int = 200) -> ResponseReturnValue:
    group = _group(representative, days)
    index = _index()
    hits = index.engine.search(find or representative, k=CANDIDATE_FAQS)
    candidates = [index.faqs[h.id] for h in hits if h.id in index.faqs]
    return render_template("staff/teach.html", group=group, candidates=candidates, find=find, days=days,
                           session=public_session(g.staff), problems=problems or []), status


@bp.post("/teach")
@login_required
@editor_only
def teach_submit() -> ResponseReturnValue:
    """Add the chosen phrasings to the chosen FAQ's alt_questions; preview the change (then publish) now, or
    leave it to the nightly run."""
    state = app_state()
    representative, days = request.form.get("q", ""), request.form.get("days", PERIODS[-1], type=int)
    faq_id, phrasings = request.form.get("faq_id", ""), request.form.getlist("phrasing")
    path = faq_file(faq_id)
    if path is None or not phrasings:
        return _teach_page(representative, days, "", [messages.text("staff_teach_choose", LANG)], 400)
    original = path.read_bytes()
    try:
        text, added = add_alt_questions(original.decode("utf-8-sig"), phrasings)
    except (EditError, UnicodeDecodeError):
        return _teach_page(representative, days, "", [messages.text("staff_teach_layout", LANG, path=path)], 422)
    errors = write_validated(path, original, text)
    if errors:
        return _teach_page(representative, days, "", errors, 422)
    state.accounts.record(g.staff.user.name, "add_alt_questions", faq_id, None, json.dumps(added, ensure_ascii=False))
    previewing = request.form.get("publish") == "preview"
    if previewing:
        state.publisher.start_preview(g.staff.user.name, _index(), state.log.recent_questions, state.clock())
    return render_template("staff/taught.html", faq_id=faq_id, added=added, session=public_session(g.staff),
                           previewing=previewing)


def faq_file(faq_id: str) -> Path | None:
    """The Markdown file of the FAQ ``faq_id`` (its name), or None. Only an id as the validator allows it is
    looked up, so it is a file name and never a glob pattern (*, ?, [) or a path."""
    if ID_PATTERN.match(faq_id) is None:
        return None
    return next(app_state().settings.knowledge_dir.joinpath("faq").rglob(f"{faq_id}.md"), None)


def write_validated(path: Path, original: bytes, text: str) -> list[str]:
    """Write ``text`` (keeping a byte order mark the file had) and check the whole knowledge base as
    `chatbot validate` does; on an error in this file put the original bytes back and return the errors
    with file:line (a failed validation changes nothing)."""
    bom = b"\xef\xbb\xbf" if original.startswith(b"\xef\xbb\xbf") else b""
    path.write_bytes(bom + text.encode("utf-8"))
    _, problems = load_knowledge(app_state().settings.knowledge_dir)
    errors = [p.format() for p in problems if p.severity == "error" and p.path == path]
    if errors:
        path.write_bytes(original)
    return errors


@bp.post("/teach/draft")
@login_required
@editor_only
def teach_draft() -> ResponseReturnValue:
    """A new FAQ for the group, prefilled as a draft (not served until staff finish and publish it)."""
    state = app_state()
    group = _group(request.form.get("q", ""), request.form.get("days", PERIODS[-1], type=int))
    path = draft_for(group, _index().kb, state.settings.knowledge_dir / "faq", state.clock().date())
    state.accounts.record(g.staff.user.name, "new_draft", path.stem, None, group.representative)
    return render_template("staff/taught.html", draft=path.relative_to(state.settings.knowledge_dir),
                           session=public_session(g.staff))


@bp.post("/teach/dismiss")
@login_required
@editor_only
def teach_dismiss() -> ResponseReturnValue:
    """Set the group aside: not a matter for an FAQ (the dashboard stops listing it)."""
    group = _group(request.form.get("q", ""), request.form.get("days", PERIODS[-1], type=int))
    app_state().accounts.dismiss(group.representative, g.staff.user.name)
    return redirect(url_for("staff.dashboard"))


def _group(representative: str, days: int) -> QuestionGroup:
    report = _report(days if days in PERIODS else PERIODS[-1])
    group = next((g_ for g_ in (*report.unanswered, *report.unhelpful) if g_.representative == representative), None)
    if group is None:
        abort(404)
    return group


@bp.get("/publish")
@login_required
def changes() -> ResponseReturnValue:
    """Publishing, and before it the last change preview: which questions citizens asked lately (and the FAQs'
    own phrasings) the knowledge as it is now would answer differently from the index serving."""
    return _changes_page()


def _changes_page(problem: str | None = None, status: int = 200) -> ResponseReturnValue:
    state = app_state()
    serving = _index()
    shown = preview.load(state.settings.index_dir)
    outdated = shown is not None and shown.files != files_stamp(state.settings.knowledge_dir)
    # The version published on disk: this worker's own copy follows within CHATBOT_RELOAD_SECONDS.
    current = versions.current_version(state.settings.index_dir) or serving.version
    return render_template("staff/publish.html", preview=shown, outdated=outdated, serving=serving, current=current,
                           working=state.publisher.status(), problem=problem, session=public_session(g.staff)), status


@bp.post("/preview")
@login_required
@editor_only
def preview_start() -> ResponseReturnValue:
    """Build the knowledge as it is now, unpublished, and compare it with the index serving (background)."""
    state = app_state()
    state.publisher.start_preview(g.staff.user.name, _index(), state.log.recent_questions, state.clock())
    return redirect(url_for("staff.changes"))


@bp.post("/publish")
@login_required
@editor_only
def publish_start() -> ResponseReturnValue:
    """Publish what the preview showed; refused (409) when the knowledge changed since, or no preview finished."""
    state = app_state()
    shown = preview.load(state.settings.index_dir)
    if (shown is None or shown.state != "done" or shown.version is None
            or shown.version != request.form.get("version")
            or shown.files != files_stamp(state.settings.knowledge_dir)):
        return _changes_page(messages.text("staff_publish_stale", LANG), 409)
    if state.publisher.start():
        state.accounts.record(g.staff.user.name, "publish", shown.version, shown.baseline, shown.version)
    return redirect(url_for("staff.changes"))


@bp.get("/try")
@login_required
def try_question() -> ResponseReturnValue:
    """A question answered as a citizen would see it, and why: the likeliest FAQs with the evidence their
    confidence comes from, and a department topic that blocked an answer."""
    state = app_state()
    question = request.args.get("q", "").strip()[:state.settings.max_message_chars]
    context: dict[str, Any] = {"question": question, "session": public_session(g.staff)}
    if question:
        index = _index()
        lang = languages.detect(question)
        settings = state.settings
        reply = respond(index, question, threshold=settings.answer_threshold,
                        suggest_threshold=settings.suggest_threshold, lang=lang)
        decision = decide(index, question, settings.answer_threshold, lang=lang)
        if own_analyzer(lang):
            rows = [(index.faqs[h.id], h, None) for h in index.foreign.search(lang, question, k=CANDIDATES)]
        else:
            rows = [(index.faqs[h.id], h, e) for h, e in index.engine.explain(question, k=CANDIDATES)
                    if h.id in index.faqs]
        context.update(reply=reply, lang=lang, rows=rows, topic=decision.topic, threshold=settings.answer_threshold)
    return render_template("staff/try.html", **context)


class Publisher:
    """At most one background job at a time from this process (a change preview or a publish), in a thread;
    the index's own build lock keeps servers and the nightly job from building at once too."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self._thread: threading.Thread | None = None
        self._last: str = ""
        self._lock = threading.Lock()

    @property
    def _smoke(self) -> Path | None:
        smoke = self.settings.knowledge_dir / "smoke.tsv"
        return smoke if smoke.is_file() else None

    def _launch(self, job: Callable[[], None], name: str, first: Callable[[], None] | None = None) -> bool:
        """Run ``job`` in the background unless a job runs; ``first`` runs before, only if it will."""
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                return False
            if first is not None:
                first()
            self._thread = threading.Thread(target=job, name=name, daemon=True)
            self._thread.start()
            return True

    def start(self) -> bool:
        """Publish the knowledge as it is now (the previewed build when there is one); False while busy."""
        return self._launch(self._publish, "staff-publish")

    def _publish(self) -> None:
        settings = self.settings
        try:
            outcome = publish.run(BuildSpec.from_settings(settings), settings.answer_threshold,
                                  settings.keep_versions, smoke_file=self._smoke)
            self._last = messages.text("staff_published", LANG, version=outcome.version)
        except (IndexFailure, OSError) as exc:
            log.error("index not published from the console, the current one keeps serving: %s", exc)
            self._last = messages.text("staff_publish_failed", LANG, reason=str(exc))

    def start_preview(self, by: str, serving: ServingIndex | None, recent: Callable[[dt.datetime, int], list[str]],
                      now: dt.datetime) -> bool:
        """Build the knowledge as it is now without publishing it and compare it with ``serving``
        (chatbot.reports.preview); the outcome is stored for every worker to show. False while busy."""
        started = preview.Preview("running", by, now.isoformat(timespec="seconds"),
                                  files=files_stamp(self.settings.knowledge_dir))

        def job() -> None:
            try:
                asked, problem = preview.replay_questions(recent, self.settings.knowledge_dir / "smoke.tsv", now)
                outcome = preview.run(BuildSpec.from_settings(self.settings), serving, asked,
                                      self.settings.answer_threshold, self._smoke, started)
                outcome = dataclasses.replace(outcome, log_problem=problem)
            except Exception as exc:  # the thread's end: never leave staff a preview "running" for ever
                log.exception("change preview failed")
                outcome = dataclasses.replace(started, state="failed", problems=(f"{type(exc).__name__}: {exc}",))
            preview.save(self.settings.index_dir, outcome)

        return self._launch(job, "staff-preview", first=lambda: preview.save(self.settings.index_dir, started))

    def status(self) -> str:
        if self._thread is not None and self._thread.is_alive():
            return messages.text("staff_publishing" if self._thread.name == "staff-publish" else "staff_previewing",
                                 LANG)
        return self._last

    def join(self, timeout: float) -> None:
        """Wait for a running job (tests, shutdown)."""
        if self._thread is not None:
            self._thread.join(timeout)


def public_session(session: Session) -> dict[str, str]:
    """What a template may see of the session: never its token."""
    return {"name": session.user.name, "role": session.user.role, "csrf_token": session.csrf_token}
