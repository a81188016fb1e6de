"""Kept for the tests' imports: the server helpers live in chatbot/devserver.py, shared with scripts/bench_*.py."""

from chatbot.devserver import REPO, free_port, gunicorn, serve, settings_env

__all__ = ["REPO", "free_port", "gunicorn", "serve", "settings_env"]
