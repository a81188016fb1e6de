#!/usr/bin/env bash
# The service's one entry point (make run, the container, systemd): build whatever index is missing
# (a no-op when the knowledge is unchanged), then hand the process over to gunicorn.
# Listens on CHATBOT_BIND (default 127.0.0.1:8000; the container sets 0.0.0.0:8000).
set -euo pipefail
cd "$(dirname "$0")/.."
chatbot build-index
exec gunicorn -c gunicorn.conf.py 'chatbot.web:create_app()'
