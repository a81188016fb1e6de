"""Command line: thin wrappers that parse options and call the library."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from chatbot.knowledge import load_knowledge
from chatbot.settings import SETTINGS, Settings


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
