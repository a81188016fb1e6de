"""The import rule of docs/architecture.md, checked on the source: one direction between layers, and each
heavy or outward-facing library in the one layer that owns it."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from tests.helpers import REPO

PACKAGE = REPO / "chatbot"
# Layer → the chatbot layers it may import (itself included). core holds configuration and utilities.
ALLOWED = {
    "core": {"core"},
    "text": {"core", "text"},
    "knowledge": {"core", "text", "knowledge"},
    "store": {"core", "store"},
    "search": {"core", "text", "knowledge", "search"},
    "serving": {"core", "text", "knowledge", "search", "serving"},
    "reports": {"core", "text", "knowledge", "store", "search", "serving", "reports"},
    "web": {"core", "text", "knowledge", "store", "search", "serving", "reports", "web"},
    "cli": {"core", "text", "knowledge", "store", "search", "serving", "reports", "web", "cli"},
}
# Third-party library → the modules (path prefixes under chatbot/) allowed to import it.
OWNERS = {
    "flask": ("web/",), "werkzeug": ("web/",), "gunicorn": ("web/",), "prometheus_client": ("web/",),
    "limits": ("web/",), "redis": ("web/",), "lingua": ("core/languages.py",),
    "sqlite3": ("store/",), "psycopg": ("store/",), "argon2": ("store/",),
    "sudachipy": ("text/japanese.py",),
    "faiss": ("search/",), "torch": ("search/",), "sentence_transformers": ("search/",), "tokenizers": ("search/",),
    "bm25s": ("search/",),
}


def layer_of(path: Path, root: Path) -> str:
    relative = path.relative_to(root)
    return relative.parts[0] if len(relative.parts) > 1 else "cli"  # cli.py, __main__.py, __init__.py


def imports(path: Path) -> Iterator[tuple[int, str]]:
    """Every module the file imports, at any depth (imports inside functions count too)."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from ((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [f"{node.module}.{alias.name}" for alias in node.names] if node.module == "chatbot" else []
            yield from ((node.lineno, name) for name in names or [node.module])


def violations(root: Path = PACKAGE) -> list[str]:
    found = []
    for path in sorted(root.rglob("*.py")):
        layer, relative = layer_of(path, root), path.relative_to(root).as_posix()
        for line, module in imports(path):
            parts = module.split(".")
            if parts[0] == "chatbot" and len(parts) > 1:
                target = parts[1] if parts[1] in ALLOWED else "cli"
                if target not in ALLOWED[layer]:
                    found.append(f"chatbot/{relative}:{line}: {layer} imports {module} ({target})")
            elif parts[0] in OWNERS and not relative.startswith(OWNERS[parts[0]]):
                found.append(f"chatbot/{relative}:{line}: {parts[0]} belongs to {', '.join(OWNERS[parts[0]])}")
    return found


def test_every_import_follows_the_layer_rule() -> None:
    assert violations() == []


def test_the_rule_catches_a_wrong_way_import(tmp_path: Path) -> None:
    copy = tmp_path / "chatbot"
    (copy / "knowledge").mkdir(parents=True)
    (copy / "knowledge" / "bad.py").write_text("from chatbot.serving.respond import respond\nimport flask\n")
    assert violations(copy) == [
        "chatbot/knowledge/bad.py:1: knowledge imports chatbot.serving.respond (serving)",
        "chatbot/knowledge/bad.py:2: flask belongs to web/",
    ]


def test_every_layer_says_what_it_is_for() -> None:
    for package in sorted(p for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()):
        assert ast.get_docstring(ast.parse((package / "__init__.py").read_text(encoding="utf-8"))), package.name
