"""Command line: thin wrappers that parse options and call the library.

Search-side modules (torch, FAISS) are imported inside the commands that need them, so
``chatbot validate`` stays instant for staff.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from chatbot.core import messages
from chatbot.core.languages import LANGUAGES
from chatbot.core.settings import SETTINGS, Settings
from chatbot.knowledge import load_knowledge

if TYPE_CHECKING:
    from chatbot.search.compare import Comparison


@click.group()
def main() -> None:
    """四街道市 AI問い合わせチャットボット / Yotsukaido City FAQ chatbot."""


@main.command()
@click.argument("directory", required=False, type=click.Path(path_type=Path))
def validate(directory: Path | None) -> None:
    """Check every knowledge file and report all problems with file:line.

    Exits 1 when there is an error, 0 when there are only warnings.
    """
    root = directory or Settings.from_env().knowledge_dir
    kb, problems = load_knowledge(root)
    for problem in sorted(problems, key=lambda p: (str(p.path), p.line)):
        click.echo(problem.format(), err=True)
    errors = sum(p.severity == "error" for p in problems)
    warnings = len(problems) - errors
    published = len(kb.published)
    click.echo(f"{len(kb.faqs)} FAQ（公開 {published}）: エラー {errors} 件、警告 {warnings} 件 / "
               f"{len(kb.faqs)} FAQs ({published} published): {errors} errors, {warnings} warnings")
    sys.exit(1 if errors else 0)


@main.command("settings")
def show_settings() -> None:
    """List every CHATBOT_* setting with its default and current value."""
    import os

    for s in SETTINGS:
        current = os.environ.get("CHATBOT_" + s.name)
        shown = f" (now {current!r})" if current is not None else ""
        click.echo(f"CHATBOT_{s.name} = {s.default!r}{shown}\n    {s.help}")


def _settings(**overrides: object) -> Settings:
    try:
        return Settings.from_env(**overrides)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc


def _report_failure(exc: Exception) -> None:
    for problem in getattr(exc, "problems", []):
        click.echo(problem.format(), err=True)
    raise click.ClickException(str(exc))


changes_option = click.option(
    "--changes", "sample", type=click.IntRange(min=0), default=10, show_default=True, metavar="N",
    help="Before publishing, compare the answers with the serving index and show up to N questions that "
         "change (0: do not compare).")


publish_to_option = click.option(
    "--publish-to", "targets", multiple=True, type=click.Path(file_okay=False, path_type=Path), metavar="DIR",
    help="Also make DIR (another server's CHATBOT_INDEX_DIR, mounted or synced) serve the version published "
         "here; repeat for each server. Not needed when the servers share one index directory.")


@main.command("build-index")
@click.option("--force", is_flag=True, help="Rebuild even when the knowledge is unchanged.")
@changes_option
@publish_to_option
def build_index(force: bool, sample: int, targets: tuple[Path, ...]) -> None:
    """Build the search index from the knowledge base and publish it atomically."""
    _publish(force, smoke_file=None, sample=sample)
    _replicate(targets)


@main.command()
@click.option("--force", is_flag=True, help="Rebuild even when the knowledge is unchanged.")
@click.option("--smoke", "smoke_file", type=click.Path(path_type=Path), default=None,
              help="Smoke-test questions (default: KNOWLEDGE_DIR/smoke.tsv).")
@changes_option
@publish_to_option
def reindex(force: bool, smoke_file: Path | None, sample: int, targets: tuple[Path, ...]) -> None:
    """Nightly job: validate, build, smoke-test, compare, publish, keep the last versions.

    On any failure nothing is published, the current index keeps serving and the exit code is 1.
    The comparison only informs: it never stops a publish. With --publish-to, every DIR ends up serving
    the version served here (also when nothing new was built: a server that was down catches up).
    """
    settings = _settings()
    _publish(force, smoke_file=smoke_file or settings.knowledge_dir / "smoke.tsv", sample=sample)
    _replicate(targets)


def _replicate(targets: tuple[Path, ...]) -> None:
    """Copy the version served here to each target; every target is tried, then exit 1 if one failed."""
    from chatbot.search import versions as index_versions

    settings = _settings()
    version = index_versions.current_version(settings.index_dir)
    failed = False
    for target in targets:
        try:
            changed = index_versions.replicate(settings.index_dir, target, settings.keep_versions)
        except (index_versions.IndexFailure, OSError) as exc:
            click.echo(messages.staff("replica_failed", target=target, error=exc), err=True)
            failed = True
            continue
        click.echo(messages.staff("replica_published" if changed else "replica_current", target=target,
                                  version=version))
    if failed:
        raise SystemExit(1)


def _publish(force: bool, smoke_file: Path | None, sample: int) -> None:
    import logging

    from chatbot.core.logs import configure_logging
    from chatbot.search import publish as pipeline
    from chatbot.search.versions import BuildSpec, IndexFailure

    settings = _settings()
    configure_logging(settings.log_level, settings.log_dir)
    log = logging.getLogger("chatbot.search.publish")
    replay: list[str] | None = None  # None: no comparison (--changes 0)
    log_problem = None
    if sample:
        replay, log_problem = _replay(settings, smoke_file or settings.knowledge_dir / "smoke.tsv")
    try:
        outcome = pipeline.run(BuildSpec.from_settings(settings), settings.answer_threshold, settings.keep_versions,
                               force=force, smoke_file=smoke_file, replay=replay)
    except (IndexFailure, OSError) as exc:
        log.error("index not published, the current one keeps serving: %s", exc)
        _report_failure(exc)
    if outcome.published:
        log.info("published index %s (smoke questions %d, pruned %s)", outcome.version, outcome.smoke_checked,
                 ", ".join(outcome.pruned) or "none")
        click.echo(f"index {outcome.version}: built and published / 索引 {outcome.version} を作成・公開しました")
        if sample:
            _echo_changes(outcome.changes, sample, log_problem)
    elif outcome.pinned:
        click.echo(messages.staff("index_pinned", version=outcome.version, at=outcome.pinned.pinned_at))
    else:
        click.echo(f"index {outcome.version}: knowledge unchanged, still serving / "
                   f"変更がないため公開中の索引 {outcome.version} をそのまま使います")


def _replay(settings: Settings, smoke_file: Path) -> tuple[list[str], str | None]:
    from chatbot.knowledge.hours import TOKYO
    from chatbot.reports.preview import replay_questions
    from chatbot.store.log import ConversationLog

    return replay_questions(lambda since, limit: ConversationLog(settings.db_url).recent_questions(since, limit),
                            smoke_file, dt.datetime.now(TOKYO))


def _echo_changes(changes: Comparison | None, sample: int, log_problem: str | None) -> None:
    """What the published version answers differently: a count, then up to ``sample`` questions."""
    if log_problem:
        click.echo(messages.staff("changes_log_unreadable", error=log_problem))
    if changes is None:
        click.echo(messages.staff("changes_failed"))
    elif changes.baseline is None:
        click.echo(messages.staff("changes_no_baseline"))
    elif not changes.changes:
        click.echo(messages.staff("changes_none", compared=changes.compared, old=changes.baseline))
    else:
        click.echo(messages.staff("changes_summary", changed=len(changes.changes), compared=changes.compared,
                                  old=changes.baseline))
        for change in changes.changes[:sample]:
            click.echo(f"  「{change.question}」: {change.old or 'fallback'} → {change.new or 'fallback'}")
        if len(changes.changes) > sample:
            click.echo("  " + messages.staff("changes_more", more=len(changes.changes) - sample))


@main.command()
@click.argument("version", required=False)
@click.option("--release", is_flag=True, help="Stop holding the rolled-back version; the next reindex publishes.")
@publish_to_option
def rollback(version: str | None, release: bool, targets: tuple[Path, ...]) -> None:
    """Re-publish VERSION (default: the one before the current one) and hold it.

    The nightly run keeps the rolled-back version until the knowledge files change or
    `chatbot rollback --release` is run; `chatbot versions` lists the versions on disk.
    """
    from chatbot.knowledge import content_hash
    from chatbot.search import versions as index_versions

    if release and version:
        raise click.UsageError(messages.staff("rollback_release_or_version"))
    settings = _settings()
    try:
        with index_versions.build_lock(settings.index_dir):
            if release:
                held = index_versions.release(settings.index_dir)
            else:
                version = index_versions.rollback(settings.index_dir, content_hash(settings.knowledge_dir), version)
    except index_versions.IndexFailure as exc:
        raise click.ClickException(str(exc)) from exc
    if release:
        click.echo(messages.staff("rollback_released", version=held.version) if held
                   else messages.staff("rollback_not_pinned"))
    else:
        click.echo(messages.staff("rollback_done", version=version))
    _replicate(targets)


@main.command()
def versions() -> None:
    """List index versions on disk; * marks the one served."""
    from chatbot.search import versions as index_versions

    settings = _settings()
    current = index_versions.current_version(settings.index_dir)
    for name in index_versions.list_versions(settings.index_dir):
        manifest = index_versions.read_manifest(index_versions.versions_dir(settings.index_dir) / name)
        mark = "*" if name == current else " "
        click.echo(f"{mark} {name}  built {manifest['built_at']}  FAQs {manifest['counts']['published']}")


@main.command()
@click.argument("question", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print the reply as JSON (one object per question).")
@click.option("--lang", type=click.Choice(list(LANGUAGES)), default=None, help="Reply language (default: detect).")
@click.option("--previous", "previous", default=None, metavar="FAQ_ID",
              help="The FAQ the conversation is about (the last answer's), as the widget sends it.")
def ask(question: str | None, as_json: bool, lang: str | None, previous: str | None) -> None:
    """Answer QUESTION; without it, answer one question per line from stdin, as one conversation (each
    line is asked with the subject the reply to the line before left)."""
    from chatbot.knowledge.hours import TOKYO
    from chatbot.search import versions as index_versions
    from chatbot.serving.respond import contact_card, respond

    settings = _settings()
    try:
        serving = index_versions.load_current(settings.index_dir)
    except index_versions.IndexFailure as exc:
        raise click.ClickException(str(exc)) from exc
    questions = [question] if question is not None else (line.strip() for line in sys.stdin)
    for text in questions:
        if not text:
            continue
        reply = respond(serving, text, lang=lang, previous=previous, threshold=settings.answer_threshold,
                        suggest_threshold=settings.suggest_threshold, greeting_faqs=settings.greeting_faqs)
        previous = reply.subject.id if reply.subject else None
        contact = contact_card(reply.department, serving.kb.closures, dt.datetime.now(TOKYO), reply.lang)
        shaped = {**reply.to_json(), "contact": contact.to_json()}
        click.echo(json.dumps(shaped, ensure_ascii=False) if as_json else _plain(text, shaped))


CONTACT_REPLIES = ("fallback", "handoff")


def _plain(question: str, reply: dict) -> str:
    lines = [f"Q: {question}", f"[{reply['type']} {reply['confidence']:.2f}]"]
    if reply["faq"]:
        lines += [f"{reply['faq']['id']}: {reply['faq']['question']}", reply["faq"]["answer"]]
    else:
        lines.append(reply["message"])
        if reply["type"] in CONTACT_REPLIES:  # small talk shows a contact only when a person was asked for
            contact = reply["contact"]
            lines.append(f"{contact['name']} {contact['phone']} ({contact['status_text']})")
    lines += [f"  候補: {s['id']} {s['question']}" for s in reply["suggestions"]]
    if reply["subject"]:
        lines.append(f"  話題 / subject: {reply['subject']['id']}")
    return "\n".join(lines) + "\n"


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
def serve(host: str, port: int) -> None:
    """Development server (use gunicorn with gunicorn.conf.py in production)."""
    from chatbot.web import create_app

    create_app(_settings()).run(host=host, port=port, threaded=True)


@main.command()
@click.option("--since", default="7d", show_default=True, help="Period to cover: 24h, 7d, 4w ...")
@click.option("--format", "fmt", type=click.Choice(["html", "csv"]), default="html", show_default=True)
@click.option("--output", type=click.Path(path_type=Path), default=None, help="Write to FILE instead of stdout.")
@click.option("--draft-faqs", "draft_dir", type=click.Path(path_type=Path), default=None,
              help="Write a draft FAQ for each large group of unanswered questions into DIR.")
def report(since: str, fmt: str, output: Path | None, draft_dir: Path | None) -> None:
    """What citizens asked: answered/fallback rates, unanswered and 👎 questions grouped, stale FAQs."""
    from chatbot.reports.run import parse_since, run

    try:
        period = parse_since(since)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--since") from exc
    settings = _settings()
    result = run(settings.knowledge_dir, settings.index_dir, settings.db_url, settings.stale_days, period, fmt=fmt,
                 output=output, draft_dir=draft_dir, answer_threshold=settings.answer_threshold)
    if output is None:
        click.echo(result.text)
    for path in result.drafts:
        click.echo(f"draft: {path}", err=True)


# ------------------------------------------------------------ staff accounts

@main.group()
def staff() -> None:
    """Staff console accounts (/staff/): add, list, remove, set passwords."""


def _accounts():  # type: ignore[no-untyped-def]
    from chatbot.store.accounts import Accounts
    from chatbot.store.db import Database

    return Accounts(Database(_settings().db_url))


def _actor() -> str:
    """Who made a change from the command line, for the audit log."""
    import getpass

    return f"cli:{getpass.getuser()}"


def _read_password() -> str:
    """From the terminal without echo (asked twice), or the first line of stdin for scripts; never an option,
    which would end up in the shell history and the process list."""
    if sys.stdin.isatty():
        return click.prompt(messages.staff("staff_password_prompt"), hide_input=True, confirmation_prompt=True)
    return sys.stdin.readline().rstrip("\r\n")


def _account_change(change) -> None:  # type: ignore[no-untyped-def]
    from chatbot.store.accounts import AccountError

    try:
        change()
    except AccountError as exc:
        click.echo(messages.staff(exc.code, **exc.values), err=True)
        sys.exit(1)


@staff.command("add-user")
@click.argument("name")
@click.option("--role", type=click.Choice(["editor", "viewer"]), required=True,
              help="editor: changes FAQs; viewer: looks only.")
def add_user(name: str, role: str) -> None:
    """Add a staff account; the password is read from the terminal (hidden) or stdin."""
    _account_change(lambda: _accounts().add(name, role, _read_password(), _actor()))
    click.echo(messages.staff("staff_user_added", name=name, role=role))


@staff.command("list-users")
def list_users() -> None:
    """Every staff account with its role."""
    for user in _accounts().users():
        click.echo(f"{user.name}\t{user.role}\t{user.updated_at}")


@staff.command("remove-user")
@click.argument("name")
def remove_user(name: str) -> None:
    """Remove a staff account and end its sessions."""
    _account_change(lambda: _accounts().remove(name, _actor()))
    click.echo(messages.staff("staff_user_removed", name=name))


@staff.command("set-password")
@click.argument("name")
def set_password(name: str) -> None:
    """Set a new password (read like add-user's); the account's sessions end."""
    _account_change(lambda: _accounts().set_password(name, _read_password(), _actor()))
    click.echo(messages.staff("staff_password_set", name=name))
