"""The staff console at /staff/: login, and a dashboard of what citizens asked.

Every page needs a session (chatbot.store.accounts: server-side, shared by all servers); without one a
page redirects to the login and anything else is refused. Every state-changing request carries the session's
CSRF token in a form field; the login form, before any session exists, carries a token matching a cookie of
its own (double submit). The session cookie is HttpOnly, SameSite=Strict, Secure over TLS, scoped to
/staff, replaced at each login and dead after ``CHATBOT_STAFF_IDLE`` without a request. Failed and
successful login attempts alike count against ``CHATBOT_STAFF_LOGIN_LIMIT``, per account and per address:
past it, 429. The console is in Japanese (staff_messages.yaml), as the staff who use it.
"""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Blueprint, Flask, Response, abort, current_app, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from chatbot.core import messages
from chatbot.core.settings import Settings
from chatbot.reports.build import build_report
from chatbot.reports.charts import daily_chart
from chatbot.reports.guess import index_guess
from chatbot.search.versions import IndexFailure
from chatbot.store.accounts import Accounts, Session
from chatbot.store.db import Database
from chatbot.web.ratelimit import limiter, parse_rules

bp = Blueprint("staff", __name__, template_folder="templates", url_prefix="/staff")
SESSION_COOKIE = "staff_session"
LOGIN_CSRF_COOKIE = "staff_login_csrf"
PERIODS = (7, 30, 90)  # days the dashboard can show
LANG = "ja"


def init_app(app: Flask, settings: Settings) -> None:
    """Register the console unless ``CHATBOT_STAFF_ENABLED`` is off (then /staff/ is a plain 404)."""
    if not settings.staff_enabled:
        return
    state = app.extensions["chatbot"]
    state.accounts = Accounts(Database(settings.db_url))
    state.login_limiter = limiter(parse_rules(settings.staff_login_limit), settings.rate_limit_storage)
    app.register_blueprint(bp)
    app.jinja_env.globals["staff_text"] = lambda key, **values: messages.text(key, LANG, **values)


def _state() -> Any:
    return current_app.extensions["chatbot"]


def _cookie(response: Response, name: str, value: str, path: str = "/staff") -> None:
    response.set_cookie(name, value, path=path, httponly=True, samesite="Strict", secure=request.is_secure)


def login_required(view: Callable[..., ResponseReturnValue]) -> Callable[..., ResponseReturnValue]:
    """A page with a session; a GET without one goes to the login, anything else is refused (401)."""
    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> ResponseReturnValue:
        token = request.cookies.get(SESSION_COOKIE, "")
        session = _state().accounts.session(token, dt.timedelta(seconds=_state().settings.staff_idle)) \
            if token else None
        if session is None:
            if request.method == "GET":
                return redirect(url_for("staff.login", next=request.path))
            abort(401)
        if request.method != "GET" and not _same(request.form.get("csrf_token", ""), session.csrf_token):
            abort(403)
        g.staff = session
        return view(*args, **kwargs)
    return wrapped


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
    limiter_ = _state().login_limiter
    waits = [wait for key in (f"staff-login:user:{name}", f"staff-login:addr:{_client()}")
             if (wait := limiter_.hit(key)) is not None]
    if waits:
        response = _login_form(messages.text("staff_login_throttled", LANG, seconds=max(waits)), 429)
        response.headers["Retry-After"] = str(max(waits))  # type: ignore[union-attr]
        return response
    accounts: Accounts = _state().accounts
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
    _state().accounts.close_session(g.staff.token)
    response = redirect(url_for("staff.login"))
    response.delete_cookie(SESSION_COOKIE, path="/staff")
    return response


@bp.get("/")
@login_required
def dashboard() -> ResponseReturnValue:
    """Questions per day, answer rate and ratings over the chosen period, the top FAQs and the largest groups
    of unanswered and 👎 questions: the same report `chatbot report` prints, from the same log."""
    state = _state()
    days = request.args.get("days", type=int)
    days = days if days in PERIODS else PERIODS[0]
    now = state.clock()
    start = now - dt.timedelta(days=days)
    try:
        index = state.live.get()
    except IndexFailure:
        abort(503)
    report = build_report(state.log.turns(start), index.kb, now, state.settings.stale_days,
                          guess_department=index_guess(index), start=start)
    return render_template("staff/dashboard.html", report=report, days=days, periods=PERIODS,
                           chart=daily_chart(report.days), session=_public(g.staff))


def _public(session: Session) -> dict[str, str]:
    """What a template may see of the session: never its token."""
    return {"name": session.user.name, "role": session.user.role, "csrf_token": session.csrf_token}
